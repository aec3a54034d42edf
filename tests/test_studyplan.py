"""Does the study plan bring wrong answers back on schedule and order topics by the bar?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pmtech.bank import load_bank
from pmtech.diagnostic import SOURCE, Diagnostic
from pmtech.edge import topic_edges
from pmtech.progress import Attempt, ProgressStore
from pmtech.studyplan import REVIEW_DAYS, build_plan, learner_plan, review_schedule

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def attempt(bank, qid, outcome, when, retry=False, source="quiz"):
    q = bank[qid]
    return Attempt(
        "ana", qid, q.topic, q.level, outcome, retry=retry, created_at=when, source=source
    )


def test_a_wrong_answer_comes_back_after_growing_delays_then_is_learnt(bank):
    qid = "databases-1-what-is-an-index"
    history = [attempt(bank, qid, "incorrect", T0)]
    (r,) = review_schedule(history, bank)
    assert r.due == T0 + timedelta(days=REVIEW_DAYS[0]) and r.step == 0
    when = r.due
    for step in range(1, len(REVIEW_DAYS)):
        history.append(attempt(bank, qid, "correct", when))
        (r,) = review_schedule(history, bank)
        assert r.step == step and r.due == when + timedelta(days=REVIEW_DAYS[step])
        when = r.due
    history.append(attempt(bank, qid, "correct", when))
    assert review_schedule(history, bank) == []  # learnt


def test_a_new_mistake_starts_the_schedule_over_and_retries_do_not_count(bank):
    qid = "databases-1-what-is-an-index"
    history = [
        attempt(bank, qid, "incorrect", T0),
        attempt(bank, qid, "correct", T0 + timedelta(minutes=1), retry=True),  # right after
        attempt(bank, qid, "correct", T0 + timedelta(days=1)),
        attempt(bank, qid, "incorrect", T0 + timedelta(days=4)),
    ]
    (r,) = review_schedule(history, bank)
    assert r.step == 0 and r.due == T0 + timedelta(days=5)


def test_questions_never_answered_wrong_are_not_reviewed(bank):
    assert review_schedule([attempt(bank, "web-1-dns-job", "correct", T0)], bank) == []


def test_plan_splits_due_and_upcoming_reviews(bank):
    history = [
        attempt(bank, "web-1-dns-job", "incorrect", T0),
        attempt(bank, "databases-1-what-is-an-index", "incorrect", T0 + timedelta(days=2)),
    ]
    plan = build_plan(history, topic_edges(history), bank, now=T0 + timedelta(days=1, hours=1))
    assert [r.question_id for r in plan.due] == ["web-1-dns-job"]
    assert [r.question_id for r in plan.upcoming] == ["databases-1-what-is-an-index"]


def hold(bank, topic, up_to, when=T0):
    """Two right answers at every level up to ``up_to``, one wrong pair above it."""
    out = []
    for level in range(1, 6):
        qs = bank.for_topic(topic, level)[:2]
        outcome = "correct" if level <= up_to else "incorrect"
        out += [attempt(bank, q.id, outcome, when) for q in qs]
        if level > up_to:
            break
    return out


def test_topics_below_the_bar_come_first_biggest_gap_first(bank):
    history = hold(bank, "databases", 4) + hold(bank, "caching", 1) + hold(bank, "specs", 1)
    history += hold(bank, "sdlc", 3)  # engineers bar is 3: at the bar, a stretch topic
    edges = topic_edges(history, [t.id for t in bank.topics_with_questions()])
    steps = build_plan(history, edges, bank, now=T0).steps
    by_topic = {s.topic: s for s in steps}
    assert by_topic["caching"].edge == 1 and by_topic["caching"].next_level == 2
    assert by_topic["databases"].below_bar and not by_topic["sdlc"].below_bar
    order = [s.topic for s in steps]
    assert order.index("caching") < order.index("databases")  # gap 4 before gap 1
    assert order.index("specs") < order.index("databases")  # gap 2 before gap 1
    assert order.index("databases") < order.index("sdlc")  # below the bar before stretch
    assert all(s.below_bar for s in steps[: order.index("sdlc")])
    answered = {a.question_id for a in history}
    assert by_topic["caching"].questions and not set(by_topic["caching"].questions) & answered
    assert all(bank[q].level == 2 for q in by_topic["caching"].questions)
    assert (
        "02-technical-depth" in by_topic["caching"].lesson
        and "Caching" in by_topic["caching"].lesson
    )


def test_a_topic_held_to_level_five_needs_no_step(bank):
    history = hold(bank, "web", 5)
    edges = topic_edges(history, ["web"])
    assert "web" not in {s.topic for s in build_plan(history, edges, bank, now=T0).steps}


def test_the_diagnostic_fills_in_where_quizzes_say_nothing(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    diag = Diagnostic(bank, ("apis",))
    while (q := diag.next_question()) is not None:
        right = q.level <= 3
        store.record(attempt(bank, q.id, "correct" if right else "incorrect", T0, source=SOURCE))
        diag.record(q.id, right)
    plan = learner_plan(store, "ana", bank, now=T0)
    step = next(s for s in plan.steps if s.topic == "apis")
    assert step.evidence == "diagnostic" and step.edge == 3 and step.next_level == 4
    nothing = next(s for s in plan.steps if s.topic == "realtime")
    assert nothing.evidence == "none yet" and nothing.next_level == 1
    assert "Topics below the interview bar" in str(plan)
