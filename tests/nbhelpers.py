"""Helpers that make learner submissions from the course's own notebooks."""

from __future__ import annotations

import re

import nbformat

MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solutions_of(source_nb) -> dict[str, str]:
    """grade_id -> the source notebook's solution text, without the solution markers."""
    return {
        grade_id(c): MARKERS.sub("", c.source)
        for c in source_nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def fill(release_nb, answers: dict[str, str]):
    """A copy of a release notebook with the given answer cells (by grade_id) replaced."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in answers:
            cell.source = answers[gid]
    return nb
