"""What nbgrader's metadata says about a notebook cell: the one place that reads it.

nbgrader marks cells in ``cell.metadata["nbgrader"]``: a *solution* cell holds the learner's
answer, a *grade* cell that is not a solution is a test, and a *locked* cell that is neither
is the instructor's setup. These predicates read plain dicts and nbformat nodes alike.
"""

from __future__ import annotations


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata (empty when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    """The cell's nbgrader grade id, or None."""
    return nbgrader_meta(cell).get("grade_id")


def is_solution(cell) -> bool:
    """A cell the learner answers in."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded(cell) -> bool:
    """A cell that earns points (a test, or a written answer graded by hand)."""
    return bool(nbgrader_meta(cell).get("grade"))


def is_test(cell) -> bool:
    """A graded cell that is not an answer: the instructor's tests."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_locked_setup(cell) -> bool:
    """A locked cell that is neither an answer nor a test: the instructor's setup."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("locked")) and not meta.get("grade") and not meta.get("solution")
