"""Which learners finished grading, so a run can resume; one run per course at a time.

A journal next to the autograded folder records each learner whose grading finished, with a
fingerprint of their submission. Run the command again after an interrupt (or a crash) and
finished learners are skipped, unless they resubmitted; a learner cut off mid-way is graded
again from scratch, which nbgrader's upserts make safe (no duplicate grades). A lock file
stops two runs from grading the same course at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import sys
import time
from pathlib import Path

from pmtech.grading import GradingError

JOURNAL_VERSION = 1


def fingerprint(course: Path, assignment: str, student: str) -> str:
    """A digest of what a learner submitted (notebooks and timestamp), to spot resubmissions."""
    folder = course / "submitted" / student / assignment
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix == ".ipynb" or path.name == "timestamp.txt"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Journal:
    """Which learners finished grading, saved after each one (atomic replace)."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, str] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") != JOURNAL_VERSION or not isinstance(data.get("done"), dict):
                    raise ValueError("unknown format")
                self.done = {str(k): str(v) for k, v in data["done"].items()}
            except (ValueError, OSError) as exc:
                aside = path.with_name(path.name + f".unreadable-{int(time.time())}")
                path.replace(aside)
                print(
                    f"warning: the grading journal {path} was unreadable ({exc}); moved to "
                    f"{aside.name}; every learner will be graded again",
                    file=sys.stderr,
                )

    def finished(self, student: str, print_: str) -> bool:
        """True when ``student`` was graded with exactly this submission."""
        return self.done.get(student) == print_

    def record(self, student: str, print_: str) -> None:
        """Mark ``student`` finished and write the journal to disk."""
        self.done[student] = print_
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": JOURNAL_VERSION, "done": self.done}, indent=1))
        tmp.replace(self.path)


@contextlib.contextmanager
def course_lock(course: Path):
    """Hold an exclusive lock on the course's grading for the life of the block."""
    (course / "autograded").mkdir(exist_ok=True)
    path = course / "autograded" / ".pmtech-grade.lock"
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GradingError(
                f"another 'pmtech grade' is running on {course} (lock {path})"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
