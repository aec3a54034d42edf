"""The adaptive diagnostic on screen: one question at a time, the result so far always shown.

Every answer is saved to the progress store the moment it is checked (source ``diagnostic``),
and the store also keeps when the current run started. So stopping halfway, or closing the
notebook, loses nothing: the next ``diagnostic()`` picks the run up where it stopped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as w

from pmtech.answers import Outcome
from pmtech.bank import Bank, load_bank
from pmtech.diagnostic import SOURCE, Diagnostic, TopicEstimate, run_key, saved_run
from pmtech.progress import ProgressStore, default_learner, utc_now
from pmtech.quiz import QuestionWidget, default_store, styled_heading

_PAD = " style='padding:2px 12px 2px 0'"


def describe_edge(estimate: TopicEstimate) -> str:
    """The estimate in words: which level is held and where knowledge runs out."""
    if estimate.edge == 0:
        return "not yet level 1"
    if estimate.edge == 5:
        return "holds level 5, the engineer's bar"
    return f"holds level {estimate.edge}; runs out at level {estimate.edge + 1}"


def result_table_html(diag: Diagnostic) -> str:
    """An HTML table of the run's estimates (finished and in-progress topics)."""
    rows = []
    for est in diag.estimates():
        topic = diag.bank.topic(est.topic)
        area = diag.bank.area(topic.area)
        below = " <b>(below the bar)</b>" if est.finished and est.edge < area.bar else ""
        status = "done" if est.finished else "in progress"
        rows.append(
            f"<tr><td{_PAD}>{html.escape(area.title)}</td><td{_PAD}>{html.escape(topic.title)}</td>"
            f"<td{_PAD}>{html.escape(describe_edge(est))}{below}</td>"
            f"<td{_PAD}>{est.confidence:.0%}</td><td{_PAD}>{est.asked}</td>"
            f"<td{_PAD}>{status}</td></tr>"
        )
    if not rows:
        return "<p><i>No diagnostic answers yet.</i></p>"
    head = "".join(
        f"<th style='text-align:left;padding:2px 12px 2px 0'>{h}</th>"
        for h in ("Area", "Topic", "Estimate", "Confidence", "Questions", "Status")
    )
    done = sum(1 for t in diag.topics if diag.topic_finished(t))
    answered = f"{diag.asked} question{'' if diag.asked == 1 else 's'} answered"
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
    ):
        self.bank = bank or load_bank()
        self.store = store or default_store()
        self.learner = learner or default_learner()
        areas = list(areas) if areas is not None else None
        if restart:
            self.store.save_setting(run_key(self.learner), utc_now().isoformat())
        self.diag = saved_run(self.store, self.learner, self.bank, areas)
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
            self.status.value = (
                "<p><b>Diagnostic complete.</b> Your result is below; the chart in "
                "<code>04-my-knowledge-edge</code> builds your study plan from it. "
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


def diagnostic(areas: Iterable[str] | str | None = None, restart: bool = False, **kwargs):
    """Show the adaptive diagnostic for ``areas`` (an id, a list, or all areas)."""
    if isinstance(areas, str):
        areas = [areas]
    return DiagnosticView(areas=areas, restart=restart, **kwargs)


def show_saved_result(
    store: ProgressStore | None = None, learner: str | None = None, bank: Bank | None = None
) -> w.HTML:
    """The learner's latest diagnostic result (finished or partial) as a widget."""
    bank = bank or load_bank()
    store = store or default_store()
    diag = saved_run(store, learner or default_learner(), bank)
    return w.HTML(result_table_html(diag))
