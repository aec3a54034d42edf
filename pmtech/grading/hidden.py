"""Feedback that keeps hidden tests hidden.

In the autograded notebook every test cell holds its hidden tests again (nbgrader restores
them from the gradebook), and a failing assertion's traceback quotes the line that failed,
expected values included. nbgrader's feedback shows all of it. This step, run after
nbgrader's ``GetGrades`` when feedback is generated, replaces the hidden part of each test
cell with one line and its outputs with a verdict: the test's name, points and pass or fail,
and, when the notebook ran out of time, why. Visible tests stay as the learner saw them.

Hiding the test cells is not enough: once a hidden test has run, the learner's own code has
seen it. A later cell can print what IPython keeps of earlier cells (``In``, the history,
``linecache``), and a learner's function called by a hidden test can record its arguments or,
through an overloaded ``==``, the values it was compared with, then print them later. So
everything executed after the first hidden test shows no output in feedback: test cells show
their verdict, other cells a line saying why their output is withheld (the grader's own
time-budget messages stay).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

from pmtech.grading import SKIPPED_ENAME, TIMEOUT_ENAME
from pmtech.grading.guard import TAMPERED_ENAME
from pmtech.nbcells import is_test, nbgrader_meta

GRADER_ERRORS = (TIMEOUT_ENAME, SKIPPED_ENAME, TAMPERED_ENAME)

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
PLACEHOLDER = "# (hidden tests: not shown in feedback)"
WITHHELD = (
    "(Output not shown in feedback: this cell ran after hidden tests, and what it prints "
    "could reveal them.)"
)


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
    meta = nbgrader_meta(cell)
    points = float(meta.get("points") or 0)
    score = meta.get("score")
    score = float(score) if score is not None else 0.0
    status = "passed" if points and score >= points else "failed"
    line = f"Test {meta.get('grade_id', '?')}: {status} ({score:g} of {points:g} points)."
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and output.get("ename") in GRADER_ERRORS:
            line += " " + str(output.get("evalue", ""))
            break
    return line


def _stream(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


class HideHiddenTests(Preprocessor):
    """Strip hidden test code and its outputs from feedback, keeping a verdict per test, and
    withhold every output produced after the first hidden test ran."""

    enabled = Bool(True, help="Hide hidden tests in feedback (on by default).").tag(config=True)

    def preprocess(self, nb, resources):
        """Walk the cells in order, remembering when the first hidden test has run."""
        self._after_hidden = False
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        """Rewrite test cells with hidden tests, and outputs that came after one ran."""
        if cell.cell_type != "code":
            return cell, resources
        test = is_test(cell)
        if test and has_hidden_tests(cell.source):
            cell.source = without_hidden_tests(cell.source)
            cell.outputs = [_stream(verdict(cell))]
            cell.execution_count = None
            self._after_hidden = True
        elif self._after_hidden and test:
            cell.outputs = [_stream(verdict(cell))]
        elif self._after_hidden and cell.get("outputs"):
            own = [
                o
                for o in cell.outputs
                if o.get("output_type") == "error" and o.get("ename") in GRADER_ERRORS
            ]
            cell.outputs = own or [_stream(WITHHELD)]
        return cell, resources
