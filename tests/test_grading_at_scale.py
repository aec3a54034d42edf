"""Grading at scale with real parts: the gradebook in PostgreSQL (Debian's package, run by
the tests) and grading tasks on a Dask cluster (``dask scheduler`` and ``dask worker``
processes). Scores equal stock nbgrader's on SQLite cell by cell; a worker killed mid-run
leaves every learner graded once; an unreachable scheduler or database is a clear error that
writes nothing; a learner's code never finds the database's password."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from pmtech.grading import GradingError
from pmtech.grading.batch import grade_assignment
from pmtech.release import run_nbgrader

from .daskcluster import dask_cluster
from .nbhelpers import fill, make_course, solutions_of
from .postgres import postgres_server
from .servers import free_port

ASSIGNMENT = "01-working-with-engineers"
CELL_TIMEOUT, BUDGET = 3, 10
TIMEOUTS = (f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
            f"--BudgetedExecute.notebook_budget={BUDGET}")  # fmt: skip
URL_VARIABLE = "PMTECH_GRADEBOOK_URL"

pytestmark = pytest.mark.slow

SNOOP = """
import os, glob
found = [f"env {k}={v}" for k, v in os.environ.items()
         if "postgresql://" in v or k == "PMTECH_GRADEBOOK_URL"]
for pattern in ("/proc/*/environ", "/proc/*/cmdline", "/tmp/**/*", os.path.expanduser("~/**/*"),
                "/home/*/**/*", "/srv/**/*", "/root/**/*"):
    for path in glob.glob(pattern, recursive=True)[:5000]:
        try:
            with open(path, "rb") as handle:
                data = handle.read(1_000_000)
        except OSError:
            continue
        if b"postgresql://" in data or b"PMTECH_GRADEBOOK_URL" in data:
            found.append(f"file {path}: {data[:300]!r}")
print("SNOOPED", found)
"""


@contextlib.contextmanager
def gradebook_url(url: str):
    """Point nbgrader_config.py at ``url`` for the life of the block."""
    before = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = before


def cell_scores(url: str) -> dict[tuple[str, str], float]:
    """(learner, cell) -> autograded score, from any gradebook SQLAlchemy can open."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT student.id, base_cell.name, grade.auto_score FROM grade "
                    "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
                    "JOIN submitted_assignment "
                    "ON submitted_notebook.assignment_id = submitted_assignment.id "
                    "JOIN student ON submitted_assignment.student_id = student.id "
                    "JOIN base_cell ON grade.cell_id = base_cell.id"
                )
            ).fetchall()
    finally:
        engine.dispose()
    return {(student, cell): score for student, cell, score in rows}


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """A course folder (no gradebook yet) with four learners' submissions, one of them a
    snoop that searches the environment and the files it can reach for the database URL."""
    course = tmp_path_factory.mktemp("submissions")
    name, release, source = make_course(course, ASSIGNMENT)
    (course / "gradebook.db").unlink(missing_ok=True)
    answers = solutions_of(source)
    half = dict(list(answers.items())[: len(answers) // 2])
    first = next(k for k in answers if k.endswith("-answer"))
    snoop = dict(answers, **{first: SNOOP + "\n" + answers[first]})
    for student, nb in {
        "full": fill(release, answers),
        "blank": release,
        "partial": fill(release, half),
        "snoop": fill(release, snoop),
    }.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    return course


@pytest.fixture(scope="module")
def stock_scores(submissions, tmp_path_factory):
    """Stock sequential nbgrader on SQLite: (learner, cell) -> score, the reference."""
    stock = tmp_path_factory.mktemp("stock") / "course"
    shutil.copytree(submissions, stock)
    run_nbgrader(stock, "generate_assignment", ASSIGNMENT, "--force")
    run_nbgrader(stock, "autograde", ASSIGNMENT, *TIMEOUTS, timeout=900)
    scores = cell_scores(f"sqlite:///{stock / 'gradebook.db'}")
    assert len(scores) > 20
    return scores


@pytest.fixture(scope="module")
def cluster(postgres, tmp_path_factory):
    """A Dask scheduler and two workers, each told the PostgreSQL gradebook's URL."""
    workdir = tmp_path_factory.mktemp("dask")
    with dask_cluster(workdir, 2, {URL_VARIABLE: postgres["url"]}) as running:
        yield running


def empty_gradebook(url: str) -> None:
    """Drop every table of the PostgreSQL gradebook (one server serves the whole module)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def new_course(submissions: Path, folder: Path, url: str | None) -> Path:
    """A copy of the submissions with the assignment generated into the gradebook at ``url``
    (emptied first), or into SQLite when ``url`` is None."""
    shutil.copytree(submissions, folder)
    if url:
        empty_gradebook(url)
        with gradebook_url(url):
            run_nbgrader(folder, "generate_assignment", ASSIGNMENT, "--force")
    else:
        run_nbgrader(folder, "generate_assignment", ASSIGNMENT, "--force")
    return folder


def assert_snoop_found_nothing(course: Path, password: str) -> None:
    """The snooping learner's output lists nothing, and no feedback holds the password."""
    snooped = (course / "autograded" / "snoop" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "SNOOPED []" in snooped
    assert password not in snooped
    for path in (course / "feedback").rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")


def test_postgres_gradebook_scores_equal_stock_nbgrader_on_sqlite(
    postgres, submissions, stock_scores, tmp_path
):
    """Stock nbgrader and pmtech grade on PostgreSQL against stock nbgrader on SQLite,
    cell by cell; the snoop finds nothing and the password is nowhere in what it wrote."""
    ours = new_course(submissions, tmp_path / "ours", postgres["url"])
    with gradebook_url(postgres["url"]):
        summary = grade_assignment(
            ours, ASSIGNMENT, jobs=2, cell_timeout=CELL_TIMEOUT, notebook_budget=BUDGET
        )
    assert not summary.failed, summary.lines()
    assert not (ours / "gradebook.db").exists()  # everything went to PostgreSQL
    assert cell_scores(postgres["url"]) == stock_scores
    assert_snoop_found_nothing(ours, postgres["password"])


def test_stock_commands_read_the_postgres_gradebook(postgres, submissions, tmp_path):
    """``nbgrader export`` and ``pmtech cohort`` read the PostgreSQL gradebook the test
    above filled."""
    from pmtech.cohort import cohort_edges

    course = tmp_path / "export"
    shutil.copytree(submissions, course)
    with gradebook_url(postgres["url"]):
        run_nbgrader(course, "export", "--to", str(course / "grades.csv"))
    rows = (course / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + 4
    assert {"full", "blank", "partial", "snoop"} <= set(",".join(rows[1:]).split(","))
    edges = cohort_edges(gradebook=postgres["url"])
    assert set(edges) == {"full", "blank", "partial", "snoop"}


def test_cluster_grades_like_stock_nbgrader_and_resumes(
    postgres, cluster, submissions, stock_scores, tmp_path
):
    """``pmtech grade --scheduler``: Dask workers grade into PostgreSQL with the same scores
    as stock nbgrader on SQLite, feedback keeps the password out, a second run skips everyone
    it graded, and a resubmission is graded again."""
    course = new_course(submissions, tmp_path / "cluster", postgres["url"])
    with gradebook_url(postgres["url"]):
        summary = grade_assignment(
            course, ASSIGNMENT, scheduler=cluster.address, cell_timeout=CELL_TIMEOUT,
            notebook_budget=BUDGET,
        )  # fmt: skip
    assert not summary.failed, summary.lines()
    assert sorted(r.student for r in summary.graded) == ["blank", "full", "partial", "snoop"]
    assert cell_scores(postgres["url"]) == stock_scores
    assert not (course / "gradebook.db").exists()
    assert_snoop_found_nothing(course, postgres["password"])
    feedback = (course / "feedback" / "full" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in feedback
    for name in ("worker-0", "worker-1"):
        assert postgres["password"] not in cluster.log(name)

    notebook = course / "submitted" / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook.write_text(notebook.read_text() + "\n")  # a resubmission
    with gradebook_url(postgres["url"]):
        again = grade_assignment(course, ASSIGNMENT, scheduler=cluster.address)
    assert [r.student for r in again.graded] == ["blank"]
    assert sorted(again.skipped) == ["full", "partial", "snoop"]
    assert cell_scores(postgres["url"]) == stock_scores


def test_a_worker_on_another_gradebook_fails_its_learners_clearly(
    postgres, cluster, submissions, tmp_path
):
    """The command's gradebook is SQLite, the workers' is PostgreSQL: every learner fails
    with a reason that says so, and the password never appears."""
    course = new_course(submissions, tmp_path / "mismatch", None)
    summary = grade_assignment(course, ASSIGNMENT, scheduler=cluster.address)
    assert not summary.graded
    assert len(summary.failed) == 4
    for result in summary.failed:
        assert "another gradebook" in result.reason
        assert "PMTECH_GRADEBOOK_URL" in result.reason
        assert postgres["password"] not in result.reason


def snapshot(folder: Path) -> dict[str, float]:
    """Every file under ``folder`` with its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


def test_unreachable_scheduler_is_a_clear_error_and_writes_nothing(
    postgres, submissions, tmp_path, monkeypatch
):
    """``pmtech grade --scheduler`` at a port nobody listens on: exit status 2, a message
    naming the address, and the course folder and gradebook untouched."""
    course = new_course(submissions, tmp_path / "noscheduler", postgres["url"])
    before, rows = snapshot(course), cell_scores(postgres["url"])
    address = f"tcp://127.0.0.1:{free_port()}"
    env = dict(os.environ, **{URL_VARIABLE: postgres["url"]})
    done = subprocess.run(
        [sys.executable, "-m", "pmtech", "grade", ASSIGNMENT, "--course", str(course),
         "--scheduler", address],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"cannot reach the Dask scheduler at {address}" in done.stderr
    assert snapshot(course) == before
    assert cell_scores(postgres["url"]) == rows


def test_unreachable_database_is_a_clear_error_and_writes_nothing(
    postgres, cluster, submissions, tmp_path
):
    """A gradebook URL whose server is down: a message naming the database with its password
    hidden, before the cluster is asked for anything and before any file is written."""
    course = new_course(submissions, tmp_path / "nodatabase", postgres["url"])
    before = snapshot(course)
    down = postgres["url"].replace(f":{postgres['port']}/", f":{free_port()}/")
    with gradebook_url(down), pytest.raises(GradingError) as caught:
        grade_assignment(course, ASSIGNMENT, scheduler=cluster.address)
    message = str(caught.value)
    assert message.startswith("cannot open the gradebook postgresql://postgres:***@127.0.0.1:")
    assert postgres["password"] not in message
    assert snapshot(course) == before


def test_time_budgets_hold_on_the_cluster(postgres, cluster, submissions, tmp_path):
    """A learner whose answer loops for ever is stopped by the per-cell limit and the
    notebook budget on the worker, is graded (zero for what did not finish), and the summary
    says why."""
    source = nbformat.read(submissions / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    answers = solutions_of(source)
    looping = {gid: "while True:\n    pass\n" for gid in answers if gid.endswith("-answer")}
    course = new_course(submissions, tmp_path / "runaway", postgres["url"])
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    shutil.rmtree(course / "submitted")
    folder = course / "submitted" / "runaway" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(fill(release, looping), folder / f"{ASSIGNMENT}.ipynb")
    started = time.monotonic()
    with gradebook_url(postgres["url"]):
        summary = grade_assignment(
            course, ASSIGNMENT, scheduler=cluster.address, cell_timeout=2, notebook_budget=5
        )
    assert time.monotonic() - started < 60
    assert [r.student for r in summary.graded] == ["runaway"], summary.lines()
    notes = " ".join(summary.graded[0].timeouts)
    assert "ran for more than 2 s" in notes, summary.lines()
    scores = cell_scores(postgres["url"])
    assert sum(v or 0 for (student, _), v in scores.items() if student == "runaway") == 0


def test_a_worker_killed_mid_run_leaves_every_learner_graded_once(
    postgres, cluster, submissions, tmp_path
):
    """A third worker joins; while learners are being graded, a worker that is grading one
    is killed (SIGKILL). The scheduler gives its learner to another worker: the run finishes
    with every learner graded once, and the gradebook holds one row per learner and cell.
    (Last in the module: it leaves the cluster a worker short.)"""
    from distributed import Client

    slow = dict(solutions_of(nbformat.read(
        submissions / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)))  # fmt: skip
    first = next(k for k in slow if k.endswith("-answer"))
    slow[first] = "import time\ntime.sleep(3)\n" + slow[first]
    course = new_course(submissions, tmp_path / "killed", postgres["url"])
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    shutil.rmtree(course / "submitted")
    learners = [f"learner{n}" for n in range(5)]
    for student in learners:
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(fill(release, slow), folder / f"{ASSIGNMENT}.ipynb")
    cluster.add_worker("worker-2")
    cluster.wait_for_workers(3)
    killed: list[str] = []

    def kill_a_busy_worker() -> None:
        with Client(cluster.address, timeout="30s", set_as_default=False) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                names = {a: i["name"] for a, i in client.scheduler_info()["workers"].items()}
                busy = [a for a, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(1.5)  # its learner's kernel is running by now
                    name = names[busy[0]]
                    cluster.workers[name].send_signal(signal.SIGKILL)
                    killed.append(name)
                    return
                time.sleep(0.1)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    with gradebook_url(postgres["url"]):
        summary = grade_assignment(course, ASSIGNMENT, scheduler=cluster.address)
    killer.join()
    assert killed, "no worker was ever busy"
    assert cluster.workers[killed[0]].wait(10) == -signal.SIGKILL
    assert not summary.failed, summary.lines()
    assert sorted(r.student for r in summary.graded) == learners
    rows = duplicate_rows(postgres["url"])
    assert rows == {"grades": [], "submissions": []}
    scores = cell_scores(postgres["url"])
    assert {student for student, _ in scores} == set(learners)
    per_learner = {s: sum(v or 0 for (t, _), v in scores.items() if t == s) for s in learners}
    assert len(set(per_learner.values())) == 1 and per_learner["learner0"] > 0


def duplicate_rows(url: str) -> dict[str, list]:
    """Grades of one learner's cell, or one learner's submissions, stored more than once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            grades = conn.execute(text(
                "SELECT student.id, base_cell.name, count(*) FROM grade "
                "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
                "JOIN submitted_assignment "
                "ON submitted_notebook.assignment_id = submitted_assignment.id "
                "JOIN student ON submitted_assignment.student_id = student.id "
                "JOIN base_cell ON grade.cell_id = base_cell.id "
                "GROUP BY student.id, base_cell.name HAVING count(*) > 1"
            )).fetchall()  # fmt: skip
            submissions = conn.execute(text(
                "SELECT student_id, assignment_id, count(*) FROM submitted_assignment "
                "GROUP BY student_id, assignment_id HAVING count(*) > 1"
            )).fetchall()  # fmt: skip
    finally:
        engine.dispose()
    return {"grades": [tuple(r) for r in grades], "submissions": [tuple(r) for r in submissions]}
