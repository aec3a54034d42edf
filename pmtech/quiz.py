"""Self-quiz widgets: render questions with ipywidgets and record every check.

The widgets hold no grading logic: :func:`pmtech.answers.check_answer` judges a response and
:class:`pmtech.progress.ProgressStore` keeps it. Feedback always says in words whether an
answer was right (colour only repeats it), shows the explanation, and offers hints in tiers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from pmtech.answers import (
    EXPLAIN_MIN_WORDS,
    AnswerFormatError,
    check_answer,
    describe_answer,
    explain_pass_mark,
    too_short,
)
from pmtech.bank import LEVEL_NAMES, Bank, Question, load_bank, questions_by_ids
from pmtech.outcome import Outcome
from pmtech.progress import Attempt, ProgressStore, default_learner, default_store

# ipywidgets lays option labels out on one fixed-height line; question options are sentences,
# so let them wrap and grow instead of overlapping. Scoped to the quiz's own class.
_CSS = """<style>
.pmtech-question .widget-radio-box label,
.pmtech-question .widget-checkbox label {
  height: auto; min-height: var(--jp-widgets-inline-height); white-space: normal;
  line-height: 1.4; display: flex; align-items: flex-start; margin: 2px 0; overflow: visible;
}
.pmtech-question .widget-radio-box input, .pmtech-question .widget-checkbox input {
  flex: none; order: -1; margin: 3px 8px 0 0;
}
.pmtech-question .widget-checkbox label { align-items: center; }
.pmtech-question .widget-checkbox input { margin-top: 0; }
.pmtech-question .widget-checkbox { height: auto; width: auto; }
.pmtech-question .widget-html-content { line-height: 1.45; }
.pmtech-question .pmtech-order .widget-html-content { white-space: normal; }
</style>"""

_FEEDBACK = {
    Outcome.CORRECT: ("✔", "Correct.", "#1b5e20", "#e8f5e9"),
    Outcome.INCORRECT: ("✘", "Not quite.", "#b71c1c", "#ffebee"),
    Outcome.NOT_ATTEMPTED: ("○", "Not attempted.", "#37474f", "#eceff1"),
    Outcome.SEEN: ("◇", "Shown, not counted.", "#0d47a1", "#e3f2fd"),
}
_BLANK_NUDGE = {
    "choice": "Pick an option, then press Check.",
    "multi": "Tick every option that applies, then press Check.",
    "number": "Type a number, then press Check.",
    "order": "Move the items into order with ↑ and ↓, then press Check.",
    "explain": "Write your answer in the box first; then grade it against the rubric.",
}


def markdown_to_html(text: str) -> str:
    """A tiny, safe Markdown subset for question text: paragraphs, lists, **bold**,
    *italic* and `code`. Everything else is escaped."""
    out, items = [], []

    def inline(s: str) -> str:
        s = html.escape(s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)
        return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?!\w)", r"<i>\1</i>", s)

    def flush_list() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(re.match(r"\s*[-*] ", ln) for ln in lines):
            items.extend(inline(re.sub(r"^\s*[-*] ", "", ln)) for ln in lines)
            flush_list()
        else:
            flush_list()
            out.append("<p>" + "<br>".join(inline(ln) for ln in lines) + "</p>")
    return "".join(out)


class QuestionWidget:
    """One question as a widget: input, Check, hints, feedback. ``widget`` is what displays.

    ``check()`` is what the Check button calls; tests call it directly after setting the
    input's value. Each check is recorded in the store as one attempt.
    """

    def __init__(
        self,
        question: Question,
        store: ProgressStore,
        learner: str | None = None,
        source: str = "quiz",
        number: int | None = None,
        topic_title: str = "",
        restore: bool = True,
        hints: bool = True,
        on_record: Callable[[Outcome], None] | None = None,
        show_me: bool = True,
    ):
        """``restore`` shows the last saved answer; ``hints`` offers the hint button;
        ``on_record`` is called with each recorded outcome (the diagnostic uses it);
        ``show_me`` offers the button that reveals the answer without counting it."""
        self.question = question
        self.on_record = on_record
        self.store = store
        self.learner = learner or default_learner()
        self.source = source
        self.hints_shown = 0
        self.checks = 0
        self.seen = False  # the answer was shown: later checks are practice
        self.last_outcome: Outcome | None = None
        q = question
        label = f"Question {number}: " if number else ""
        # Every widget is a comm-backed object; shared layouts and merged HTML keep a quiz
        # cheap to render (each Layout or Style instance is one more object in the kernel).
        self._auto = w.Layout(width="auto")
        self.prompt = w.HTML(
            f"<div class='pmtech-q-head'><b>{label}</b>"
            f"<span>{html.escape(topic_title or q.topic)} · level {q.level} "
            f"({LEVEL_NAMES[q.level]})</span></div>{markdown_to_html(q.prompt)}"
        )
        self.input = self._build_input()
        self.check_button = w.Button(
            description="Grade my answer" if q.kind == "explain" else "Check",
            button_style="primary",
            tooltip="Check your answer and record it",
            layout=w.Layout(width="auto", min_width="120px"),
        )
        self.check_button.on_click(lambda _: self.check())
        self.hint_button = w.Button(description=self._hint_label(), tooltip="Show a hint")
        self.hint_button.on_click(lambda _: self.show_hint())
        self.hint_box = w.HTML()
        self.feedback = w.HTML()
        self.review: w.VBox | None = None  # explain: model answer and self-rating, on demand
        self.show_me_button = w.Button(
            description="Show me",
            tooltip="Show the answer and why, without answering: recorded as seen, never as wrong",
        )
        self.show_me_button.on_click(lambda _: self.show_me())
        row = [self.check_button] + ([self.hint_button] if hints else [])
        buttons = w.HBox(row + ([self.show_me_button] if show_me else []))
        self.widget = w.VBox(
            [self.prompt, self.input, buttons, self.hint_box, self.feedback],
            layout=w.Layout(border="1px solid #b0bec5", padding="8px", margin="0 0 12px 0"),
        )
        self.widget.add_class("pmtech-question")
        if restore:
            self._restore_last()

    # -- inputs ---------------------------------------------------------------------------
    def _build_input(self) -> w.Widget:
        q = self.question
        if q.kind == "choice":
            self.choice = w.RadioButtons(
                options=[(opt, i) for i, opt in enumerate(q.options)],
                value=None,
                layout=self._auto,
            )
            return self.choice
        if q.kind == "multi":
            self.boxes = [
                w.Checkbox(value=False, description=opt, indent=False, layout=self._auto)
                for opt in q.options
            ]
            return w.VBox(self.boxes)
        if q.kind == "number":
            self.number = w.Text(placeholder="type a number, e.g. 1200 or 1.2k")
            unit = w.Label(q.unit) if q.unit else w.Label("")
            return w.HBox([self.number, unit])
        if q.kind == "order":
            self.order = list(range(len(q.options)))
            self.moved = False
            self.order_rows = []
            arrow, arrow_style, text_style = w.Layout(width="36px"), w.ButtonStyle(), HTMLStyle()
            for pos in range(len(q.options)):
                text = w.HTML(layout=self._auto, style=text_style)
                up = w.Button(description="↑", tooltip="Move up", layout=arrow, style=arrow_style)
                down = w.Button(
                    description="↓", tooltip="Move down", layout=arrow, style=arrow_style
                )
                up.on_click(lambda _, p=pos: self.move(p, -1))
                down.on_click(lambda _, p=pos: self.move(p, +1))
                self.order_rows.append((text, up, down))
            self._render_order()
            rows = w.VBox(
                [w.HBox([up, down, text], layout=self._auto) for text, up, down in self.order_rows]
            )
            rows.add_class("pmtech-order")
            return rows
        self.text = w.Textarea(
            placeholder="Write your answer as you would say it in the interview…",
            layout=w.Layout(width="100%", height="120px"),
        )
        return self.text

    def move(self, position: int, step: int) -> None:
        """Order questions: move the item at ``position`` up (-1) or down (+1)."""
        target = position + step
        if 0 <= target < len(self.order):
            self.order[position], self.order[target] = self.order[target], self.order[position]
            self.moved = True
            self._render_order()

    def _render_order(self) -> None:
        for pos, (text, up, down) in enumerate(self.order_rows):
            option = html.escape(self.question.options[self.order[pos]])
            text.value = f"<span>{pos + 1}. {option}</span>"
            up.disabled = pos == 0
            down.disabled = pos == len(self.order) - 1

    def response(self):
        """The learner's current response, in the form ``check_answer`` takes."""
        kind = self.question.kind
        if kind == "choice":
            return self.choice.value
        if kind == "multi":
            return [i for i, box in enumerate(self.boxes) if box.value]
        if kind == "number":
            return self.number.value
        if kind == "order":
            return list(self.order) if self.moved else None
        covered = [i for i, box in enumerate(getattr(self, "rubric_boxes", [])) if box.value]
        return {"text": self.text.value, "covered": covered}

    def set_response(self, value) -> None:
        """Put a response into the input (used to restore a saved answer, and by tests)."""
        kind = self.question.kind
        if kind == "choice":
            self.choice.value = value
        elif kind == "multi":
            for i, box in enumerate(self.boxes):
                box.value = i in set(value or ())
        elif kind == "number":
            self.number.value = "" if value is None else str(value)
        elif kind == "order":
            if value is not None:
                self.order = list(value)
                self.moved = True
                self._render_order()
        else:
            self.text.value = (value or {}).get("text", "") if isinstance(value, dict) else ""

    # -- actions --------------------------------------------------------------------------
    def _hint_label(self) -> str:
        total = len(self.question.hints)
        if self.hints_shown >= total:
            return "No more hints"
        return f"Hint {self.hints_shown + 1} of {total}"

    def show_hint(self) -> None:
        """Reveal the next hint tier (hints used are recorded with the next check)."""
        hints = self.question.hints
        if self.hints_shown < len(hints):
            self.hints_shown += 1
            shown = "".join(
                f"<div><b>Hint {i + 1}:</b>{markdown_to_html(h)}</div>"
                for i, h in enumerate(hints[: self.hints_shown])
            )
            self.hint_box.value = f"<div class='pmtech-hint'>{shown}</div>"
        self.hint_button.description = self._hint_label()
        self.hint_button.disabled = self.hints_shown >= len(hints)

    def check(self) -> Outcome | None:
        """Judge the current response, record it and show feedback.

        For explain questions the first press shows the rubric only: the learner ticks the
        points their own answer made *before* seeing the model answer, which appears once the
        self-rating is recorded.
        """
        q = self.question
        if q.kind == "explain" and self.text.value.strip():
            self._show_review()
            return None
        try:
            outcome = check_answer(q, self.response())
        except AnswerFormatError as exc:
            self._show_feedback(None, f"Could not read your answer: {exc}")
            return None
        return self._record(outcome)

    def _show_review(self) -> None:
        q = self.question
        self.rubric_boxes = [
            w.Checkbox(value=False, description=point, indent=False, layout=self._auto)
            for point in q.rubric
        ]
        self.rate_button = w.Button(
            description="Record my self-rating",
            button_style="info",
            layout=w.Layout(width="auto", min_width="120px"),
        )
        self.rate_button.on_click(lambda _: self.rate())
        needed = explain_pass_mark(q)
        if self.review is None:
            self.review = w.VBox()
            self.widget.children = (*self.widget.children[:-1], self.review, self.feedback)
        words = len(self.text.value.split())
        short = (
            f"<p class='pmtech-short'><b>Your answer has {words} words.</b> An answer under "
            f"{EXPLAIN_MIN_WORDS} words earns nothing, whatever you tick: write more, or "
            "record it as it is.</p>"
            if too_short(self.text.value)
            else ""
        )
        self.review.children = [
            w.HTML(
                f"{short}<p><b>Grade your own answer first.</b> Tick each point your answer "
                f"made, in your own words (at least {needed} of {len(q.rubric)} counts as "
                "correct). The model answer appears once you record your grade.</p>"
            ),
            *self.rubric_boxes,
            self.rate_button,
        ]

    def _red_flags_html(self) -> str:
        """Behavioural prompts: what interviewers hear as a warning sign."""
        flags = self.question.red_flags
        if not flags:
            return ""
        items = "".join(f"<li>{html.escape(flag)}</li>" for flag in flags)
        return f"<p><b>Red flags interviewers listen for</b></p><ul>{items}</ul>"

    def show_me(self) -> Outcome:
        """Reveal the answer and its explanation, and record the question as *seen*.

        Seen is never wrong; every later answer to this question is practice, not evidence
        (the edge rule in :mod:`pmtech.edge` leaves it out).
        """
        return self._record(Outcome.SEEN)

    def rate(self) -> Outcome:
        """Explain questions: record the self-rating against the rubric."""
        return self._record(check_answer(self.question, self.response()))

    def _record(self, outcome: Outcome) -> Outcome:
        q = self.question
        answered = outcome.answered
        self.store.record(
            Attempt(
                learner=self.learner,
                question_id=q.id,
                topic=q.topic,
                level=q.level,
                outcome=outcome.value,
                answer=None if outcome is Outcome.SEEN else self.response(),
                hints_used=self.hints_shown,
                source=self.source,
                retry=answered and (self.checks > 0 or self.seen),
            )
        )
        if answered:
            self.checks += 1
        self.seen = self.seen or outcome is Outcome.SEEN
        self.last_outcome = outcome
        self._show_feedback(outcome)
        if self.on_record is not None:
            self.on_record(outcome)
        return outcome

    def _show_feedback(self, outcome: Outcome | None, message: str = "") -> None:
        q = self.question
        if outcome is None:
            icon, word, fg, bg = "!", "Check your input.", "#4e342e", "#fff3e0"
            body = f"<p>{html.escape(message)}</p>"
        else:
            icon, word, fg, bg = _FEEDBACK[outcome]
            if outcome is Outcome.NOT_ATTEMPTED:
                body = (
                    f"<p>{_BLANK_NUDGE[q.kind]} Nothing was counted against you. "
                    "Stuck? <i>Show me</i> reveals the answer without counting it.</p>"
                )
            elif outcome is Outcome.SEEN:
                body = (
                    "<p>Nothing was counted against you. Answers to this question from now on "
                    "are practice, not evidence for your chart.</p>"
                    f"{self._shown_answer_html()}<p><b>Why:</b></p>"
                    f"{markdown_to_html(q.explanation)}"
                    f"<p class='pmtech-source'><b>Source:</b> {html.escape(q.source)}</p>"
                )
            else:
                body = (
                    f"{self._answer_html()}<p><b>Why:</b></p>{markdown_to_html(q.explanation)}"
                    f"<p class='pmtech-source'><b>Source:</b> {html.escape(q.source)}</p>"
                )
        self.feedback.value = (
            f"<div class='pmtech-feedback' role='status' style='border-left:4px solid {fg};"
            f"background:{bg};padding:4px 8px'><p style='color:{fg}'><b>{icon} {word}</b></p>"
            f"{body}</div>"
        )

    def _answer_html(self) -> str:
        """The right answer for the feedback: a list for multi and order questions."""
        q = self.question
        if q.kind == "explain":
            covered = len(self.response()["covered"])
            short = (
                f" Your answer has fewer than {EXPLAIN_MIN_WORDS} words, so it earns nothing."
                if too_short(self.text.value)
                else ""
            )
            return (
                f"<p>You ticked {covered} of {len(q.rubric)} rubric points; "
                f"{explain_pass_mark(q)} count as correct.{short}</p>"
                f"<p><b>Model answer</b></p>{markdown_to_html(q.answer)}{self._red_flags_html()}"
            )
        if q.kind in ("multi", "order"):
            tag = "ol" if q.kind == "order" else "ul"
            items = "".join(f"<li>{html.escape(q.options[i])}</li>" for i in q.answer)
            label = "The right order" if q.kind == "order" else "The right options"
            return f"<p><b>{label}:</b></p><{tag}>{items}</{tag}>"
        return f"<p><b>Answer:</b> {html.escape(describe_answer(q))}</p>"

    def _shown_answer_html(self) -> str:
        """The answer itself, for Show me: the model answer and rubric of an explain question."""
        q = self.question
        if q.kind != "explain":
            return self._answer_html()
        rubric = "".join(f"<li>{html.escape(point)}</li>" for point in q.rubric)
        return (
            f"<p><b>Model answer</b></p>{markdown_to_html(q.answer)}{self._red_flags_html()}"
            f"<p><b>What a strong answer covers</b></p><ul>{rubric}</ul>"
        )

    def _restore_last(self) -> None:
        history = self.store.attempts(self.learner, self.question.id)
        self.seen = any(a.outcome is Outcome.SEEN for a in history)
        last = history[-1] if history else None
        if last is None or last.outcome is Outcome.NOT_ATTEMPTED:
            return
        if last.outcome is Outcome.SEEN:
            when = last.created_at.strftime("%Y-%m-%d %H:%M UTC")
            self.feedback.value = (
                f"<p class='pmtech-last'><i>You asked to see this answer ({when}). "
                "Answering it now is practice, not evidence.</i></p>"
            )
            return
        try:
            self.set_response(last.answer)
        except Exception:  # noqa: BLE001 - an old answer that no longer fits: show it blank
            return
        when = last.created_at.strftime("%Y-%m-%d %H:%M UTC")
        practice = " You had seen the answer, so answering is practice." if self.seen else ""
        self.feedback.value = (
            f"<p class='pmtech-last'><i>Your last answer ({when}) was "
            f"<b>{last.outcome.replace('_', ' ')}</b>. It is saved; check again any time."
            f"{practice}</i></p>"
        )


def styled_heading(title: str = "") -> w.HTML:
    """The quiz stylesheet with an optional heading: put it first in any quiz container."""
    heading = f"<h3>{html.escape(title)}</h3>" if title else ""
    return w.HTML(_CSS + heading)


class Quiz:
    """Several questions shown together; displays as one widget."""

    def __init__(self, items: list[QuestionWidget], title: str = ""):
        self.items = items
        children = [styled_heading(title)]
        self.widget = w.VBox(children + [item.widget for item in items])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def quiz(
    ids: list[str] | str,
    title: str = "",
    store: ProgressStore | None = None,
    learner: str | None = None,
    bank: Bank | None = None,
    source: str = "quiz",
) -> Quiz:
    """A quiz of the questions with these ids (or one id), recorded in the learner's store."""
    bank = bank or load_bank()
    ids = [ids] if isinstance(ids, str) else list(ids)
    store = store or default_store()
    items = [
        QuestionWidget(
            q, store, learner, source=source, number=n, topic_title=bank.topic(q.topic).title
        )
        for n, q in enumerate(questions_by_ids(bank, ids), 1)
    ]
    return Quiz(items, title)
