"""Feedback that keeps hidden tests hidden.

In the autograded notebook every test cell holds its hidden tests again (nbgrader restores
them from the gradebook), and a failing assertion's traceback quotes the line that failed,
expected values included. nbgrader's feedback shows all of it. This step, run after
nbgrader's ``GetGrades`` when feedback is generated, replaces the hidden part of each test
cell with one line and its outputs with a verdict: the test's name, points and pass or fail,
and, when the notebook ran out of time, why. Visible tests stay as the learner saw them.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

from pmtech.grading import SKIPPED_ENAME, TIMEOUT_ENAME

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests: not shown in feedback)"


def has_hidden_tests(source: str) -> bool:
    """True when the cell source holds a hidden-tests region."""
    return BEGIN in source


def without_hidden_tests(source: str) -> str:
    """The source with every hidden-tests region replaced by one placeholder line."""
    out, hiding = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker.startswith(BEGIN):
            hiding = True
            out.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
        elif marker.startswith(END):
            hiding = False
        elif not hiding:
            out.append(line)
    return "\n".join(out)


def verdict(cell: NotebookNode) -> str:
    """One line for the feedback: name, points, passed or failed, and a timeout reason."""
    meta = cell.metadata.get("nbgrader", {})
    points = float(meta.get("points") or 0)
    score = meta.get("score")
    score = float(score) if score is not None else 0.0
    status = "passed" if points and score >= points else "failed"
    line = f"Test {meta.get('grade_id', '?')}: {status} ({score:g} of {points:g} points)."
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and output.get("ename") in (
            TIMEOUT_ENAME,
            SKIPPED_ENAME,
        ):
            line += " " + str(output.get("evalue", ""))
            break
    return line


class HideHiddenTests(Preprocessor):
    """Strip hidden test code and its outputs from feedback, keeping a verdict per test."""

    enabled = Bool(True, help="Hide hidden tests in feedback (on by default).").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        """Rewrite one test cell that holds hidden tests; leave every other cell alone."""
        meta = cell.metadata.get("nbgrader", {})
        is_test = meta.get("grade") and not meta.get("solution")
        if cell.cell_type == "code" and is_test and has_hidden_tests(cell.source):
            cell.source = without_hidden_tests(cell.source)
            cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=verdict(cell))]
            cell.execution_count = None
        return cell, resources
