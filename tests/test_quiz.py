"""Do the quiz widgets judge, explain, hint and record, for every kind, without a browser?"""

from __future__ import annotations

import pytest

from pmtech.edge import Status, topic_edges
from pmtech.progress import ProgressStore
from pmtech.quiz import QuestionWidget, markdown_to_html, quiz

from .factories import make_question


def make(kind, answer, **extra):
    return make_question(
        kind,
        answer,
        topic="web",
        level=2,
        prompt=f"A **{kind}** question?",
        explanation="Because of `reasons`.",
        hints=("first nudge", "second nudge"),
        source="RFC 9110",
        **extra,
    )


QUESTIONS = {
    "choice": make("choice", 1, options=("a", "b", "c")),
    "multi": make("multi", (0, 2), options=("a", "b", "c")),
    "number": make("number", 100, tolerance=("relative", 0.1), unit="ms"),
    "order": make("order", (2, 0, 1), options=("x", "y", "z")),
    "explain": make("explain", "The model answer.", rubric=("p1", "p2", "p3")),
}


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "p.db")


def answer_widget(qw: QuestionWidget, kind: str, right: bool) -> None:
    """Operate the input widgets the way a learner would."""
    if kind == "choice":
        qw.choice.value = 1 if right else 0
    elif kind == "multi":
        for i in (0, 2) if right else (1,):
            qw.boxes[i].value = True
    elif kind == "number":
        qw.number.value = "105" if right else "150"
    elif kind == "order":
        # displayed x, y, z; the right order is z, x, y
        if right:
            qw.move(2, -1)  # x z y
            qw.move(1, -1)  # z x y
        else:
            qw.move(0, +1)  # y x z
    elif kind == "explain":
        qw.text.value = "My own answer about p1 and p2, " + "with its reasons " * 10


def press_check(qw: QuestionWidget, kind: str, right: bool) -> None:
    qw.check_button.click()
    if kind == "explain" and qw.text.value.strip():
        ticks = (0, 1, 2) if right else (0,)
        for i in ticks:
            qw.rubric_boxes[i].value = True
        qw.rate_button.click()


@pytest.mark.parametrize("kind", list(QUESTIONS))
@pytest.mark.parametrize("right", [True, False])
def test_check_shows_verdict_in_words_and_records(store, kind, right):
    qw = QuestionWidget(QUESTIONS[kind], store, learner="ana")
    answer_widget(qw, kind, right)
    press_check(qw, kind, right)
    text = qw.feedback.value
    if right:
        assert "✔ Correct." in text
    else:
        assert "✘ Not quite." in text
    assert "Because of <code>reasons</code>." in text
    assert "RFC 9110" in text
    (row,) = store.attempts("ana")
    assert row.question_id == f"web-2-{kind}"
    assert (row.topic, row.level, row.source) == ("web", 2, "quiz")
    assert row.outcome == ("correct" if right else "incorrect")
    assert row.answer == qw.response()
    assert row.retry is False


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_blank_check_is_not_attempted_never_wrong(store, kind):
    qw = QuestionWidget(QUESTIONS[kind], store, learner="ana")
    qw.check_button.click()
    assert "○ Not attempted." in qw.feedback.value
    assert "Nothing was counted against you" in qw.feedback.value
    assert "Because of" not in qw.feedback.value  # no explanation before an attempt
    (row,) = store.attempts("ana")
    assert row.outcome == "not_attempted"


def test_hints_come_in_tiers_and_are_counted(store):
    qw = QuestionWidget(QUESTIONS["choice"], store, learner="ana")
    assert qw.hint_button.description == "Hint 1 of 2"
    qw.hint_button.click()
    assert "first nudge" in qw.hint_box.value and "second nudge" not in qw.hint_box.value
    qw.hint_button.click()
    assert "second nudge" in qw.hint_box.value
    assert qw.hint_button.disabled and qw.hint_button.description == "No more hints"
    qw.choice.value = 1
    qw.check_button.click()
    assert store.attempts("ana")[0].hints_used == 2


def test_second_check_is_marked_as_retry(store):
    qw = QuestionWidget(QUESTIONS["choice"], store, learner="ana")
    qw.choice.value = 0
    qw.check_button.click()
    qw.choice.value = 1
    qw.check_button.click()
    first, second = store.attempts("ana")
    assert (first.outcome, first.retry) == ("incorrect", False)
    assert (second.outcome, second.retry) == ("correct", True)


def test_unreadable_number_asks_again_and_records_nothing(store):
    qw = QuestionWidget(QUESTIONS["number"], store, learner="ana")
    qw.number.value = "about a hundred"
    qw.check_button.click()
    assert "Could not read your answer" in qw.feedback.value
    assert store.attempts("ana") == []


def test_saved_answer_is_restored_in_a_new_widget(store):
    """After a kernel restart (a new widget), is the last answer shown again?"""
    first = QuestionWidget(QUESTIONS["multi"], store, learner="ana")
    first.boxes[0].value = first.boxes[2].value = True
    first.check_button.click()
    again = QuestionWidget(QUESTIONS["multi"], store, learner="ana")
    assert [b.value for b in again.boxes] == [True, False, True]
    assert "was <b>correct</b>" in again.feedback.value
    again.check_button.click()
    assert store.attempts("ana")[-1].retry is False  # a new sitting is fresh evidence


def test_written_answer_is_self_graded_before_the_model_answer_is_shown(store):
    """Write, then tick the rubric without the model answer in sight, then see it."""
    qw = QuestionWidget(QUESTIONS["explain"], store, learner="ana")
    answer_widget(qw, "explain", right=True)
    qw.check_button.click()
    qw.check_button.click()
    assert list(qw.widget.children).count(qw.review) == 1
    assert "The model answer." not in qw.review.children[0].value + qw.feedback.value
    assert store.attempts("ana") == []  # nothing recorded until the self-rating
    for box in qw.rubric_boxes:
        box.value = True
    qw.rate_button.click()
    assert "The model answer." in qw.feedback.value
    assert "Red flags" not in qw.feedback.value  # none given for this question
    assert store.attempts("ana")[-1].outcome == "correct"


def test_a_one_line_written_answer_is_warned_and_earns_nothing(store):
    qw = QuestionWidget(QUESTIONS["explain"], store, learner="ana")
    qw.text.value = "Caches are faster."
    qw.check_button.click()
    assert "Your answer has 3 words" in qw.review.children[0].value
    for box in qw.rubric_boxes:
        box.value = True
    qw.rate_button.click()
    assert store.attempts("ana")[-1].outcome == "incorrect"
    assert "earns nothing" in qw.feedback.value


def test_behavioural_prompt_shows_its_red_flags_with_the_model_answer(store):
    q = make("explain", "STAR answer.", rubric=("p1", "p2"), red_flags=("Blames <the> team",))
    qw = QuestionWidget(q, store, learner="ana")
    qw.text.value = "my story " * 20
    qw.check_button.click()
    assert "Red flags" not in qw.review.children[0].value
    qw.rate_button.click()
    shown = qw.feedback.value
    assert "Red flags interviewers listen for" in shown
    assert "Blames &lt;the&gt; team" in shown  # escaped, not injected as HTML


def test_order_buttons_stop_at_the_ends(store):
    qw = QuestionWidget(QUESTIONS["order"], store, learner="ana")
    qw.move(0, -1)
    assert qw.order == [0, 1, 2] and not qw.moved
    first_up, last_down = qw.order_rows[0][1], qw.order_rows[-1][2]
    assert first_up.disabled and last_down.disabled
    qw.order_rows[0][2].click()  # the first row's down button
    assert qw.order == [1, 0, 2]
    assert qw.order_rows[0][0].value.startswith("<span>1. y")


def test_quiz_builds_from_the_course_bank(store):
    from pmtech.bank import load_bank

    ids = list(load_bank().questions)[:3]
    assert len(ids) == 3
    q = quiz(ids, title="Starter", store=store, learner="ana")
    assert [item.question.id for item in q.items] == ids
    assert "application/vnd.jupyter.widget-view+json" in q._repr_mimebundle_()


def test_quiz_names_unknown_ids(store):
    with pytest.raises(KeyError, match="'nope-1-x'"):
        quiz(["nope-1-x"], store=store)


def test_markdown_is_escaped():
    html = markdown_to_html("Use `<script>` **now**\n\n- one\n- two")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<b>now</b>" in html and "<li>two</li>" in html


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_show_me_reveals_the_answer_and_records_seen_not_wrong(store, kind):
    """Does "Show me" teach (answer and explanation) without counting anything against you?"""
    qw = QuestionWidget(QUESTIONS[kind], store, learner="ana")
    qw.show_me_button.click()
    (attempt,) = store.attempts("ana")
    assert attempt.outcome == "seen"
    assert "Because of" in qw.feedback.value
    assert "Nothing was counted against you" in qw.feedback.value
    if kind == "explain":
        assert "The model answer." in qw.feedback.value and "p3" in qw.feedback.value
    edges = topic_edges(store.attempts("ana"), ["web"])
    assert edges["web"].status(2) is Status.UNKNOWN


def test_an_answer_after_show_me_is_practice_in_this_sitting_and_the_next(store):
    """After Show me, is a right answer practice, both now and after a kernel restart?"""
    qw = QuestionWidget(QUESTIONS["choice"], store, learner="ana")
    qw.show_me_button.click()
    answer_widget(qw, "choice", right=True)
    qw.check_button.click()
    assert store.attempts("ana")[-1].retry is True
    again = QuestionWidget(QUESTIONS["choice"], store, learner="ana")
    assert "had seen the answer" in again.feedback.value
    again.choice.value = 1
    again.check_button.click()
    assert [a.retry for a in store.attempts("ana")] == [False, True, True]
    assert topic_edges(store.attempts("ana"), ["web"])["web"].levels[1].counted == 0


def test_a_restart_right_after_show_me_says_so(store):
    QuestionWidget(QUESTIONS["number"], store, learner="ana").show_me_button.click()
    again = QuestionWidget(QUESTIONS["number"], store, learner="ana")
    assert "You asked to see this answer" in again.feedback.value and again.number.value == ""


def test_the_diagnostic_offers_no_show_me(store):
    """The diagnostic measures, so it must not offer to reveal answers."""
    qw = QuestionWidget(QUESTIONS["choice"], store, learner="ana", hints=False, show_me=False)
    assert qw.show_me_button not in qw.widget.children[2].children
