"""Does the study schedule cover the whole course in evenings a learner can keep, in an order
that teaches before it tests, and does the study plan follow it?"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pmtech.bank import load_bank
from pmtech.lessons import quiz_cells
from pmtech.progress import Attempt, ProgressStore
from pmtech.schedule import (
    ScheduleError,
    evening_minutes,
    load_schedule,
    next_evening,
    sync_schedule_cell,
)
from pmtech.studyplan import learner_plan

REPO = Path(__file__).resolve().parent.parent
AREA_NOTEBOOKS = ("01-working-with-engineers", "02-technical-depth", "03-bridging-tech-and-users")


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def schedule():
    return load_schedule()


def _steps(schedule):
    return [(e.number, s) for e in schedule for s in e.steps]


def test_every_evening_is_about_an_evening_and_the_course_fits_in_a_month_of_evenings(
    schedule, bank
):
    """Is each evening between 45 and 120 estimated minutes, in at most 30 evenings?"""
    minutes = {e.number: evening_minutes(e, REPO, bank) for e in schedule}
    assert 12 <= len(schedule) <= 30
    assert all(45 <= m <= 120 for m in minutes.values()), minutes


def test_every_section_with_a_quiz_has_a_first_pass_before_its_stretch_pass(schedule, bank):
    """Is every quiz of 01-03 scheduled, its first pass on an earlier evening than its stretch?"""
    when = {}
    for number, step in _steps(schedule):
        when.setdefault((step.kind, step.notebook, step.section), number)
    for name in AREA_NOTEBOOKS:
        for quiz in quiz_cells(REPO / "notebooks" / f"{name}.ipynb"):
            if quiz.practice:
                continue
            section = quiz.section.removeprefix("## ").strip()
            levels = {bank[q].level for q in quiz.ids}
            kind = "first" if max(levels) <= 3 else "stretch"
            assert (kind, name, section) in when, f"{kind} pass of {name} / {section}"
            if kind == "stretch" and ("first", name, section) in when:
                assert when[("first", name, section)] < when[("stretch", name, section)]


def test_the_primer_and_the_passes_come_before_the_assignments_that_need_them(schedule):
    """Python before assignment 1, SQL before assignment 2, a notebook's passes before its
    assignment."""
    order = {}
    for number, step in _steps(schedule):
        key = step.notebook if step.kind == "assignment" else (step.notebook, step.section)
        order.setdefault(key, number)
    primer = [k for k in order if isinstance(k, tuple) and k[0].startswith("01b")]
    python = min(n for k, n in order.items() if k in primer and "Python" in k[1])
    sql = min(n for k, n in order.items() if k in primer and "SQL" in k[1])
    assert python < order["01-working-with-engineers"]
    assert sql < order["02-technical-depth"] and python < order["04-coding-round"]
    for name in AREA_NOTEBOOKS:
        last_pass = max(n for k, n in order.items() if isinstance(k, tuple) and k[0] == name)
        assert last_pass <= order[name]


def test_the_schedule_in_start_here_is_the_one_in_the_data():
    """Is 00-start-here's table generated from the schedule data, and up to date?"""
    path = REPO / "notebooks" / "00-start-here.ipynb"
    assert not sync_schedule_cell(path, REPO, write=False), "run `pmtech sync`"
    nb = nbformat.read(path, as_version=4)
    table = [c.source for c in nb.cells if c.metadata.get("pmtech") == "schedule"]
    assert len(table) == 1 and "| 1 |" in table[0]


def test_a_schedule_naming_a_missing_section_is_refused_clearly(tmp_path, bank):
    bad = tmp_path / "schedule.yaml"
    bad.write_text('- title: x\n  steps:\n    - first: "02-technical-depth / No such thing"\n')
    (evening,) = load_schedule(bad)
    with pytest.raises(ScheduleError, match="has no section '## No such thing'"):
        evening_minutes(evening, REPO, bank)
    bad.write_text("- title: x\n  steps:\n    - watch: a film\n")
    with pytest.raises(ScheduleError, match="evening 1, step 1"):
        load_schedule(bad)


def test_the_next_evening_moves_on_once_its_passes_are_answered_or_shown(tmp_path, schedule, bank):
    """Do answers and Show me both finish a pass, so the plan moves to the next evening?"""
    store = ProgressStore(tmp_path / "p.db")
    first_quiz_evening = next(
        e for e in schedule if any(s.kind in ("first", "stretch") for s in e.steps)
    )
    evening, todo = next_evening([], schedule, REPO, bank)
    assert evening == first_quiz_evening and all(s.kind in ("first", "stretch") for s in todo)
    from pmtech.schedule import step_questions

    for i, step in enumerate(todo):
        for qid in step_questions(step, REPO, bank):
            q = bank[qid]
            outcome = "seen" if i % 2 else "incorrect"
            store.record(Attempt("ana", qid, q.topic, q.level, outcome, answer=None))
    evening_after, _ = next_evening(store.attempts("ana"), schedule, REPO, bank)
    assert evening_after.number > first_quiz_evening.number
    plan = learner_plan(store, "ana", bank, root=REPO)
    assert plan.tonight == evening_after
    assert str(plan).startswith(f"Next on the schedule: evening {evening_after.number}")
