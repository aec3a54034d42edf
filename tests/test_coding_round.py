"""The coding round (04-coding-round): full marks for the solution and zero for the blank
release with both graders; a correct but slow or recursive answer loses exactly its scale
test; learner tests lose exactly the bugs they miss; nothing hidden reaches feedback."""

from __future__ import annotations

import html
import sqlite3
from pathlib import Path

import nbformat
import pytest

from pmtech.grading.batch import grade_assignment
from pmtech.release import run_nbgrader

from .nbhelpers import fill, make_course, solutions_of, total_scores
from .test_grading_safely import hidden_lines

ASSIGNMENT = "04-coding-round"
FULL = 44.0

pytestmark = pytest.mark.slow

SLOW = {
    "algorithms-2-has-duplicate-answer": """
def has_duplicate(items):
    return any(items[i] == items[j] for i in range(len(items)) for j in range(i + 1, len(items)))
""",
    "algorithms-3-two-sum-answer": """
def two_sum(numbers, target):
    for j in range(len(numbers)):
        for i in range(j):
            if numbers[i] + numbers[j] == target:
                return (i, j)
    return None
""",
    "algorithms-3-merge-intervals-answer": """
def merge_intervals(intervals):
    merged = [tuple(x) for x in intervals]
    changed = True
    while changed:
        changed = False
        for a in range(len(merged)):
            for b in range(a + 1, len(merged)):
                (s1, e1), (s2, e2) = merged[a], merged[b]
                if s1 <= e2 and s2 <= e1:
                    merged[a] = (min(s1, s2), max(e1, e2))
                    del merged[b]
                    changed = True
                    break
            if changed:
                break
    return sorted(merged)
""",
    "algorithms-3-is-prime-answer": """
def is_prime(n):
    return n > 1 and all(n % d for d in range(2, n))
""",
    "algorithms-3-first-at-least-answer": """
def first_at_least(values, target):
    for position, value in enumerate(values):
        if value >= target:
            return position
    return len(values)
""",
}
SLOW_LOSES = {
    "algorithms-4-has-duplicate-scale",
    "algorithms-4-two-sum-scale",
    "algorithms-4-merge-intervals-scale",
    "algorithms-4-is-prime-scale",
    "algorithms-4-first-at-least-scale",
}
RECURSIVE = {
    "algorithms-3-merge-linked-lists-answer": """
def merge_sorted(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a.value <= b.value:
        a.next = merge_sorted(a.next, b)
        return a
    b.next = merge_sorted(a, b.next)
    return b
""",
    "algorithms-4-flatten-nested-answer": """
def flatten(nested):
    out = []
    for item in nested:
        out.extend(flatten(item) if isinstance(item, list) else [item])
    return out
""",
}
RECURSIVE_LOSES = {"algorithms-5-merge-linked-lists-long", "algorithms-5-flatten-deep"}
WEAK_TESTS = {
    # catches the unsorted median only: misses the even-count and the in-place bugs
    "testing-4-tests-for-median-answer": """
def check_median(median):
    assert median([3, 1, 2]) == 2
""",
    # one ordinary title: misses every bug
    "testing-4-tests-for-slugify-answer": """
def check_slugify(slugify):
    assert slugify("Hello World") == "hello-world"
""",
    # rejects everything, the correct version included: earns nothing
    "testing-4-tests-for-paginate-answer": """
def check_paginate(paginate):
    raise AssertionError("no paginate is good enough")
""",
}
WEAK_LOSES = {
    "testing-4-tests-for-median-even",
    "testing-4-tests-for-median-mutates",
    "testing-4-tests-for-slugify-runs",
    "testing-4-tests-for-slugify-ends",
    "testing-4-tests-for-slugify-digits",
    "testing-3-tests-for-paginate-accept",
    "testing-4-tests-for-paginate-off-by-one",
    "testing-4-tests-for-paginate-last-page",
    "testing-4-tests-for-paginate-errors",
}


def cell_scores(course: Path, student: str) -> dict[str, float]:
    conn = sqlite3.connect(course / "gradebook.db")
    rows = conn.execute(
        "SELECT base_cell.name, grade.auto_score, grade_cells.max_score FROM grade "
        "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
        "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
        "JOIN base_cell ON grade.cell_id = base_cell.id "
        "JOIN grade_cells ON grade_cells.id = base_cell.id "
        "WHERE submitted_assignment.student_id = ?",
        (student,),
    ).fetchall()
    conn.close()
    return {name: (score, points) for name, score, points in rows}


def lost(course: Path, student: str) -> set[str]:
    return {
        name for name, (score, points) in cell_scores(course, student).items() if score < points
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The assignment graded by `pmtech grade` (confined when the machine allows, feedback
    on) for five learners, and by stock nbgrader for the full and the blank one."""
    course = tmp_path_factory.mktemp("coding-round")
    name, release, source = make_course(course, ASSIGNMENT)
    answers = solutions_of(source)
    notebooks = {
        "full": fill(release, answers),
        "blank": release,
        "slow": fill(release, {**answers, **SLOW}),
        "recursive": fill(release, {**answers, **RECURSIVE}),
        "weak-tests": fill(release, {**answers, **WEAK_TESTS}),
    }
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / name)
    summary = grade_assignment(course, ASSIGNMENT, jobs=2)
    stock = tmp_path_factory.mktemp("coding-round-stock")
    make_course(stock, ASSIGNMENT)
    for student in ("full", "blank"):
        folder = stock / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebooks[student], folder / name)
    run_nbgrader(stock, "autograde", ASSIGNMENT, "--force")
    return course, stock, summary, (source, release)


def test_the_solution_earns_full_marks_and_the_blank_release_nothing(graded):
    course, stock, summary, _ = graded
    assert not summary.failed, summary.lines()
    assert total_scores(stock) == {"full": FULL, "blank": 0}
    scores = total_scores(course)
    assert scores["full"] == FULL and scores["blank"] == 0


def test_a_correct_but_quadratic_answer_loses_exactly_its_scale_test(graded):
    course, _, _, _ = graded
    assert lost(course, "slow") == SLOW_LOSES


def test_a_recursive_answer_loses_exactly_the_test_that_goes_deep(graded):
    course, _, _, _ = graded
    assert lost(course, "recursive") == RECURSIVE_LOSES


def test_learner_tests_lose_exactly_the_bugs_they_miss(graded):
    course, _, _, _ = graded
    assert lost(course, "weak-tests") == WEAK_LOSES


def test_no_hidden_test_reaches_feedback(graded):
    course, _, _, (source, release) = graded
    visible = "\n".join(cell.source for cell in release.cells)
    hidden = [line for line in hidden_lines(source) if line not in visible]
    assert len(hidden) > 50
    for student in ("full", "slow", "weak-tests"):
        (page,) = (course / "feedback" / student / ASSIGNMENT).glob("*.html")
        text = html.unescape(page.read_text())
        assert [line for line in hidden if line in text] == []
