"""One grading worker's work: nbgrader loaded once, then one learner at a time.

Each worker process loads nbgrader and the course's ``nbgrader_config.py`` once, then grades
one learner at a time with nbgrader's own ``Autograde`` (the very code ``nbgrader autograde``
runs, so scores are identical) and writes that learner's feedback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import warnings
from pathlib import Path

from pmtech.grading import SKIPPED_ENAME, TIMEOUT_ENAME, GradingError
from pmtech.grading.reasons import failure_reason
from pmtech.grading.summary import LearnerResult
from pmtech.nbcells import grade_id

LOCKED_RETRIES = 3


def skip_slow_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    jsonschema loads that optional IRI format checker when it is installed (Jupyter installs
    it), and it builds a parser at import: about 2 s per process, on every import of
    nbformat. Grading never validates IRI strings, so the grading processes go without it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


_API = None
_LOADED: tuple | None = None


def load_course_config(course: Path, overrides: dict):
    """The course's nbgrader configuration from ``nbgrader_config.py``, with overrides."""
    from traitlets.config import Config, PyFileConfigLoader

    config_file = course / "nbgrader_config.py"
    if not config_file.exists():
        raise GradingError(f"{course} has no nbgrader_config.py: is it the course folder?")
    config = Config()
    config.merge(PyFileConfigLoader(config_file.name, path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    for dotted, value in overrides.items():
        section, name = dotted.rsplit(".", 1)
        config[section][name] = value
    return config


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker if the grading process dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_log(course: Path) -> Path:
    """Where the workers' and kernels' own messages go, so the terminal shows progress only."""
    return course / "autograded" / ".pmtech-grade-workers.log"


def init_worker(course: str, overrides: dict) -> None:
    """In a local worker process: ignore Ctrl-C, die with the parent, write to the workers'
    log, and load nbgrader with the course's configuration once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    _die_with_parent()
    # Kernels inherit this process's stdout and stderr: send all to the log, not the terminal.
    log = os.open(worker_log(Path(course)), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    load_api(course, overrides)


def load_api(course: str, overrides: dict) -> None:
    """Load nbgrader's API for ``course`` in this process (once per course and overrides)."""
    global _API, _LOADED
    if (course, sorted(overrides.items())) == _LOADED:
        return
    warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy warnings, once per learner
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_course_config(Path(course), overrides)
    _API = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    _LOADED = (course, sorted(overrides.items()))


def gradebook_digest(config) -> str:
    """A digest of the gradebook URL a configuration grades into: two processes can check
    they share a gradebook without ever sending its password."""
    import hashlib

    return hashlib.sha256(str(config.CourseDirectory.db_url).encode()).hexdigest()


def loaded_gradebook_digest() -> str:
    """The digest of the gradebook this process's nbgrader writes to (see :func:`load_api`)."""
    return gradebook_digest(_API.config)


RESOURCE_SIGNS = {
    "MemoryError": "ran out of memory",
    "BlockingIOError": "hit the process limit (a fork bomb?)",
}


def _trouble_notes(course: Path, assignment: str, student: str) -> tuple[str, ...]:
    """What went wrong in a graded learner's notebooks: time, resources, tampering, or
    cells set aside (duplicated or unknown graded cells)."""
    import nbformat

    from pmtech.grading.guard import TAMPERED_ENAME
    from pmtech.grading.repair import grading_notes

    notes = []
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        aside = [f"set aside {note}" for note in grading_notes(nb)]
        found: list[str] = []
        for cell in nb.cells:
            name = grade_id(cell) or "a cell"
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                ename, evalue = out.get("ename", ""), str(out.get("evalue", ""))
                if ename == TIMEOUT_ENAME and not any("time" in f for f in found):
                    found.append(evalue)
                elif ename == SKIPPED_ENAME and not found:
                    found.append("the notebook's time budget ran out")
                elif ename == TAMPERED_ENAME and not any("patched" in f for f in found):
                    found.append(f"{name}: {evalue}")
                elif ename in RESOURCE_SIGNS:
                    found.append(f"{name} {RESOURCE_SIGNS[ename]}")
                elif "No space left" in evalue or "File too large" in evalue:
                    found.append(f"{name} tried to write too much data")
        notes += [f"{path.name}: {note}" for note in [*aside, *dict.fromkeys(found)]]
    return tuple(notes)


def grade_one(course: str, assignment: str, student: str, feedback: bool) -> LearnerResult:
    """Worker: autograde one learner (and write their feedback); never raises."""
    start = time.perf_counter()
    result: dict = {}
    for attempt in range(LOCKED_RETRIES):
        result = _API.autograde(assignment, student, force=True, create=True)
        if result.get("success") or "database is locked" not in str(result.get("error")):
            break
        time.sleep(0.5 * (attempt + 1))
    if not result.get("success"):
        reason = failure_reason(result.get("log", ""), result.get("error", ""))
        return LearnerResult(student, False, time.perf_counter() - start, reason)
    if feedback:
        made = _API.generate_feedback(assignment, student, force=True)
        if not made.get("success"):
            reason = "feedback: " + failure_reason(made.get("log", ""), made.get("error", ""))
            return LearnerResult(student, False, time.perf_counter() - start, reason)
    notes = _trouble_notes(Path(course), assignment, student)
    return LearnerResult(student, True, time.perf_counter() - start, timeouts=notes)
