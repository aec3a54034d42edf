"""The adaptive diagnostic on screen: one question at a time, the result so far always shown.

Every answer is saved to the progress store the moment it is checked (source ``diagnostic``),
and the store also keeps when the current run started and its mode. So stopping halfway, or
closing the notebook, loses nothing: the next ``diagnostic()`` picks the run up where it
stopped. ``diagnostic()`` is the quick mode (every topic within about one level, at most
``QUICK_MAX_QUESTIONS`` questions); ``diagnostic(mode="full")`` goes on to exact edges, keeping
the answers already given.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as w

from pmtech.bank import Bank, load_bank
from pmtech.diagnostic import (
    MODES,
    SECONDS_PER_QUESTION,
    SOURCE,
    Diagnostic,
    TopicEstimate,
    mode_key,
    run_key,
    saved_run,
)
from pmtech.outcome import Outcome
from pmtech.progress import ProgressStore, default_learner, default_store, utc_now
from pmtech.quiz import QuestionWidget, styled_heading

_PAD = " style='padding:2px 12px 2px 0'"


def describe_edge(estimate: TopicEstimate, mode: str = "full") -> str:
    """The estimate in words: which level is held and where knowledge runs out (quick
    mode: about which level, give or take one)."""
    edge = estimate.edge
    if mode == "quick":
        if edge == 0:
            return "about level 0: not yet level 1, or just level 1"
        if edge == 5:
            return "about level 5 (4 or 5)"
        return f"about level {edge} ({edge - 1} to {edge + 1})"
    if edge == 0:
        return "not yet level 1"
    if edge == 5:
        return "holds level 5, the engineer's bar"
    return f"holds level {edge}; runs out at level {edge + 1}"


def _minutes(questions: int) -> int:
    return max(1, round(questions * SECONDS_PER_QUESTION / 60))


def most_questions(diag: Diagnostic) -> int:
    """The most questions the run can ask: its limit, or its topics' limits if fewer."""
    return min(diag.max_questions, diag.max_per_topic * len(diag.topics))


def mode_html(diag: Diagnostic) -> str:
    """What the run's mode does and how long it takes, in a sentence or two."""
    most = most_questions(diag)
    if diag.mode == "quick":
        return (
            f"<p><b>Quick diagnostic</b>: at most {most} questions (about "
            f"{_minutes(most)} minutes), enough to place every topic within "
            "about one level. The practice cells then sharpen it as you go; "
            '<code>diagnostic(mode="full")</code> goes on to exact edges now, keeping '
            "these answers.</p>"
        )
    return (
        f"<p><b>Full diagnostic</b>: exact edges, with at most {most} questions "
        f"(about {_minutes(most)} minutes; usually a little fewer). "
        "Answers you already gave in a quick run count.</p>"
    )


def result_table_html(diag: Diagnostic) -> str:
    """An HTML table of the run's estimates (finished and in-progress topics)."""
    rows = []
    quick = diag.mode == "quick"
    # A finished quick run places every topic, the unasked ones from their area alone.
    for est in diag.estimates(every_topic=quick and diag.finished):
        topic = diag.bank.topic(est.topic)
        area = diag.bank.area(topic.area)
        below = " <b>(below the bar)</b>" if est.finished and est.edge < area.bar else ""
        status = "done" if est.finished else "in progress"
        sure = est.within_one if quick else est.confidence
        rows.append(
            f"<tr><td{_PAD}>{html.escape(area.title)}</td><td{_PAD}>{html.escape(topic.title)}</td>"
            f"<td{_PAD}>{html.escape(describe_edge(est, diag.mode))}{below}</td>"
            f"<td{_PAD}>{sure:.0%}</td><td{_PAD}>{est.asked}</td>"
            f"<td{_PAD}>{status}</td></tr>"
        )
    if not rows:
        return "<p><i>No diagnostic answers yet.</i></p>"
    confidence = "Confidence (within one level)" if quick else "Confidence"
    head = "".join(
        f"<th style='text-align:left;padding:2px 12px 2px 0'>{h}</th>"
        for h in ("Area", "Topic", "Estimate", confidence, "Questions", "Status")
    )
    done = sum(1 for t in diag.topics if diag.topic_finished(t))
    answered = f"{diag.asked} question{'' if diag.asked == 1 else 's'} answered"
    if not diag.finished:
        answered += f" (at most {most_questions(diag)})"
    return (
        f"<p><b>Result so far:</b> {done} of {len(diag.topics)} topics done, {answered}.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class DiagnosticView:
    """The diagnostic as a widget. ``widget`` is what displays; tests drive it directly."""

    def __init__(
        self,
        areas: Iterable[str] | None = None,
        store: ProgressStore | None = None,
        learner: str | None = None,
        bank: Bank | None = None,
        restart: bool = False,
        mode: str = "quick",
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.bank = bank or load_bank()
        self.store = store or default_store()
        self.learner = learner or default_learner()
        areas = list(areas) if areas is not None else None
        if restart:
            self.store.save_setting(run_key(self.learner), utc_now().isoformat())
        self.store.save_setting(mode_key(self.learner), mode)
        self.diag = saved_run(self.store, self.learner, self.bank, areas, mode=mode)
        resumed = ""
        if self.diag.asked:
            resumed = (
                f"<p><i>Picked up your earlier run: {self.diag.asked} answers kept. "
                "Use <code>diagnostic(restart=True)</code> to start a fresh one.</i></p>"
            )
        self.current: QuestionWidget | None = None
        self.notice = w.HTML(resumed)
        self.status = w.HTML()
        self.slot = w.VBox()
        wide = w.Layout(width="auto", min_width="140px")
        self.next_button = w.Button(
            description="Next question", button_style="primary", layout=wide
        )
        self.skip_button = w.Button(description="Skip this one", layout=wide)
        self.stop_button = w.Button(description="Stop and show my result", layout=wide)
        self.next_button.on_click(lambda _: self.show_next())
        self.skip_button.on_click(lambda _: self.skip())
        self.stop_button.on_click(lambda _: self.stop())
        self.result = w.HTML(result_table_html(self.diag))
        buttons = w.HBox([self.next_button, self.skip_button, self.stop_button])
        self.widget = w.VBox(
            [
                styled_heading("Diagnostic"),
                w.HTML(mode_html(self.diag)),
                self.notice,
                self.status,
                self.slot,
                buttons,
                self.result,
            ]
        )
        self.show_next()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def show_next(self) -> None:
        """Show the most informative next question, or the final result when all are done."""
        question = self.diag.next_question()
        if question is None:
            self.current = None
            self.slot.children = ()
            more = (
                "Each topic is placed within about one level; the practice cells sharpen "
                'it as you answer, and <code>diagnostic(mode="full")</code> goes on to '
                "exact edges now. "
                if self.diag.mode == "quick"
                else ""
            )
            self.status.value = (
                "<p><b>Diagnostic complete.</b> Your result is below; the chart in "
                f"<code>04-my-knowledge-edge</code> builds your study plan from it. {more}"
                "<code>diagnostic(restart=True)</code> starts a fresh run.</p>"
            )
            for b in (self.next_button, self.skip_button, self.stop_button):
                b.disabled = True
            self.result.value = result_table_html(self.diag)
            return
        topic = self.bank.topic(question.topic)
        self.current = QuestionWidget(
            question,
            self.store,
            self.learner,
            source=SOURCE,
            number=self.diag.asked + 1,
            topic_title=topic.title,
            restore=False,
            hints=False,
            show_me=False,
            on_record=self._recorded,
        )
        self.slot.children = (self.current.widget,)
        self.status.value = (
            f"<p>Topic <b>{html.escape(topic.title)}</b>: answer, press Check, then "
            "<i>Next question</i>. Unsure? Skip it rather than guess.</p>"
        )
        self.next_button.disabled = True
        self.next_button.description = "Next question"
        self.skip_button.disabled = False

    def _recorded(self, outcome: Outcome) -> None:
        """Called by the question widget after it saved an answer."""
        if outcome is Outcome.NOT_ATTEMPTED or self.current is None:
            return
        qid = self.current.question.id
        if qid in {q.id for q, _ in self.diag.answers.get(self.current.question.topic, [])}:
            return  # a second press of Check is practice, not a new answer
        self.diag.record(qid, outcome is Outcome.CORRECT)
        self.current.check_button.disabled = True
        self.next_button.disabled = False
        self.skip_button.disabled = True
        self.result.value = result_table_html(self.diag)

    def skip(self) -> None:
        """Leave the current question out of this run and move on."""
        if self.current is not None:
            self.diag.skip(self.current.question.id)
        self.show_next()

    def stop(self) -> None:
        """Stop here: every answer is already saved; show the partial result."""
        self.slot.children = ()
        self.current = None
        self.next_button.disabled = False
        self.next_button.description = "Continue"
        self.status.value = (
            "<p><b>Stopped.</b> Your answers are saved. Press <i>Continue</i>, or run this "
            "cell again later, to carry on from here.</p>"
        )
        self.result.value = result_table_html(self.diag)


def diagnostic(
    areas: Iterable[str] | str | None = None,
    restart: bool = False,
    mode: str = "quick",
    **kwargs,
):
    """Show the adaptive diagnostic for ``areas`` (an id, a list, or all areas).

    ``mode="quick"`` (the default) places every topic within about one level with at most
    ``QUICK_MAX_QUESTIONS`` questions; ``mode="full"`` finds exact edges with more. Both go
    on with the current run (its answers count); ``restart=True`` starts a fresh one."""
    if isinstance(areas, str):
        areas = [areas]
    return DiagnosticView(areas=areas, restart=restart, mode=mode, **kwargs)


def show_saved_result(
    store: ProgressStore | None = None, learner: str | None = None, bank: Bank | None = None
) -> w.HTML:
    """The learner's latest diagnostic result (finished or partial) as a widget."""
    bank = bank or load_bank()
    store = store or default_store()
    diag = saved_run(store, learner or default_learner(), bank)
    return w.HTML(result_table_html(diag))
