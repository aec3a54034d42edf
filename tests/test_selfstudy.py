"""Can a learner without an instructor start, work on and check an assignment?"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from pmtech.cli import main
from pmtech.progress import ProgressStore
from pmtech.selfstudy import AssignmentError, check_assignment, course_root, start_assignment

from .conftest import REPO
from .nbhelpers import fill, solutions_of

NAME = "02-technical-depth"


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "release", root / "release")
    shutil.copytree(REPO / "source", root / "source")
    return root


def test_course_root_is_found_from_a_subfolder(course):
    (course / "notebooks").mkdir()
    assert course_root(course / "notebooks") == course
    with pytest.raises(AssignmentError, match="no course folder"):
        course_root(course.parent)


def test_start_copies_and_never_overwrites(course):
    first = start_assignment(NAME, course)
    notebook = first.folder / f"{NAME}.ipynb"
    assert first.copied == [f"{NAME}.ipynb"] and notebook.exists()
    notebook.write_text("my precious work")
    second = start_assignment(NAME, course)
    assert second.kept == [f"{NAME}.ipynb"] and second.copied == []
    assert notebook.read_text() == "my precious work"


def test_unknown_assignment_names_the_known_ones(course):
    with pytest.raises(AssignmentError, match="available: 0"):
        start_assignment("99-nope", course)


def test_check_before_start_says_what_to_do(course):
    with pytest.raises(AssignmentError, match="pmtech start"):
        check_assignment(NAME, course, store=ProgressStore(course / "p.db"))


@pytest.mark.slow
def test_check_blank_then_partly_solved(course, tmp_path):
    """Blank answers are not attempted; right ones pass; a wrong one fails; all recorded."""
    store = ProgressStore(tmp_path / "p.db")
    folder = start_assignment(NAME, course).folder
    blank = check_assignment(NAME, course, store=store, learner="ana")
    assert {r.outcome for r in blank if not r.written} == {"not_attempted"}
    assert {r.outcome for r in blank if r.written} == {"not_attempted"}

    release = nbformat.read(folder / f"{NAME}.ipynb", as_version=4)
    answers = solutions_of(nbformat.read(REPO / "source" / NAME / f"{NAME}.ipynb", 4))
    answers["system-design-4-peak-write-qps-answer"] = "peak_write_qps = 'lots'"
    answers.pop("apis-5-idempotent-consumer-answer")
    nbformat.write(fill(release, answers), folder / f"{NAME}.ipynb")
    results = {r.grade_id: r for r in check_assignment(NAME, course, store=store, learner="ana")}

    assert results["databases-3-sql-top-customers"].outcome == "correct"
    assert results["scalability-4-series-parallel"].outcome == "correct"
    assert results["system-design-4-peak-write-qps"].outcome == "incorrect"
    assert "AssertionError" in results["system-design-4-peak-write-qps"].message
    assert results["apis-5-idempotent-consumer"].outcome == "not_attempted"
    assert results["databases-5-replica-lag-incident"].written
    assert results["databases-5-replica-lag-incident"].outcome == "needs_grading"

    rows = [a for a in store.attempts("ana") if a.question_id == "databases-3-sql-top-customers"]
    assert [(a.outcome, a.source, a.topic, a.level) for a in rows] == [
        ("not_attempted", "exercise", "databases", 3),
        ("correct", "exercise", "databases", 3),
    ]
    assert not any(a.question_id == "databases-5-replica-lag-incident" for a in store.attempts())


def test_cli_start_and_unknown_assignment(course, monkeypatch, capsys):
    monkeypatch.chdir(course)
    assert main(["start", NAME]) == 0
    assert "Working copy" in capsys.readouterr().out
    assert main(["check", "nope"]) == 2
    assert "no assignment 'nope'" in capsys.readouterr().err


@pytest.mark.slow
def test_check_the_coding_round_records_only_what_the_learner_can_test(course, tmp_path):
    """A timed or bug-catching test whose cases only the grader holds is never recorded; a
    test belongs to the answer above it, so a blank answer is not attempted."""
    name = "04-coding-round"
    store = ProgressStore(tmp_path / "p.db")
    folder = start_assignment(name, course).folder
    blank = {r.grade_id: r.outcome for r in check_assignment(name, course, store=store)}
    assert blank["algorithms-4-two-sum-scale"] == "grader_only"
    assert blank["testing-4-tests-for-median-even"] == "grader_only"
    assert set(blank.values()) == {"not_attempted", "grader_only"}

    release = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    answers = solutions_of(nbformat.read(REPO / "source" / name / f"{name}.ipynb", 4))
    nbformat.write(fill(release, answers), folder / f"{name}.ipynb")
    full = {r.grade_id: r.outcome for r in check_assignment(name, course, store=store)}
    assert full["algorithms-3-two-sum"] == full["testing-3-tests-for-median-accept"] == "correct"
    assert set(full.values()) == {"correct", "grader_only"}
    recorded = {a.question_id for a in store.attempts()}
    assert "algorithms-3-two-sum" in recorded and "algorithms-4-two-sum-scale" not in recorded
