"""An nbgrader Execute step with a time budget for the whole notebook, not only per cell.

Stock nbgrader stops a cell after its timeout and goes on with the next one, so a learner's
endless loop costs one full timeout for every later cell that calls the looping function.
Here the notebook has one budget: each cell may run for at most the per-cell timeout or what
is left of the budget, whichever is less; once the budget is used up, the remaining code
cells are not run and get an error output that names the cell that ran too long, so their
tests score zero and the learner's feedback says why.

Enabled for plain ``nbgrader autograde`` too, through ``nbgrader_config.py``.
"""

from __future__ import annotations

import math
import time

from jupyter_core.utils import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from pmtech.grading import SKIPPED_ENAME, TIMEOUT_ENAME
from pmtech.grading.guard import TAMPERED_ENAME, TAMPERED_MESSAGE, Guard
from pmtech.grading.kernelenv import LEARNER_FILES_LAST, CleanEnvKernelManager
from pmtech.nbcells import grade_id, is_locked_setup, is_test


def cell_name(cell: NotebookNode, index: int) -> str:
    """How feedback names a cell: its nbgrader grade id, or its position."""
    name = grade_id(cell)
    return f"'{name}'" if name else f"cell {index + 1}"


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[message])


class BudgetedExecute(Execute):
    """nbgrader's Execute with ``notebook_budget`` seconds for the whole notebook."""

    notebook_budget = Integer(
        300, help="Seconds the whole notebook may run; later cells are skipped once it is used."
    ).tag(config=True)
    sandbox = Unicode(
        "auto",
        help="Confine the kernel (pmtech/grading/sandbox.py): 'auto' when possible (else warn "
        "once), 'required' (fail when impossible) or 'off'.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sandbox not in ("auto", "required", "off"):
            raise ValueError(f"sandbox must be auto, required or off, not {self.sandbox!r}")
        # Never the grader's environment, confined or not (kernelenv.py says why).
        self.kernel_manager_class = CleanEnvKernelManager
        if self.sandbox == "off":
            return
        from pmtech.grading.sandbox import (
            SandboxedKernelManager,
            warn_unconfined_once,
            why_not_confined,
        )

        reason = why_not_confined()
        if reason is None:
            self.kernel_manager_class = SandboxedKernelManager
        elif self.sandbox == "required":
            raise RuntimeError(f"cannot confine learners' kernels: {reason}")
        else:
            warn_unconfined_once(reason)

    async def async_start_new_kernel_client(self):
        """Start the kernel's client; when the kernel dies first, say what it printed."""
        km = self.km
        try:
            return await super().async_start_new_kernel_client()
        except Exception as exc:
            said = getattr(km, "startup_output", "")
            if not said:
                raise
            message = f"the learner's kernel could not start ({exc}); it said:\n{said}"
            raise RuntimeError(message) from exc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess(self, nb, resources=None, km=None):
        """Run the notebook against one deadline, with the guard before every test."""
        self._deadline = time.monotonic() + self.notebook_budget
        self._culprit: str | None = None
        self._guard = Guard()
        self._guard_installed = False
        self._tampered = False
        return super().preprocess(nb, resources, km)

    def _run_hidden(self, code: str, index: int) -> list:
        """Run grader code in the kernel, outside the notebook; return its outputs."""
        original = self.nb.cells[index]
        probe = NotebookNode(
            cell_type="code", source=code, metadata={}, outputs=[], execution_count=None
        )
        try:
            self.execute_cell(probe, index, store_history=False)
        finally:
            self.nb.cells[index] = original  # nbclient stores the executed cell at index
        return probe.outputs

    def _guarded(self, cell, index) -> bool:
        """Before a test cell: restore the trusted state and probe the kernel.

        Returns False (and marks the cell) when the kernel can no longer be trusted.
        """
        if not self._guard_installed:
            self._guard_installed = True
            self._run_hidden(LEARNER_FILES_LAST, index)
            if any(o.get("output_type") == "error" for o in self._run_hidden(
                self._guard.install_code(), index
            )):  # fmt: skip
                self._tampered = True
        if not is_test(cell):
            return True
        if not self._tampered:
            outputs = self._run_hidden(self._guard.restore_and_probe_code(), index)
            self._tampered = not self._guard.probe_failed_as_expected(outputs)
        if self._tampered:
            cell.outputs = [_error(TAMPERED_ENAME, TAMPERED_MESSAGE)]
            return False
        return True

    def _trust(self, cell, index) -> None:
        """After a locked setup cell: remember the names it defined as the tests' truth."""
        if is_locked_setup(cell):
            code = self._guard.trust_code(cell.source)
            if code and not self._tampered:
                self._run_hidden(code, index)

    def _get_timeout(self, cell):
        base = super()._get_timeout(cell)
        remaining = max(1, math.ceil(self._deadline - time.monotonic()))
        return remaining if base is None else min(base, remaining)

    def preprocess_cell(self, cell, resources, index):
        """Skip the cell once the budget is gone; name the cell that ran out of time."""
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if time.monotonic() >= self._deadline:
            culprit = self._culprit or "an earlier cell"
            cell.outputs = [
                _error(
                    SKIPPED_ENAME,
                    f"Not run: the notebook used up its {self.notebook_budget} s time budget "
                    f"(the cell that ran too long: {culprit}).",
                )
            ]
            return cell, resources
        if not self._guarded(cell, index):
            return cell, resources
        allowed = self._get_timeout(cell)
        cell, resources = super().preprocess_cell(cell, resources, index)
        self._trust(cell, index)
        for n, output in enumerate(cell.outputs):
            if output.get("output_type") == "error" and output.get("ename") == TIMEOUT_ENAME:
                name = cell_name(cell, index)
                self._culprit = self._culprit or name
                cell.outputs[n] = _error(
                    TIMEOUT_ENAME,
                    f"Stopped: {name} ran for more than {allowed} s (an endless loop, or work "
                    "that is far too slow).",
                )
        return cell, resources
