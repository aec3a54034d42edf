"""pmtech: the support package of the PM technical interview course.

Notebooks use ``from pmtech.quiz import quiz`` and ``from pmtech.chart import show_progress``.
Heavy modules (matplotlib, nbgrader) load only when a function that uses them is called.
"""

__version__ = "0.1.0"
__all__ = ["show_progress", "load_bank", "ProgressStore"]


def __getattr__(name):
    if name == "show_progress":
        from pmtech.chart import show_progress

        return show_progress
    if name == "load_bank":
        from pmtech.bank import load_bank

        return load_bank
    if name == "ProgressStore":
        from pmtech.progress import ProgressStore

        return ProgressStore
    raise AttributeError(f"module 'pmtech' has no attribute {name!r}")
