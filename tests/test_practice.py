"""Does a practice cell serve a topic's questions at the learner's edge, until every question
of the topic has been served, recording answers like any quiz?"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from pmtech.bank import load_bank
from pmtech.lessons import is_section_heading
from pmtech.practice import Practice, next_practice, practice_level
from pmtech.progress import Attempt, ProgressStore

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _answer(qid, bank, correct, minutes, outcome=None):
    q = bank[qid]
    return Attempt(
        "ana",
        qid,
        q.topic,
        q.level,
        outcome or ("correct" if correct else "incorrect"),
        created_at=T0 + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize("topic", ["databases", "sdlc", "cost"])
@pytest.mark.parametrize("true_edge", [0, 3, 5])
def test_a_learner_practising_is_served_every_question_of_the_topic(bank, topic, true_edge):
    """Walk a simulated learner (10% slips) through the practice cell, round after round."""
    rng = random.Random(true_edge)
    questions = {q.id for q in bank.questions.values() if q.topic == topic}
    attempts, served, rounds = [], [], 0
    while len(set(served)) < len(questions):
        now = T0 + timedelta(minutes=10 * rounds)
        ids = next_practice(topic, attempts, bank, now)
        assert ids, f"round {rounds}: nothing served while {len(questions - set(served))} remain"
        level = practice_level(attempts, topic, bank)
        fresh_at_level = [
            q
            for q in questions - set(served)
            if bank[q].level == level and not any(a.question_id == q for a in attempts)
        ]
        if fresh_at_level:  # the edge comes first
            assert bank[ids[0]].level == level
        for i, qid in enumerate(ids):
            right = bank[qid].level <= true_edge and rng.random() > 0.1
            attempts.append(_answer(qid, bank, right, 10 * rounds + i))
        served += ids
        rounds += 1
        assert rounds <= len(questions), "the practice cell goes round in circles"
    assert set(served) == questions


def test_shown_answers_count_as_served_and_due_reviews_come_back(bank):
    topic = "caching"
    first = next_practice(topic, [], bank, T0)
    assert {bank[q].level for q in first} == {1}  # no evidence: start at level 1
    seen = [_answer(q, bank, False, i, outcome="seen") for i, q in enumerate(first)]
    assert not set(first) & set(next_practice(topic, seen, bank, T0))
    wrong = _answer(first[0], bank, False, 0)
    later = T0 + timedelta(days=2)  # a wrong answer is due again after one day
    everything_else = [
        _answer(q.id, bank, True, 1 + i)
        for i, q in enumerate(bank.questions.values())
        if q.topic == topic and q.id != first[0]
    ]
    assert next_practice(topic, [wrong, *everything_else], bank, later) == [first[0]]


def test_the_practice_widget_records_and_serves_the_next_round(tmp_path, bank):
    store = ProgressStore(tmp_path / "p.db")
    cell = Practice("apis", store=store, learner="ana", bank=bank)
    first = [item.question.id for item in cell.items]
    assert len(first) == 3 and "level 1" in cell.status.value.lower()
    for item in cell.items:
        item.show_me_button.click()
    cell.next_button.click()
    second = [item.question.id for item in cell.items]
    assert not set(first) & set(second)
    assert [a.question_id for a in store.attempts("ana")] == first


def test_every_topic_section_ends_with_its_practice_cell(bank):
    """One practice cell per topic, in 01-03, at the end of the topic's section."""
    found = {}
    for name in ("01-working-with-engineers", "02-technical-depth", "03-bridging-tech-and-users"):
        nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and cell.source.startswith("practice("):
                topic = cell.source.split('"')[1]
                assert topic not in found, f"two practice cells for {topic}"
                found[topic] = (name, i)
                after = nb.cells[i + 1 :]
                next_code = next((c for c in after if c.cell_type == "code"), None)
                next_section = next((k for k, c in enumerate(after) if is_section_heading(c)), None)
                code_at = after.index(next_code) if next_code is not None else None
                assert code_at is None or (next_section is not None and next_section < code_at), (
                    f"{name}: cells after the practice cell of {topic} before the next section"
                )
    topics = {t.id for t in bank.topics_with_questions()}
    assert set(found) == topics
