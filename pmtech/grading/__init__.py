"""Grading a cohort with nbgrader: a time budget per notebook, feedback that keeps hidden
tests hidden, and parallel, resumable autograding (``pmtech grade``).

Light on purpose: nbgrader is imported only by the modules that run it.
"""

# The error names the time-budgeted Execute step writes into a notebook's outputs.
TIMEOUT_ENAME = "CellTimeoutError"
SKIPPED_ENAME = "NotebookTimeBudgetExceeded"


class GradingError(Exception):
    """A batch cannot start; the message says what is wrong and where."""
