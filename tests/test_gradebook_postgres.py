"""The gradebook in PostgreSQL: a real server (Debian's package), stock nbgrader and
``pmtech grade`` against it, the same scores as stock nbgrader on SQLite, and a learner's
code that never finds the database's password."""

from __future__ import annotations

import contextlib
import os
import shutil

import nbformat
import pytest

from pmtech.grading.batch import grade_assignment
from pmtech.release import run_nbgrader

from .nbhelpers import fill, make_course, solutions_of
from .postgres import postgres_server

ASSIGNMENT = "01-working-with-engineers"
CELL_TIMEOUT, BUDGET = 3, 10
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


def test_postgres_gradebook_scores_equal_stock_nbgrader_on_sqlite(postgres, submissions, tmp_path):
    """Stock nbgrader on SQLite against stock nbgrader and pmtech grade on PostgreSQL,
    cell by cell; the snoop finds nothing and the password is nowhere in what it wrote."""
    timeouts = (f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
                f"--BudgetedExecute.notebook_budget={BUDGET}")  # fmt: skip
    stock = tmp_path / "stock"
    shutil.copytree(submissions, stock)
    run_nbgrader(stock, "generate_assignment", ASSIGNMENT, "--force")
    run_nbgrader(stock, "autograde", ASSIGNMENT, *timeouts, timeout=900)
    expected = cell_scores(f"sqlite:///{stock / 'gradebook.db'}")

    ours = tmp_path / "ours"
    shutil.copytree(submissions, ours)
    with gradebook_url(postgres["url"]):
        run_nbgrader(ours, "generate_assignment", ASSIGNMENT, "--force")
        summary = grade_assignment(
            ours, ASSIGNMENT, jobs=2, cell_timeout=CELL_TIMEOUT, notebook_budget=BUDGET
        )
    assert not summary.failed, summary.lines()
    assert not (ours / "gradebook.db").exists()  # everything went to PostgreSQL
    assert cell_scores(postgres["url"]) == expected
    assert len(expected) > 20

    snooped = (ours / "autograded" / "snoop" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "SNOOPED []" in snooped
    assert postgres["password"] not in snooped
    for path in (ours / "feedback").rglob("*"):
        if path.is_file():
            assert postgres["password"] not in path.read_text(errors="replace")


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
