"""Quiz evidence handed in through nbgrader's exchange, so the cohort view needs no email.

The hub adds one more assignment to the instructor's course, ``quiz-evidence``: a notebook
whose one cell writes the learner's attempt log next to it. The learner fetches it, runs the
cell and submits it from the Assignments list like any assignment. nbgrader's exchange
files each submission under the account that submitted it, and ``pmtech cohort`` takes the
learner's identity from there, never from the file: a self-chosen name inside an export
cannot pass evidence off as someone else's.
"""

from __future__ import annotations

import warnings
from pathlib import Path

EVIDENCE_ASSIGNMENT = "quiz-evidence"
EVIDENCE_FILE = "progress-export.json"


def evidence_notebook():
    """The notebook of the ``quiz-evidence`` assignment."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(
            "# Hand in your quiz evidence\n\n"
            "Run the cell below: it copies every answer you gave in the course's quizzes, "
            "the diagnostic and the exercise checks into this folder. Then submit this "
            "assignment from the Assignments list. Your instructor's cohort chart then "
            "includes where your knowledge runs out. Hand it in again whenever you like: the "
            "latest copy counts."
        ),
        new_code_cell(
            "from pmtech.hub.evidence import write_evidence\n\nwrite_evidence()",
            metadata={"editable": False},
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nbformat.from_dict(nb)


def write_evidence(folder: Path | str = ".") -> Path:
    """Export this account's attempts into ``folder`` (the fetched assignment); the file."""
    from pmtech.progress import default_store

    path = Path(folder) / EVIDENCE_FILE
    count = default_store().export_json(path)
    print(f"{count} answers written to {path.name}: now submit this assignment.")
    return path


def handed_in_attempts(course: Path) -> dict:
    """Attempts per learner from the collected ``quiz-evidence`` submissions of ``course``,
    each attempt credited to the account that submitted it."""
    from dataclasses import replace

    from pmtech.progress import StoreError, read_export

    result: dict = {}
    for folder in sorted((Path(course) / "submitted").glob(f"*/{EVIDENCE_ASSIGNMENT}")):
        account = folder.parent.name
        for path in sorted(folder.glob("*.json")):
            try:
                attempts = read_export(path)
            except StoreError as exc:
                warnings.warn(f"skipped the quiz evidence in {path}: {exc}", stacklevel=2)
                continue
            result.setdefault(account, []).extend(replace(a, learner=account) for a in attempts)
    return result
