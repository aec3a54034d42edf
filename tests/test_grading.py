"""pmtech grade: the same scores as stock nbgrader, a time budget per notebook, feedback
without hidden tests, and a batch that survives being interrupted or killed."""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pmtech.grading.batch import grade_assignment
from pmtech.grading.hidden import PLACEHOLDER, verdict, without_hidden_tests
from pmtech.release import nbgrader_env, run_nbgrader

from .nbhelpers import fill, grade_id, make_course, solutions_of

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01-working-with-engineers"
CELL_TIMEOUT, BUDGET = 3, 5
LEARNERS = ["full", "blank", "partial", "runaway"]

pytestmark = pytest.mark.slow


def notebook_file() -> str:
    (path,) = (REPO / "source" / ASSIGNMENT).glob("*.ipynb")
    return path.name


def runaway(release, answers):
    """Full answers, but the first function the learner writes never returns."""
    nb = fill(release, answers)
    for cell in nb.cells:
        match = re.search(r"def (\w+)\(", cell.source)
        if (grade_id(cell) or "").endswith("-answer") and match:
            cell.source = f"def {match.group(1)}(*args, **kwargs):\n    while True:\n        pass\n"
            return nb
    raise AssertionError("no function to break")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A course with the assignment generated and four learners' submissions."""
    course = tmp_path_factory.mktemp("template")
    name, release, source = make_course(course, ASSIGNMENT)
    answers = solutions_of(source)
    half = dict(list(answers.items())[: len(answers) // 2])
    notebooks = {
        "full": fill(release, answers),
        "blank": release,
        "partial": fill(release, half),
        "runaway": runaway(release, answers),
    }
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    return course


def copy_course(template, tmp_path, name) -> Path:
    course = tmp_path / name
    shutil.copytree(template, course)
    return course


def cell_scores(course) -> dict[tuple[str, str], float]:
    conn = sqlite3.connect(course / "gradebook.db")
    rows = conn.execute(
        "SELECT student.id, base_cell.name, grade.auto_score FROM grade "
        "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
        "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
        "JOIN student ON submitted_assignment.student_id = student.id "
        "JOIN base_cell ON grade.cell_id = base_cell.id"
    ).fetchall()
    conn.close()
    return {(student, cell): score for student, cell, score in rows}


@pytest.fixture(scope="module")
def stock(template, tmp_path_factory):
    """The same submissions graded by the stock command, one learner after another."""
    course = copy_course(template, tmp_path_factory.mktemp("stock"), "course")
    run_nbgrader(
        course,
        "autograde",
        ASSIGNMENT,
        f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
        f"--BudgetedExecute.notebook_budget={BUDGET}",
        timeout=900,
    )
    run_nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


@pytest.fixture(scope="module")
def parallel(template, tmp_path_factory):
    course = copy_course(template, tmp_path_factory.mktemp("parallel"), "course")
    seen = []
    summary = grade_assignment(
        course,
        ASSIGNMENT,
        jobs=2,
        cell_timeout=CELL_TIMEOUT,
        notebook_budget=BUDGET,
        progress=lambda done, failed: seen.append(done),
    )
    return course, summary, seen


def test_parallel_scores_equal_stock_sequential_scores(stock, parallel):
    course, summary, seen = parallel
    expected = cell_scores(stock)
    assert len(expected) > 4 * 5
    assert cell_scores(course) == expected
    assert sorted(o.student for o in summary.graded) == sorted(LEARNERS)
    assert not summary.failed and seen == [1, 2, 3, 4]


def test_a_runaway_loop_costs_one_budget_and_is_named(parallel):
    _, summary, _ = parallel
    (loop,) = [o for o in summary.graded if o.student == "runaway"]
    # Several test cells call the looping function; each would cost a full timeout without
    # the notebook budget. Kernel start and grading add a few seconds on top of it.
    assert loop.seconds < BUDGET + 12
    assert (
        loop.timeouts and "Stopped:" in loop.timeouts[0] and "ran for more than" in loop.timeouts[0]
    )
    assert any("ran out of time or limits" in line for line in summary.lines())
    others = [o for o in summary.graded if o.student != "runaway"]
    assert all(not o.timeouts for o in others)


def hidden_lines(course) -> list[str]:
    """Every substantial line of hidden test code in the source notebook."""
    nb = nbformat.read(course / "source" / ASSIGNMENT / notebook_file(), as_version=4)
    lines, hiding = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                hiding = True
            elif "END HIDDEN TESTS" in line:
                hiding = False
            elif hiding and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.append(line.strip())
    return lines


@pytest.mark.parametrize("which", ["stock", "parallel"])
def test_feedback_names_each_hidden_test_but_never_shows_its_code(which, stock, parallel):
    course = stock if which == "stock" else parallel[0]
    secrets = hidden_lines(course)
    assert len(secrets) >= 5
    pages = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) == len(LEARNERS)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text or html.escape(s) in text]
        assert leaked == [], f"{page}: hidden test code in feedback: {leaked[:3]}"
        assert "hidden tests: not shown in feedback" in text
        assert re.search(r"Test [\w-]+: (passed|failed) \(\d", text)
    full = (course / "feedback" / "full" / ASSIGNMENT).glob("*.html")
    assert "failed" not in re.findall(r"Test [\w-]+: (passed|failed)", next(full).read_text())


def test_without_hidden_tests_keeps_visible_lines_only():
    source = (
        "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(7) == 99\n### END HIDDEN TESTS\nok()"
    )
    assert without_hidden_tests(source) == f"assert f(1) == 2\n{PLACEHOLDER}\nok()"
    cell = nbformat.v4.new_code_cell(
        source,
        metadata={"nbgrader": {"grade": True, "grade_id": "t1", "points": 3, "score": 0}},
        outputs=[
            nbformat.v4.new_output("error", ename="NotebookTimeBudgetExceeded", evalue="Not run: x")
        ],
    )
    assert verdict(cell) == "Test t1: failed (0 of 3 points). Not run: x"


def run_grade(course, *extra, **popen):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pmtech.cli",
            "grade",
            ASSIGNMENT,
            "--course",
            str(course),
            f"--cell-timeout={CELL_TIMEOUT}",
            f"--budget={BUDGET}",
            *extra,
        ],  # fmt: skip
        env=nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def wait_for_journal(course, entries, proc, timeout=240):
    journal = course / "autograded" / f".pmtech-grade-{ASSIGNMENT}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count('"') >= 4 + 4 * entries:
            return
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.1)
    raise AssertionError("no learner finished in time")


def gradebook_is_whole(course, stock_course):
    conn = sqlite3.connect(course / "gradebook.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    per_student = conn.execute(
        "SELECT student_id, count(*) FROM submitted_assignment GROUP BY student_id"
    ).fetchall()
    conn.close()
    assert sorted(per_student) == sorted((s, 1) for s in LEARNERS)  # no duplicates
    assert cell_scores(course) == cell_scores(stock_course)  # no grade lost or changed


def test_killed_halfway_then_resumed_grades_each_learner_once(template, stock, tmp_path):
    course = copy_course(template, tmp_path, "course")
    first = run_grade(course, "--jobs", "1")
    wait_for_journal(course, 1, first)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    time.sleep(1.5)  # workers die with the parent (PR_SET_PDEATHSIG), kernels follow
    second = run_grade(course, "--jobs", "2")
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    skipped = int(re.search(r"(\d+) already graded earlier", out).group(1))
    graded = int(re.search(r"graded (\d+) of 4 learners", out).group(1))
    assert skipped >= 1 and skipped + graded == 4, out
    gradebook_is_whole(course, stock)


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(template, stock, tmp_path):
    course = copy_course(template, tmp_path, "course")
    # A suite started in the background inherits SIGINT ignored; Ctrl-C must reach this run.
    first = run_grade(
        course,
        "--jobs",
        "1",
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_for_journal(course, 1, first)
    os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 130, out
    assert "Interrupted" in out and "run the command again" in out
    second = run_grade(course)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    gradebook_is_whole(course, stock)


def test_grade_errors_are_clear(template, tmp_path):
    from pmtech.grading import GradingError

    course = copy_course(template, tmp_path, "course")
    with pytest.raises(GradingError, match="no assignment 'nope'"):
        grade_assignment(course, "nope")
    with pytest.raises(GradingError, match="no submission of .* from: ghost"):
        grade_assignment(course, ASSIGNMENT, students=["ghost"])
