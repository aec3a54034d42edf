"""Does the instructor flow work end to end with the real nbgrader commands?

generate_assignment -> submissions (full, blank, partial, and broken ones) -> autograde ->
generate_feedback -> export, on a temporary copy of the course.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from pmtech.bank import load_bank
from pmtech.cohort import cohort_edges, gradebook_attempts, write_cohort_csv
from pmtech.nbcells import is_graded, nbgrader_meta
from pmtech.release import run_nbgrader, source_assignments

from .conftest import REPO
from .nbhelpers import fill, grade_id, solutions_of

pytestmark = pytest.mark.slow

BROKEN_IN = "02-technical-depth"  # the assignment that also gets the broken submissions
CELL_TIMEOUT = "--ExecutePreprocessor.timeout=15"


def notebook_name(assignment: str) -> str:
    (path,) = (REPO / "source" / assignment).glob("*.ipynb")
    return path.name


def submit(course, student, assignment, nb):
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / notebook_name(assignment))


def break_it(release_nb, answers, how):
    """A copy of the full solution with one kind of damage."""
    nb = fill(release_nb, answers)
    first_answer = next(c for c in nb.cells if (grade_id(c) or "").endswith("-answer"))
    if how == "infinite-loop":
        first_answer.source = "while True:\n    pass"
    elif how == "deleted-test-cell":
        tests = [c for c in nb.cells if is_graded(c) and c.cell_type == "code"]
        nb.cells.remove(tests[0])
    elif how == "input":
        first_answer.source = "name = input('your name?')\n" + first_answer.source
    elif how == "sys-exit":
        first_answer.source = "import sys\nsys.exit(1)"
    elif how == "cell-type-changed":
        index = nb.cells.index(first_answer)
        nb.cells[index] = nbformat.v4.new_markdown_cell(
            first_answer.source, metadata=first_answer.metadata
        )
    return nb


BROKEN = ["infinite-loop", "deleted-test-cell", "input", "sys-exit", "cell-type-changed"]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(
        REPO / "source",
        course / "source",
        ignore=shutil.ignore_patterns("*.db", ".ipynb_checkpoints"),
    )
    assignments = source_assignments(course)
    for name in assignments:
        run_nbgrader(course, "generate_assignment", name, "--force")
    for name in assignments:
        nb_file = notebook_name(name)
        release = nbformat.read(course / "release" / name / nb_file, as_version=4)
        answers = solutions_of(nbformat.read(course / "source" / name / nb_file, as_version=4))
        submit(course, "full", name, fill(release, answers))
        submit(course, "blank", name, release)
        half = dict(list(answers.items())[: len(answers) // 2])
        submit(course, "partial", name, fill(release, half))
        if name == BROKEN_IN:
            for how in BROKEN:
                submit(course, how, name, break_it(release, answers, how))
    for name in assignments:
        run_nbgrader(course, "autograde", name, CELL_TIMEOUT, timeout=1200)
        run_nbgrader(course, "generate_feedback", name)
    run_nbgrader(course, "export")
    return course, assignments


def scores(course, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        result = {}
        for sub in gb.assignment_submissions(assignment):
            result[sub.student.id] = (sub.code_score, sub.max_code_score)
        return result


def test_full_solution_scores_full_marks_and_blank_scores_zero(graded_course):
    course, assignments = graded_course
    for name in assignments:
        s = scores(course, name)
        score, maximum = s["full"]
        assert maximum > 0 and score == maximum, f"{name}: full solution got {score}/{maximum}"
        assert s["blank"][0] == 0, f"{name}: blank got {s['blank'][0]}"
        assert 0 < s["partial"][0] < maximum, f"{name}: partial got {s['partial'][0]}"


def first_task_points(assignment):
    """Points of the first autograded test cell: what each kind of damage destroys."""
    nb = nbformat.read(REPO / "source" / assignment / notebook_name(assignment), as_version=4)
    meta = next(nbgrader_meta(c) for c in nb.cells if c.cell_type == "code" and is_graded(c))
    return meta["points"]


def test_broken_submissions_are_graded_without_harming_others(graded_course):
    """Each broken notebook loses exactly the task it broke; the batch and others go on."""
    course, _ = graded_course
    s = scores(course, BROKEN_IN)
    full, maximum = s["full"]
    assert full == maximum
    lost = first_task_points(BROKEN_IN)
    for how in ("infinite-loop", "deleted-test-cell", "input", "sys-exit"):
        assert s[how][0] == maximum - lost, f"{how}: {s[how][0]} of {maximum}"
    # nbgrader restores a solution cell's original type, so the intact answer still counts.
    assert s["cell-type-changed"][0] == maximum


def test_feedback_is_generated_for_every_submission(graded_course):
    course, assignments = graded_course
    for name in assignments:
        students = {p.name for p in (course / "submitted").iterdir() if (p / name).is_dir()}
        with_feedback = {
            p.name for p in (course / "feedback").iterdir() if list((p / name).glob("*.html"))
        }
        assert students == with_feedback


def test_exported_csv_holds_every_learner(graded_course):
    course, assignments = graded_course
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    learners = {r["student_id"] for r in rows}
    assert {"full", "blank", "partial", *BROKEN} <= learners
    for name in assignments:
        full = next(r for r in rows if r["student_id"] == "full" and r["assignment"] == name)
        assert float(full["raw_score"]) > 0


def test_cohort_view_reads_the_gradebook(graded_course, tmp_path):
    """Does the cohort view map every graded cell to a topic and level, per learner?"""
    course, _ = graded_course
    bank = load_bank()
    attempts = gradebook_attempts(course / "gradebook.db", bank)
    assert {"full", "blank", "partial"} <= set(attempts)
    full = {a.question_id: a.outcome for a in attempts["full"]}
    blank = {a.question_id: a.outcome for a in attempts["blank"]}
    assert full and set(full.values()) == {"correct"}
    assert set(blank.values()) == {"incorrect"}
    assert "databases-3-sql-top-customers" in full
    edges = cohort_edges(course / "gradebook.db", bank=bank)
    path = write_cohort_csv(edges, tmp_path / "cohort.csv", bank)
    text = path.read_text()
    assert "full,depth,databases" in text and "blank,depth,databases,0" in text
