"""Does the adaptive diagnostic find known edges, never repeat itself, and survive a stop?"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pmtech.bank import load_bank
from pmtech.diagnostic import (
    QUICK_MAX_PER_TOPIC,
    QUICK_MAX_QUESTIONS,
    SLIP,
    SOURCE,
    Diagnostic,
    beliefs,
    guess_rate,
    mode_key,
    run_key,
    saved_beliefs,
)
from pmtech.diagnostic_ui import (
    DiagnosticView,
    describe_edge,
    diagnostic,
    result_table_html,
    saved_run,
)
from pmtech.progress import Attempt, ProgressStore

from .factories import make_question


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def perfect_learner(edge):
    """Right at or below the edge, wrong above it: no slips, no lucky guesses."""
    return lambda q: q.level <= edge


def noisy_learner(edge, rng, slip=SLIP):
    """Slips at or below the edge; above it right only by a guess, one in the possible answers."""

    def answers(q):
        if q.level <= edge:
            return rng.random() >= slip
        return rng.random() < guess_rate(q)

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
def test_a_consistent_learner_gets_their_exact_edge_in_full_mode(bank, edge):
    diag = Diagnostic(bank, ("databases",), mode="full")
    run_through(diag, lambda topic: perfect_learner(edge))
    (estimate,) = diag.estimates()
    assert estimate.edge == edge and estimate.finished
    assert estimate.asked <= diag.max_per_topic


@pytest.mark.parametrize("edge", [0, 1, 2, 3, 4, 5])
def test_a_consistent_learner_is_placed_within_one_level_in_quick_mode(bank, edge):
    diag = Diagnostic(bank, ("databases",), mode="quick")
    run_through(diag, lambda topic: perfect_learner(edge))
    (estimate,) = diag.estimates()
    assert abs(estimate.edge - edge) <= 1 and estimate.finished
    assert estimate.asked <= QUICK_MAX_PER_TOPIC


def related_population(bank, rng, learners):
    """Simulated learners with a level per area (every level 0-5 in turn, so a small
    population covers them all), each topic's edge that level or one off."""
    for i in range(learners):
        level = {a.id: (i + 2 * k) % 6 for k, a in enumerate(bank.areas)}
        yield {
            t.id: min(5, max(0, level[t.area] + rng.choice((-1, 0, 0, 1))))
            for t in bank.topics_with_questions()
        }


def simulate(bank, mode, learners, seed, slip=0.15):
    """(exact share, within-one share, most questions asked, the last run) over a seeded
    population slipping at ``slip`` and guessing at one in the number of possible answers."""
    rng = random.Random(seed)
    exact = within = total = most = 0
    for edges in related_population(bank, rng, learners):
        diag = Diagnostic.for_areas(bank, mode=mode)
        run_through(diag, lambda topic, e=edges: noisy_learner(e[topic], rng, slip))
        for est in diag.estimates(every_topic=True):
            exact += est.edge == edges[est.topic]
            within += abs(est.edge - edges[est.topic]) <= 1
            total += 1
        most = max(most, diag.asked)
    return exact / total, within / total, most, diag


def test_quick_mode_places_nine_in_ten_topics_within_one_level_with_40_questions(bank):
    exact, within, most, diag = simulate(bank, "quick", learners=12, seed=1)
    assert diag.max_questions == QUICK_MAX_QUESTIONS == 40
    assert most <= 40
    assert within >= 0.9, within
    assert len(diag.estimates(every_topic=True)) == len(diag.topics)  # every topic placed


def test_full_mode_gets_85_percent_of_edges_exact_with_a_quarter_of_the_bank(bank):
    exact, within, most, diag = simulate(bank, "full", learners=12, seed=1)
    auto_checked = sum(q.kind != "explain" for q in bank.questions.values())
    assert most <= diag.max_questions <= auto_checked / 4 < len(bank.questions) / 4
    assert exact >= 0.85, exact


def test_a_run_is_full_unless_told_and_one_area_runs_stop_by_topic(bank):
    assert Diagnostic(bank, ("web",)).mode == "full"
    diag = Diagnostic.for_areas(bank, ["engineers"], mode="full")
    assert diag.max_questions == Diagnostic.for_areas(bank, mode="full").max_questions
    rng = random.Random(2)
    run_through(diag, lambda topic: noisy_learner(3, rng))
    assert diag.asked <= diag.max_per_topic * len(diag.topics)


def test_quick_mode_stops_early_when_every_topic_is_placed(bank):
    diag = Diagnostic.for_areas(bank, ["bridging"], mode="quick")
    seen = run_through(diag, lambda topic: perfect_learner(3))
    assert len(seen) < diag.max_questions  # 11 topics, at most 2 questions each
    assert all(abs(e.edge - 3) <= 1 for e in diag.estimates())


def test_an_area_level_sets_the_belief_of_its_unasked_topics(bank):
    topics = [t.id for t in bank.area("depth").topics if bank.for_topic(t.id)]
    diag = Diagnostic(bank, tuple(topics), mode="full")
    for topic in topics[:-1]:  # every topic but the last: levels 1-4 right, 5 wrong
        for q in bank.for_topic(topic):
            if q.kind != "explain":
                diag.record(q.id, q.level <= 4)
    unasked = diag.estimates(every_topic=True)[-1]
    assert unasked.asked == 0 and unasked.edge == 4 and unasked.within_one > 0.9
    assert max(diag.area_level("depth")) == diag.area_level("depth")[4]


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_never_asks_a_question_twice_in_a_run(bank, mode):
    rng = random.Random(7)
    diag = Diagnostic.for_areas(bank, mode=mode)
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


def test_a_topic_far_from_its_area_keeps_the_edge_its_own_answers_show(bank):
    topics = [t.id for t in bank.area("depth").topics if bank.for_topic(t.id)]
    diag = Diagnostic(bank, tuple(topics), mode="full")
    for topic in topics:  # every topic at level 4, but the first at level 1
        for q in bank.for_topic(topic):
            if q.kind != "explain":
                diag.record(q.id, q.level <= (1 if topic == topics[0] else 4))
    estimates = {e.topic: e.edge for e in diag.estimates()}
    assert estimates[topics[0]] == 1
    assert all(estimates[t] == 4 for t in topics[1:])


def test_bad_arguments_are_named(bank):
    with pytest.raises(ValueError, match="unknown topic"):
        Diagnostic(bank, ("astrology",))
    with pytest.raises(ValueError, match="unknown area"):
        Diagnostic.for_areas(bank, ["astrology"])
    with pytest.raises(ValueError, match="confidence"):
        Diagnostic(bank, ("web",), confidence=1.0)
    with pytest.raises(ValueError, match="mode must be one of quick, full"):
        Diagnostic(bank, ("web",), mode="slow")


def save(store, learner, q, right, **extra):
    outcome = "correct" if right else "incorrect"
    store.record(Attempt(learner, q.id, q.topic, q.level, outcome, source=SOURCE, **extra))


@pytest.mark.parametrize("mode", ["quick", "full"])
def test_replay_rebuilds_a_half_finished_run_exactly(bank, tmp_path, mode):
    store = ProgressStore(tmp_path / "p.db")
    diag = Diagnostic.for_areas(bank, ["depth"], mode=mode)
    for _ in range(9):
        q = diag.next_question()
        save(store, "ana", q, q.level <= 2)
        diag.record(q.id, q.level <= 2)
    q = diag.next_question()  # a blank check, a retry and a quiz answer are not run evidence
    store.record(Attempt("ana", q.id, q.topic, q.level, "not_attempted", source=SOURCE))
    store.record(Attempt("ana", q.id, q.topic, q.level, "correct", retry=True, source=SOURCE))
    store.record(Attempt("ana", q.id, q.topic, q.level, "correct", source="quiz"))

    again = saved_run(store, "ana", bank, ["depth"], mode=mode)
    assert again.asked == 9 and again.mode == mode
    assert again.estimates() == diag.estimates()
    assert again.next_question() == diag.next_question()
    assert saved_run(store, "bob", bank, ["depth"]).asked == 0


def test_a_run_saved_before_modes_resumes_as_a_full_run(bank, tmp_path):
    """The old code saved the answers (source diagnostic) and, on a restart, the run's start;
    never a mode. Such a run resumes with every answer, as the full run it was."""
    store = ProgressStore(tmp_path / "p.db")
    old = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.save_setting(run_key("ana"), old.isoformat())
    before = Diagnostic.for_areas(bank, ["bridging"], mode="full").next_question()
    save(store, "ana", before, True, created_at=old - timedelta(days=1))  # an earlier run
    diag = Diagnostic.for_areas(bank, ["bridging"], mode="full")
    for i in range(12):
        q = diag.next_question()
        save(store, "ana", q, q.level <= 3, created_at=old + timedelta(minutes=i))
        diag.record(q.id, q.level <= 3)

    again = saved_run(store, "ana", bank, ["bridging"])
    assert store.setting(mode_key("ana")) is None and again.mode == "full"
    assert again.asked == 12 and again.estimates() == diag.estimates()
    assert again.next_question() == diag.next_question()

    view = DiagnosticView(areas=["bridging"], store=store, learner="ana", bank=bank)
    assert view.diag.mode == "quick" and view.diag.asked == 12  # the default goes on quick
    assert "Picked up your earlier run: 12 answers kept" in view.notice.value
    answered = {q.id for answers in diag.answers.values() for q, _ in answers}
    assert view.current is None or view.current.question.id not in answered


def test_a_quick_run_goes_on_in_full_mode_keeping_its_answers(bank):
    quick = Diagnostic.for_areas(bank, ["engineers"], mode="quick")
    rng = random.Random(5)
    run_through(quick, lambda topic: noisy_learner(2, rng))
    assert quick.finished and quick.asked <= 40
    answered = {t: list(a) for t, a in quick.answers.items()}
    full = Diagnostic.for_areas(bank, ["engineers"], mode="full", answers=answered)
    assert full.asked == quick.asked and not full.finished
    more = run_through(full, lambda topic: noisy_learner(2, rng))
    answered_quick = {q.id for answers in quick.answers.values() for q, _ in answers}
    assert more and not set(more) & answered_quick
    assert full.asked <= full.max_questions


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


@pytest.mark.parametrize(
    ("mode", "wording"), [("quick", "about level"), ("full", "runs out at level 3")]
)
def test_view_runs_to_completion_and_shows_the_result(bank, tmp_path, mode, wording):
    store = ProgressStore(tmp_path / "p.db")
    view = DiagnosticView(areas=["bridging"], store=store, learner="ana", bank=bank, mode=mode)
    for _ in range(200):  # a bound, so a bug cannot hang the suite
        if view.current is None:
            break
        answer_current(view, right=view.current.question.level <= 2)
        assert view.current.last_outcome.value != "not_attempted", view.current.question.id
        view.next_button.click()
    assert "Diagnostic complete." in view.status.value
    assert wording in view.result.value
    assert view.next_button.disabled
    assert view.diag.asked <= view.diag.max_questions
    assert store.setting(mode_key("ana")) == mode


def test_diagnostic_defaults_to_quick_and_full_goes_on_with_the_same_run(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    quick = diagnostic(store=store, learner="ana", bank=bank)
    assert quick.diag.mode == "quick" and quick.diag.max_questions == 40
    assert "at most 40 questions (about 20 minutes)" in quick.widget.children[1].value
    answer_current(quick, right=True)
    full = diagnostic(mode="full", store=store, learner="ana", bank=bank)
    assert full.diag.mode == "full" and full.diag.asked == 1
    assert "Full diagnostic" in full.widget.children[1].value
    assert saved_run(store, "ana", bank).mode == "full"
    one_area = diagnostic("depth", store=store, learner="ana", bank=bank)
    topics = len(one_area.diag.topics)
    assert f"at most {2 * topics} questions" in one_area.widget.children[1].value
    with pytest.raises(ValueError, match="mode must be one of"):
        diagnostic(mode="exact", store=store, learner="ana", bank=bank)


def test_skip_moves_on_without_an_answer(bank, tmp_path):
    view = DiagnosticView(
        areas=["depth"], store=ProgressStore(tmp_path / "p.db"), learner="a", bank=bank
    )
    first = view.current.question.id
    view.skip_button.click()
    assert view.current.question.id != first and view.diag.asked == 0


def test_edge_wording_and_empty_table(bank):
    diag = Diagnostic(bank, ("web",), mode="full")
    assert "No diagnostic answers yet" in result_table_html(diag)
    run_through(diag, lambda topic: perfect_learner(0))
    assert describe_edge(diag.estimates()[0]) == "not yet level 1"
    quick = Diagnostic(bank, ("web",), mode="quick")
    run_through(quick, lambda topic: perfect_learner(3))
    (estimate,) = quick.estimates()
    assert (
        describe_edge(estimate, "quick")
        == f"about level {estimate.edge} ({estimate.edge - 1} to {estimate.edge + 1})"
    )
    assert "within one level" in result_table_html(quick)


# ---------------------------------------------------------------------- the belief after a run


def test_right_after_a_run_the_belief_is_the_runs(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    diag = Diagnostic.for_areas(bank, mode="quick")
    rng = random.Random(11)
    while (q := diag.next_question()) is not None:
        right = noisy_learner(3, rng)(q)
        save(store, "ana", q, right)
        diag.record(q.id, right)
    found = saved_beliefs(store, "ana", bank)
    assert list(found) == list(diag.topics)  # every topic, in rubric order
    for est in diag.estimates(every_topic=True):
        belief = found[est.topic]
        assert belief.probabilities == pytest.approx(est.probabilities)
        assert belief.diagnostic == belief.answers == est.asked
        assert belief.edge == max(range(6), key=lambda e: est.probabilities[e])


def test_later_quiz_answers_move_the_belief_and_non_evidence_does_not(bank, tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    store.save_setting(run_key("ana"), start.isoformat())
    diag = Diagnostic.for_areas(bank, ["depth"], mode="quick")
    for i in range(10):  # a short quick run, everything wrong: placed low
        q = diag.next_question()
        save(store, "ana", q, False, created_at=start + timedelta(minutes=i))
        diag.record(q.id, False)
    topic = diag.topics[0]
    baseline = saved_beliefs(store, "ana", bank, ["depth"])
    assert baseline[topic].edge <= 1

    later = start + timedelta(days=2)
    asked = {q.id for q, _ in diag.answers[topic]}
    fresh = [q for q in bank.for_topic(topic) if q.kind != "explain" and q.id not in asked]
    explain = next(q for q in bank.for_topic(topic) if q.kind == "explain")
    noise = [  # none of these is evidence
        Attempt("ana", fresh[0].id, topic, fresh[0].level, "correct", retry=True),
        Attempt("ana", fresh[0].id, topic, fresh[0].level, "not_attempted"),
        Attempt("ana", explain.id, topic, explain.level, "correct"),
        Attempt("ana", fresh[1].id, topic, fresh[1].level, "seen"),
        Attempt("ana", fresh[1].id, topic, fresh[1].level, "correct"),
        Attempt(
            "ana", fresh[2].id, topic, fresh[2].level, "correct", created_at=start - timedelta(1)
        ),
        Attempt("bob", fresh[3].id, topic, fresh[3].level, "correct"),
    ]
    for a in noise:
        store.record(replace(a, created_at=a.created_at if a.created_at < start else later))
    unchanged = saved_beliefs(store, "ana", bank, ["depth"])
    assert unchanged[topic].probabilities == pytest.approx(baseline[topic].probabilities)

    for i, q in enumerate(q for q in fresh if q.level <= 4):  # practice: right up to level 4
        store.record(
            Attempt("ana", q.id, topic, q.level, "correct", created_at=later + timedelta(minutes=i))
        )
    moved = saved_beliefs(store, "ana", bank, ["depth"])[topic]
    assert moved.edge >= 4 and moved.answers > moved.diagnostic
    # beliefs() is the same, given the attempts and the run's start
    again = beliefs(store.attempts("ana"), bank, start, ["depth"])[topic]
    assert again == moved
