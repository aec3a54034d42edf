"""Does the adaptive diagnostic find known edges, never repeat itself, and survive a stop?"""

from __future__ import annotations

import random

import pytest

from pmtech.bank import load_bank
from pmtech.diagnostic import SLIP, SOURCE, Diagnostic, guess_rate, run_key
from pmtech.diagnostic_ui import DiagnosticView, describe_edge, result_table_html, saved_run
from pmtech.progress import Attempt, ProgressStore

from .factories import make_question


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def perfect_learner(edge):
    """Right at or below the edge, wrong above it: no slips, no lucky guesses."""
    return lambda q: q.level <= edge


def noisy_learner(edge, rng):
    def answers(q):
        if q.level <= edge:
            return rng.random() >= SLIP
        return rng.random() < (0.25 if q.kind == "choice" else guess_rate(q))

    return answers


def run_through(diag, answers_of):
    seen = []
    while (q := diag.next_question()) is not None:
        seen.append(q.id)
        diag.record(q.id, answers_of(q.topic)(q))
    return seen


def test_guess_rates_follow_the_kind():
    assert guess_rate(make_question("choice", 0, options=("a", "b", "c", "d"))) == 0.25
    assert guess_rate(make_question("multi", (0,), options=("a", "b", "c"))) == pytest.approx(1 / 7)
    assert guess_rate(make_question("order", (2, 0, 1), options=("a", "b", "c"))) == 1 / 6
    assert guess_rate(make_question("number", 5, tolerance=("relative", 0.1))) == 0.02
    with pytest.raises(ValueError, match="not used by the diagnostic"):
        guess_rate(make_question("explain", "model", rubric=("a", "b")))


@pytest.mark.parametrize("edge", [0, 1, 2, 3, 4, 5])
def test_a_consistent_learner_gets_their_exact_edge(bank, edge):
    diag = Diagnostic(bank, ("databases",))
    run_through(diag, lambda topic: perfect_learner(edge))
    (estimate,) = diag.estimates()
    assert estimate.edge == edge and estimate.finished
    assert estimate.asked <= diag.max_per_topic


def test_noisy_related_learners_are_mostly_placed_exactly_with_few_questions(bank):
    rng = random.Random(42)
    exact = total = asked = 0
    topics = tuple(t.id for t in bank.area("depth").topics)
    for _ in range(15):
        level = rng.randint(0, 5)
        edges = {t: min(5, max(0, level + rng.choice((-1, 0, 0, 1)))) for t in topics}
        diag = Diagnostic(bank, topics)
        run_through(diag, lambda topic, e=edges: noisy_learner(e[topic], rng))
        exact += sum(est.edge == edges[est.topic] for est in diag.estimates())
        total += len(topics)
        asked += diag.asked
    depth_questions = sum(len(bank.for_topic(t)) for t in topics)
    assert exact / total >= 0.75
    assert asked / 15 <= 0.3 * depth_questions


def test_never_asks_a_question_twice_in_a_run(bank):
    rng = random.Random(7)
    diag = Diagnostic.for_areas(bank)
    seen = run_through(diag, lambda topic: lambda q: rng.random() < 0.5)
    assert len(seen) == len(set(seen)) > 0
    with pytest.raises(ValueError, match="already answered"):
        diag.record(seen[0], True)


def test_explain_questions_are_never_asked(bank):
    diag = Diagnostic.for_areas(bank, ["engineers"])
    seen = run_through(diag, lambda topic: lambda q: True)
    assert all(bank[qid].kind != "explain" for qid in seen)
    explain = next(
        q for q in bank.questions.values() if q.kind == "explain" and q.area == "engineers"
    )
    with pytest.raises(ValueError, match="explain questions"):
        diag.record(explain.id, True)


def test_a_finished_topic_does_not_change_when_later_topics_are_answered(bank):
    diag = Diagnostic(bank, ("web", "apis"))
    while diag.current_topic() == "web":
        q = diag.next_question()
        diag.record(q.id, q.level <= 3)
    before = diag.estimates()[0]
    run_through(diag, lambda topic: lambda q: False)
    assert diag.estimates()[0] == before


def test_bad_arguments_are_named(bank):
    with pytest.raises(ValueError, match="unknown topic"):
        Diagnostic(bank, ("astrology",))
    with pytest.raises(ValueError, match="unknown area"):
        Diagnostic.for_areas(bank, ["astrology"])
    with pytest.raises(ValueError, match="confidence"):
        Diagnostic(bank, ("web",), confidence=1.0)


def test_replay_rebuilds_a_half_finished_run_exactly(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    diag = Diagnostic.for_areas(bank, ["depth"])
    for _ in range(9):
        q = diag.next_question()
        right = q.level <= 2
        outcome = "correct" if right else "incorrect"
        store.record(Attempt("ana", q.id, q.topic, q.level, outcome, source=SOURCE))
        diag.record(q.id, right)
    q = diag.next_question()  # a blank check, a retry and a quiz answer are not run evidence
    store.record(Attempt("ana", q.id, q.topic, q.level, "not_attempted", source=SOURCE))
    store.record(Attempt("ana", q.id, q.topic, q.level, "correct", retry=True, source=SOURCE))
    store.record(Attempt("ana", q.id, q.topic, q.level, "correct", source="quiz"))

    again = saved_run(store, "ana", bank, ["depth"])
    assert again.asked == 9
    assert again.estimates() == diag.estimates()
    assert again.next_question() == diag.next_question()
    assert saved_run(store, "bob", bank, ["depth"]).asked == 0


def test_an_unreadable_run_start_warns_and_keeps_every_answer(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    q = Diagnostic.for_areas(bank, ["depth"]).next_question()
    store.record(Attempt("ana", q.id, q.topic, q.level, "correct", source=SOURCE))
    store.save_setting(run_key("ana"), "not a time")
    with pytest.warns(UserWarning, match="unreadable"):
        assert saved_run(store, "ana", bank, ["depth"]).asked == 1


def answer_current(view, right):
    qw = view.current
    q = qw.question
    if right:
        qw.set_response(list(q.answer) if q.kind in ("multi", "order") else q.answer)
    elif q.kind == "choice":
        qw.set_response((q.answer + 1) % len(q.options))
    elif q.kind == "number":
        qw.set_response(q.answer * 100 + 1)
    elif q.kind == "multi":
        qw.set_response([i for i in range(len(q.options)) if i not in q.answer])
    else:
        qw.set_response(list(reversed(q.answer)))
    qw.check_button.click()


def test_view_saves_each_answer_and_a_stopped_run_resumes(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    view = DiagnosticView(areas=["depth"], store=store, learner="ana", bank=bank)
    assert view.next_button.disabled  # answer first
    first = view.current.question
    answer_current(view, right=True)
    assert "Correct." in view.current.feedback.value
    assert view.current.check_button.disabled and not view.next_button.disabled
    view.next_button.click()
    answer_current(view, right=False)
    view.stop_button.click()
    assert "Stopped." in view.status.value
    assert "in progress" in view.result.value or "done" in view.result.value

    saved = store.attempts("ana")
    assert [a.question_id for a in saved][0] == first.id
    assert {a.source for a in saved} == {SOURCE}

    resumed = DiagnosticView(areas=["depth"], store=store, learner="ana", bank=bank)
    assert resumed.diag.asked == 2
    assert resumed.current.question.id == view.diag.next_question().id
    assert "Picked up your earlier run" in resumed.notice.value
    fresh = DiagnosticView(areas=["depth"], store=store, learner="ana", bank=bank, restart=True)
    assert fresh.diag.asked == 0 and fresh.current.question.id == first.id
    assert len(store.attempts("ana")) == 2  # a restart keeps the old answers in the store


def test_view_runs_to_completion_and_shows_the_result(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    view = DiagnosticView(areas=["bridging"], store=store, learner="ana", bank=bank)
    for _ in range(200):  # a bound, so a bug cannot hang the suite
        if view.current is None:
            break
        answer_current(view, right=view.current.question.level <= 2)
        assert view.current.last_outcome.value != "not_attempted", view.current.question.id
        view.next_button.click()
    assert "Diagnostic complete." in view.status.value
    assert "runs out at level 3" in view.result.value
    assert view.next_button.disabled


def test_skip_moves_on_without_an_answer(bank, tmp_path):
    view = DiagnosticView(
        areas=["depth"], store=ProgressStore(tmp_path / "p.db"), learner="a", bank=bank
    )
    first = view.current.question.id
    view.skip_button.click()
    assert view.current.question.id != first and view.diag.asked == 0


def test_edge_wording_and_empty_table(bank):
    diag = Diagnostic(bank, ("web",))
    assert "No diagnostic answers yet" in result_table_html(diag)
    run_through(diag, lambda topic: perfect_learner(0))
    assert describe_edge(diag.estimates()[0]) == "not yet level 1"
