"""Autograde every submitted learner of an assignment in parallel, resumably.

Worker processes (``pool.py``, ``worker.py``) grade one learner at a time with nbgrader's own
autograder and write their feedback. All workers write to the course's one gradebook; it is
switched to SQLite's WAL mode so readers never block the short write transactions, and a
write that still finds the database locked is retried. A journal (``journal.py``) lets an
interrupted run resume; ``summary.py`` reports what happened.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from pmtech.grading import GradingError
from pmtech.grading.journal import Journal, course_lock, fingerprint
from pmtech.grading.pool import Pool
from pmtech.grading.summary import LearnerResult, ProgressLine, Summary
from pmtech.grading.worker import load_course_config, skip_slow_format_checker


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


def default_jobs() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


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
    scheduler: str | None = None,
) -> list[Summary]:
    """Grade every submitted learner of each assignment with one set of ``jobs`` workers, or
    on the Dask cluster whose scheduler is at ``scheduler`` (``cluster.py``).

    Learners already graded with the same submission are skipped unless ``force``; the
    progress callback gets (finished, failed) after each learner. On a cluster the gradebook
    and the scheduler are checked before anything is written.
    """
    skip_slow_format_checker()
    course = Path(course).resolve()
    if not assignments:
        raise GradingError("name at least one assignment")
    for assignment in assignments:
        if not (course / "source" / assignment).is_dir():
            raise GradingError(f"no assignment {assignment!r} in {course / 'source'}")
    if scheduler and jobs:
        raise GradingError("--jobs sets local workers; on a cluster, its workers grade")
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
    if not scheduler:
        _say_if_unconfined(sandbox or "auto")
    students = list(students) if students is not None else None
    learners = {a: submissions(course, a, students) for a in assignments}
    start = time.perf_counter()
    cluster = None
    if scheduler:  # a cluster only after the gradebook and the scheduler are known good
        config = _checked_config(course, overrides, assignments)
        cluster = _cluster(scheduler, course, config, feedback, overrides, sandbox or "auto")
    with _closed_on_error(cluster), course_lock(course):
        pool = cluster or Pool(course, feedback, overrides, jobs)
        try:
            if cluster is None:  # local workers load nbgrader while this process checks
                config = _checked_config(course, overrides, assignments)
            roster = gradebook_roster(config) if roster_only(config) else set()
            summaries, tasks, journals, prints = [], [], {}, {}
            for assignment in assignments:
                summary = Summary(assignment, len(learners[assignment]))
                journals[assignment] = Journal(
                    course / "autograded" / f".pmtech-grade-{assignment}.json"
                )
                for student in learners[assignment]:
                    if roster and student not in roster:  # no roster: everyone is graded
                        summary.failed.append(not_enrolled(student))
                        continue
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

            def finish(assignment: str, outcome: LearnerResult) -> None:
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
            hand_back(course)
    for summary in summaries:
        summary.interrupted = interrupted
        summary.seconds = time.perf_counter() - start
    return summaries


def _cluster(scheduler: str, course: Path, config, feedback: bool, overrides: dict, mode: str):
    from pmtech.grading.cluster import ClusterRunner, connect, unconfined_workers
    from pmtech.grading.worker import gradebook_digest

    client = connect(scheduler)
    with _closed_on_error(client):
        unconfined = unconfined_workers(client) if mode != "off" else {}
        if unconfined:
            where = "; ".join(f"{name}: {reason}" for name, reason in sorted(unconfined.items()))
            if mode == "required":
                raise GradingError(f"cannot confine learners' kernels on every worker ({where})")
            print(
                f"WARNING: learners' code is NOT isolated on some workers ({where}); a "
                "submission graded there can read the solutions and hidden tests and change "
                "the gradebook.",
                file=sys.stderr,
            )
    return ClusterRunner(
        client,
        course,
        config.CourseDirectory.course_id,
        feedback,
        overrides,
        gradebook_digest(config),
    )


@contextlib.contextmanager
def _closed_on_error(resource):
    """Close ``resource`` (if any) when the block fails; it stays open otherwise."""
    try:
        yield
    except BaseException:
        if resource is not None:
            resource.close()
        raise


def hand_back(course: Path) -> None:
    """Give what grading wrote back to the course folder's owner.

    Confinement needs root, so on a shared machine root grades an instructor's course; the
    instructor's own tools (the formgrader, nbgrader's commands) must still be able to change
    the gradebook and the autograded and feedback folders afterwards.
    """
    owner = course.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    written = [course / "autograded", course / "feedback", *course.glob("gradebook.db*")]
    for top in written:
        if not top.exists():
            continue
        for path in [top, *(top.rglob("*") if top.is_dir() else [])]:
            os.lchown(path, owner.st_uid, owner.st_gid)


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


def roster_only(config) -> bool:
    """True when the course grades only the learners its gradebook lists
    (``c.PmtechGrade.roster_only = True`` in ``nbgrader_config.py``; a course hub sets it).
    Otherwise every submission is graded and its learner added, as ``nbgrader autograde
    --create`` does."""
    return bool(config.get("PmtechGrade", {}).get("roster_only", False))


def gradebook_roster(config) -> set[str]:
    """The learners the gradebook lists."""
    from nbgrader.api import Gradebook

    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        roster = {student.id for student in gb.students}
    if not roster:
        raise GradingError(
            "the course grades only the learners on its roster, and the gradebook lists "
            "none: add them with 'nbgrader db student import roster.csv'"
        )
    return roster


def not_enrolled(student: str) -> LearnerResult:
    """A submission from someone the roster does not list: kept, not graded.

    On a shared machine any account can drop a submission into the exchange; once the
    instructor has a roster, only its learners are graded.
    """
    return LearnerResult(
        student,
        False,
        0.0,
        f"not in the gradebook's roster, so not graded (the submission is kept): add them "
        f"with 'nbgrader db student add {student}' and run again",
    )


def _checked_config(course: Path, overrides: dict, assignments: list[str]):
    """The course's configuration, its gradebook checked to hold every assignment."""
    config = load_course_config(course, overrides)
    for assignment in assignments:
        _check_gradebook(config, assignment)
    return config


def _check_gradebook(config, assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    db_url = config.CourseDirectory.db_url
    try:
        with Gradebook(db_url, config.CourseDirectory.course_id) as gb:
            gb.find_assignment(assignment)
    except MissingEntry:
        raise GradingError(
            f"the gradebook has no assignment {assignment!r}: run "
            f"'nbgrader generate_assignment {assignment}' first"
        ) from None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise GradingError(f"cannot open the gradebook {shown_url(db_url)}: {detail}") from None
    use_wal(db_url)


def shown_url(db_url: str) -> str:
    """A database URL fit to print: its password replaced by ``***``."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show only its scheme
        return db_url.split(":", 1)[0] + "://..."
