"""Autograde every submitted learner of an assignment in parallel, resumably.

Each worker process loads nbgrader and the course's ``nbgrader_config.py`` once, then grades
one learner at a time with nbgrader's own ``Autograde`` (the very code ``nbgrader autograde``
runs, so scores are identical) and writes that learner's feedback. All workers write to the
course's one gradebook; it is switched to SQLite's WAL mode so readers never block the short
write transactions, and a write that still finds the database locked is retried.

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
import os
import signal
import sqlite3
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from pmtech.grading import SKIPPED_ENAME, TIMEOUT_ENAME, GradingError
from pmtech.grading.reasons import failure_reason

JOURNAL_VERSION = 1
LOCKED_RETRIES = 3


@dataclass(frozen=True)
class Outcome:
    """What grading one learner produced."""

    student: str
    ok: bool
    seconds: float
    reason: str = ""
    timeouts: tuple[str, ...] = ()


@dataclass
class Summary:
    """The whole batch: who was graded, skipped or failed, and how long it took."""

    assignment: str
    total: int
    skipped: list[str] = field(default_factory=list)
    graded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The summary as printed at the end of a run."""
        done = len(self.graded) + len(self.failed)
        head = (
            f"{self.assignment}: graded {len(self.graded)} of {self.total} learners "
            f"in {_clock(self.seconds)}"
        )
        if self.skipped:
            head += f"; {len(self.skipped)} already graded earlier (skipped)"
        out = [head]
        if self.failed:
            out.append(f"{len(self.failed)} failed:")
            out += [f"  - {o.student}: {o.reason}" for o in self.failed]
        budget = [o for o in self.graded if o.timeouts]
        if budget:
            out.append(
                f"{len(budget)} ran out of time or limits, tampered with the grader (scored 0 "
                "for what broke), or had cells set aside (not graded, code still run):"
            )
            out += [f"  - {o.student}: {'; '.join(o.timeouts)}" for o in budget]
        if self.interrupted:
            left = self.total - len(self.skipped) - done
            out.append(f"Interrupted with {left} learners left: run the command again to go on.")
        return out


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


# ---------------------------------------------------------------------------- discovery


def submissions(course: Path, assignment: str, students: Iterable[str] | None = None) -> list[str]:
    """Learners with a submitted folder for ``assignment``, sorted."""
    root = course / "submitted"
    if not root.is_dir():
        raise GradingError(f"no submitted/ folder in {course}: collect submissions first")
    found = sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())
    if students is not None:
        wanted = list(students)
        missing = [s for s in wanted if s not in found]
        if missing:
            raise GradingError(f"no submission of {assignment} from: {', '.join(missing)}")
        found = [s for s in found if s in wanted]
    return found


def fingerprint(course: Path, assignment: str, student: str) -> str:
    """A digest of what a learner submitted (notebooks and timestamp), to spot resubmissions."""
    folder = course / "submitted" / student / assignment
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix == ".ipynb" or path.name == "timestamp.txt"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------- journal


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


def use_wal(db_url: str) -> None:
    """Switch the SQLite gradebook to WAL mode (it stays so); other databases are left alone."""
    if not db_url.startswith("sqlite:///"):
        return
    path = db_url.removeprefix("sqlite:///")
    if not Path(path).exists():
        return
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


# ---------------------------------------------------------------------------- workers

_API = None


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


def _init_worker(course: str, overrides: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    _die_with_parent()
    # Kernels inherit this process's stdout and stderr: send all to the log, not the terminal.
    log = os.open(worker_log(Path(course)), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy warnings, once per learner
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    global _API
    config = load_course_config(Path(course), overrides)
    _API = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


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
            name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "a cell")
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


def grade_one(course: str, assignment: str, student: str, feedback: bool) -> Outcome:
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
        return Outcome(student, False, time.perf_counter() - start, reason)
    if feedback:
        made = _API.generate_feedback(assignment, student, force=True)
        if not made.get("success"):
            reason = "feedback: " + failure_reason(made.get("log", ""), made.get("error", ""))
            return Outcome(student, False, time.perf_counter() - start, reason)
    notes = _trouble_notes(Path(course), assignment, student)
    return Outcome(student, True, time.perf_counter() - start, timeouts=notes)


# ---------------------------------------------------------------------------- progress


class ProgressLine:
    """A progress bar with an ETA on a terminal; a line per tenth of the work elsewhere."""

    def __init__(self, total: int, stream=sys.stderr, width: int = 28):
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.start = time.perf_counter()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def text(self, done: int, failed: int) -> str:
        """The progress line for ``done`` finished learners."""
        elapsed = time.perf_counter() - self.start
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        eta = _clock(elapsed / done * (self.total - done)) if done else "?"
        fail = f" · {failed} failed" if failed else ""
        return f"[{bar}] {done}/{self.total} learners{fail} · {_clock(elapsed)} elapsed · ETA {eta}"

    def update(self, done: int, failed: int) -> None:
        """Show progress after a learner finished."""
        if self.tty:
            self.stream.write("\r" + self.text(done, failed))
            self.stream.flush()
            return
        tenth = 10 * done // self.total
        if tenth != self.last_tenth or done == self.total:
            self.last_tenth = tenth
            print(self.text(done, failed), file=self.stream, flush=True)

    def close(self) -> None:
        """End the progress line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------- the batch


def default_jobs() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def skip_slow_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    jsonschema loads that optional IRI format checker when it is installed (Jupyter installs
    it), and it builds a parser at import: about 2 s per process, on every import of
    nbformat. Grading never validates IRI strings, so the grading processes go without it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def grade_assignment(course: Path, assignment: str, **options) -> Summary:
    """Grade every learner who submitted ``assignment``; see :func:`grade_assignments`."""
    return grade_assignments(course, [assignment], **options)[0]


def grade_assignments(
    course: Path,
    assignments: list[str],
    jobs: int | None = None,
    students: Iterable[str] | None = None,
    force: bool = False,
    feedback: bool = True,
    cell_timeout: int | None = None,
    notebook_budget: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    sandbox: str | None = None,
) -> list[Summary]:
    """Grade every submitted learner of each assignment with one set of ``jobs`` workers.

    Learners already graded with the same submission are skipped unless ``force``; the
    progress callback gets (finished, failed) after each learner.
    """
    skip_slow_format_checker()
    course = Path(course).resolve()
    if not assignments:
        raise GradingError("name at least one assignment")
    for assignment in assignments:
        if not (course / "source" / assignment).is_dir():
            raise GradingError(f"no assignment {assignment!r} in {course / 'source'}")
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise GradingError(f"--jobs must be at least 1, got {jobs}")
    overrides = {}
    if cell_timeout is not None:
        overrides["BudgetedExecute.timeout"] = cell_timeout
    if notebook_budget is not None:
        overrides["BudgetedExecute.notebook_budget"] = notebook_budget
    if sandbox is not None:
        overrides["BudgetedExecute.sandbox"] = sandbox
    _say_if_unconfined(sandbox or "auto")
    students = list(students) if students is not None else None
    learners = {a: submissions(course, a, students) for a in assignments}
    start = time.perf_counter()
    with course_lock(course):
        # Workers load nbgrader while this process checks the gradebook and the journals.
        pool = _Pool(course, feedback, overrides, jobs)
        try:
            config = load_course_config(course, overrides)
            for assignment in assignments:
                _check_gradebook(config, assignment)
            summaries, tasks, journals, prints = [], [], {}, {}
            for assignment in assignments:
                summary = Summary(assignment, len(learners[assignment]))
                journals[assignment] = Journal(
                    course / "autograded" / f".pmtech-grade-{assignment}.json"
                )
                for student in learners[assignment]:
                    prints[assignment, student] = fingerprint(course, assignment, student)
                    if force or not journals[assignment].finished(
                        student, prints[assignment, student]
                    ):
                        tasks.append((assignment, student))
                    else:
                        summary.skipped.append(student)
                summaries.append(summary)
            by_assignment = {s.assignment: s for s in summaries}
            bar = ProgressLine(len(tasks))
            report = progress or bar.update
            done = failed = 0

            def finish(assignment: str, outcome: Outcome) -> None:
                nonlocal done, failed
                summary = by_assignment[assignment]
                if outcome.ok:
                    journals[assignment].record(
                        outcome.student, prints[assignment, outcome.student]
                    )
                    summary.graded.append(outcome)
                else:
                    summary.failed.append(outcome)
                    failed += 1
                done += 1
                report(done, failed)

            interrupted = pool.run(tasks, finish)
            bar.close()
        finally:
            pool.close()
    for summary in summaries:
        summary.interrupted = interrupted
        summary.seconds = time.perf_counter() - start
    return summaries


def _say_if_unconfined(mode: str) -> None:
    """The workers' own warnings go to their log: say it here, once, on the terminal."""
    from pmtech.grading.sandbox import why_not_confined

    reason = why_not_confined()
    if mode == "off" or reason is None:
        return
    if mode == "required":
        raise GradingError(f"cannot confine learners' kernels: {reason}")
    print(
        f"WARNING: learners' code is NOT isolated while it is graded ({reason}); a "
        "submission can read the solutions and hidden tests and change the gradebook.",
        file=sys.stderr,
    )


def _check_gradebook(config, assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    db_url = config.CourseDirectory.db_url
    try:
        with Gradebook(db_url, config.CourseDirectory.course_id) as gb:
            gb.find_assignment(assignment)
    except MissingEntry:
        raise GradingError(
            f"the gradebook has no assignment {assignment!r}: run "
            f"'nbgrader generate_assignment {assignment}' first"
        ) from None
    use_wal(db_url)


def _worker_main(conn, course: str, feedback: bool, overrides: dict, slot: int) -> None:
    """A worker process: load nbgrader once, then grade what the parent sends."""
    os.environ["PMTECH_GRADING_SLOT"] = str(slot)  # its own sandbox uid, so limits are per learner
    skip_slow_format_checker()
    _init_worker(course, overrides)
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        assignment, student = task
        conn.send(grade_one(course, assignment, student, feedback))


class _Worker:
    """One worker process, its pipe, and the learner it is grading (if any)."""

    def __init__(self, context, course: Path, feedback: bool, overrides: dict, slot: int):
        self.slot = slot
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, str(course), feedback, overrides, slot), daemon=True
        )
        self.process.start()
        child.close()
        self.task: tuple[str, str] | None = None
        self.started = 0.0
        self.ready = False

    def give(self, task: tuple[str, str]) -> None:
        self.task, self.started = task, time.perf_counter()
        self.conn.send(task)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError, AttributeError):
            self.process.kill()


class _Pool:
    """``jobs`` worker processes; a worker that dies fails only the learner it was grading."""

    def __init__(self, course: Path, feedback: bool, overrides: dict, jobs: int):
        self.context = get_context("spawn")
        self.args = (course, feedback, overrides)
        self.course = course
        self.workers = [_Worker(self.context, *self.args, slot) for slot in range(jobs)]

    def run(self, tasks: list[tuple[str, str]], finish) -> bool:
        """Grade every task, calling ``finish(assignment, outcome)``; True if interrupted."""
        from multiprocessing.connection import wait as wait_any

        queue, workers = list(tasks), self.workers
        try:
            while workers:
                for worker in list(workers):
                    if worker.task is None and worker.process.is_alive():
                        if not queue:
                            worker.conn.send(None)
                            workers.remove(worker)
                        elif worker.ready or worker.conn.poll():
                            if not worker.ready:
                                worker.conn.recv()  # "ready"
                                worker.ready = True
                            worker.give(queue.pop(0))
                if not workers:
                    break
                ready = wait_any([w.conn for w in workers] + [w.process.sentinel for w in workers])
                for worker in list(workers):
                    if worker.conn in ready and worker.task is not None:
                        try:
                            outcome = worker.conn.recv()
                        except (EOFError, OSError):
                            continue  # it died: handled below through its sentinel
                        task, worker.task = worker.task, None
                        finish(task[0], outcome)
                    elif worker.process.sentinel in ready and not worker.process.is_alive():
                        self._buried(worker, queue, finish)
            return False
        except KeyboardInterrupt:
            return True

    def _buried(self, worker: _Worker, queue: list, finish) -> None:
        self.workers.remove(worker)
        if not worker.ready:
            raise GradingError(
                f"a grading process could not start (exit code {worker.process.exitcode}); "
                f"its messages are in {worker_log(self.course)}"
            )
        if worker.task is not None:
            assignment, student = worker.task
            reason = (
                f"the grading process died (exit code {worker.process.exitcode}): out of "
                "memory, or killed"
            )
            finish(
                assignment, Outcome(student, False, time.perf_counter() - worker.started, reason)
            )
        if queue:
            self.workers.append(_Worker(self.context, *self.args, worker.slot))

    def close(self) -> None:
        """Stop every worker (they get no more work; a stuck one is killed)."""
        for worker in self.workers:
            worker.kill()
        for worker in self.workers:
            worker.process.join(5)
