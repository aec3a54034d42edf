"""Does the knowledge-edge rule behave as its docstring promises on hand-built attempt lists?"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pmtech.edge import MAX_AGE_DAYS, Status, classify, topic_edges
from pmtech.progress import Attempt

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def att(level, outcome, q=None, minutes=0, topic="databases", hints=0, retry=False):
    return Attempt(
        learner="a",
        question_id=q or f"{topic}-{level}-q{minutes}",
        topic=topic,
        level=level,
        outcome=outcome,
        hints_used=hints,
        retry=retry,
        created_at=T0 + timedelta(minutes=minutes),
    )


def correct_at(level, n, start=0):
    return [att(level, "correct", minutes=start + i) for i in range(n)]


def test_no_evidence_is_unknown_edge_zero():
    edges = topic_edges([], topics=["databases"])
    e = edges["databases"]
    assert e.edge == 0
    assert e.runs_out_at == 1
    assert all(r.status is Status.UNKNOWN for r in e.levels)


def test_single_lucky_guess_is_not_held():
    e = topic_edges([att(1, "correct")])["databases"]
    assert e.status(1) is Status.UNKNOWN
    assert e.edge == 0


def test_single_slip_is_not_failed():
    e = topic_edges([att(3, "incorrect")])["databases"]
    assert e.status(3) is Status.UNKNOWN


def test_not_attempted_is_never_evidence():
    e = topic_edges([att(1, "not_attempted", minutes=i) for i in range(5)])["databases"]
    assert e.status(1) is Status.UNKNOWN
    assert e.levels[0].counted == 0


def test_edge_is_highest_level_with_all_below_held():
    attempts = correct_at(1, 2) + correct_at(2, 2, 10) + correct_at(3, 2, 20)
    attempts += [att(4, "incorrect", minutes=30), att(4, "correct", minutes=31)]
    attempts += correct_at(5, 2, 40)  # held at 5 does not lift the edge past a shaky 4
    e = topic_edges(attempts)["databases"]
    assert [r.status for r in e.levels] == [
        Status.HELD,
        Status.HELD,
        Status.HELD,
        Status.SHAKY,
        Status.HELD,
    ]
    assert e.edge == 3
    assert e.runs_out_at == 4


def test_gap_at_level_one_keeps_edge_zero():
    e = topic_edges(correct_at(2, 3) + correct_at(3, 3, 10))["databases"]
    assert e.status(1) is Status.UNKNOWN
    assert e.edge == 0


def test_all_levels_held_edge_five():
    attempts = [a for lv in range(1, 6) for a in correct_at(lv, 2, lv * 10)]
    e = topic_edges(attempts)["databases"]
    assert e.edge == 5
    assert e.runs_out_at is None


def test_regression_after_mastery_pulls_level_down():
    mastered = correct_at(2, 3)
    later = [att(2, "incorrect", minutes=100 + i) for i in range(3)]
    before = topic_edges(correct_at(1, 2) + mastered)["databases"]
    after = topic_edges(correct_at(1, 2) + mastered + later)["databases"]
    assert before.status(2) is Status.HELD and before.edge >= 2
    assert after.status(2) is Status.FAILED  # window: 1 correct, 3 wrong
    assert after.edge == 1


def test_latest_attempt_per_question_counts():
    attempts = [
        att(1, "incorrect", q="databases-1-a", minutes=0),
        att(1, "correct", q="databases-1-a", minutes=60),
        att(1, "correct", q="databases-1-b", minutes=61),
    ]
    r = topic_edges(attempts)["databases"].levels[0]
    assert (r.counted, r.points, r.status) == (2, 2.0, Status.HELD)


def test_retry_in_same_sitting_is_not_evidence():
    attempts = [
        att(1, "incorrect", q="databases-1-a", minutes=0),
        att(1, "correct", q="databases-1-a", minutes=1, retry=True),
        att(1, "correct", q="databases-1-b", minutes=2),
    ]
    r = topic_edges(attempts)["databases"].levels[0]
    assert (r.counted, r.points, r.status) == (2, 1.0, Status.SHAKY)


def test_hints_earn_half_credit():
    attempts = [att(1, "correct", hints=2, minutes=0), att(1, "correct", hints=1, minutes=1)]
    r = topic_edges(attempts)["databases"].levels[0]
    assert r.points == 1.0
    assert r.status is Status.SHAKY


def test_old_evidence_expires():
    old = correct_at(1, 2)
    recent = [att(2, "correct", minutes=(MAX_AGE_DAYS + 1) * 24 * 60)]
    e = topic_edges(old + recent)["databases"]
    assert e.status(1) is Status.UNKNOWN


def test_window_keeps_only_recent_questions():
    # 2 wrong long ago, then 4 right: only the 4 most recent questions count.
    attempts = [att(1, "incorrect", minutes=i) for i in range(2)]
    attempts += [att(1, "correct", minutes=10 + i) for i in range(4)]
    r = topic_edges(attempts)["databases"].levels[0]
    assert (r.counted, r.status) == (4, Status.HELD)


def test_classify_thresholds():
    assert classify(0, 0) is Status.UNKNOWN
    assert classify(1, 1) is Status.UNKNOWN
    assert classify(2, 2) is Status.HELD
    assert classify(1, 2) is Status.SHAKY
    assert classify(0, 2) is Status.FAILED
    assert classify(3, 4) is Status.HELD
    assert classify(1, 3) is Status.FAILED


def test_topics_are_kept_apart():
    attempts = correct_at(1, 2) + [att(1, "incorrect", topic="web", minutes=i) for i in range(2)]
    edges = topic_edges(attempts)
    assert edges["databases"].edge == 1
    assert edges["web"].status(1) is Status.FAILED


def test_answers_after_show_me_are_practice_and_seeing_is_never_wrong():
    """Does "seen" leave earlier evidence alone, and take later answers to that question out?"""
    before = [
        att(1, "correct", q="databases-1-a", minutes=0),
        att(1, "correct", q="databases-1-b", minutes=1),
    ]
    r = topic_edges(before)["databases"].levels[0]
    assert (r.counted, r.status) == (2, Status.HELD)
    after = before + [
        att(1, "seen", q="databases-1-c", minutes=2),
        att(1, "correct", q="databases-1-c", minutes=3),  # a new sitting: retry is False
        att(1, "seen", q="databases-1-a", minutes=4),
        att(1, "incorrect", q="databases-1-a", minutes=5),
    ]
    r = topic_edges(after)["databases"].levels[0]
    assert (r.counted, r.points, r.status) == (2, 2.0, Status.HELD)
    only_seen = [att(2, "seen", q=f"databases-2-{i}", minutes=i) for i in range(3)]
    assert topic_edges(only_seen)["databases"].status(2) is Status.UNKNOWN


def test_levels_four_and_five_need_a_correct_open_answer():
    """Are picked options alone enough at level 4? No: one computed number must be right."""
    picked = [att(4, "correct", q=f"databases-4-choice{i}", minutes=i) for i in range(4)]
    open_ids = {"databases-4-number", "databases-4-essay"}
    assert topic_edges(picked)["databases"].status(4) is Status.HELD  # rule not asked for
    assert topic_edges(picked, open_questions=open_ids)["databases"].status(4) is Status.UNKNOWN
    wrong_open = picked[1:] + [att(4, "incorrect", q="databases-4-number", minutes=9)]
    r = topic_edges(wrong_open, open_questions=open_ids)["databases"].levels[3]
    assert (r.counted, r.points, r.status) == (4, 3.0, Status.SHAKY)
    right_open = picked[1:] + [att(4, "correct", q="databases-4-essay", minutes=9)]
    assert topic_edges(right_open, open_questions=open_ids)["databases"].status(4) is Status.HELD
    three = [att(3, "correct", q=f"databases-3-c{i}", minutes=i) for i in range(2)]
    assert topic_edges(three, open_questions=set())["databases"].status(3) is Status.HELD


def test_a_passing_autograded_exercise_is_an_open_answer():
    exercise = Attempt(
        learner="a",
        question_id="databases-4-sql-top-customers",
        topic="databases",
        level=4,
        outcome="correct",
        source="exercise",
        created_at=T0,
    )
    picked = att(4, "correct", q="databases-4-choice", minutes=1)
    edges = topic_edges([exercise, picked], open_questions=set())
    assert edges["databases"].status(4) is Status.HELD
