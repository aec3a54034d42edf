"""Follow-up ladders, the mock interview and self-ratings as notebook widgets.

The rules live in ``interview.py`` and ``calibration.py``; here they are shown: one step at a
time, the next only after an answer, a clock per step that paces without cutting off, the end
of a ladder ("your knowledge ran out here"), the interviewer's scorecard, and the self-rating
asked before a ladder and per topic in ``00-start-here``.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable

import ipywidgets as w

from pmtech.answers import describe_answer
from pmtech.bank import LEVEL_NAMES, Bank, load_bank
from pmtech.interview import STEP_SECONDS, LadderRun, draw_interview, scorecard
from pmtech.ladders import Ladder, Step, load_ladders
from pmtech.outcome import Outcome
from pmtech.progress import ProgressStore, SelfRating, default_learner, default_store
from pmtech.quiz import QuestionWidget, markdown_to_html, styled_heading
from pmtech.studyplan import lesson_of

RATING_OPTIONS = [(str(level), level) for level in range(6)]
RATING_HELP = (
    "0: never heard of it · 1 Name it · 2 Explain it · 3 Trade-offs · 4 Numbers · 5 Engineer's bar"
)
VERDICT_COLOURS = {"below the bar": "#c62828", "at the bar": "#f9a825", "strong": "#2e7d32"}


def clock_text(seconds: int, pace: int) -> str:
    """The step clock: time spent, against the time an interviewer would give it."""
    spent = f"{seconds // 60}:{seconds % 60:02d}"
    aim = f"{pace // 60}:{pace % 60:02d}"
    if seconds <= pace:
        return f"Time on this step: {spent} · aim for about {aim}"
    return (
        f"Time on this step: {spent} · past {aim}: an interviewer would move you on soon "
        "(take your time here)"
    )


class StepClock:
    """A visible clock for one step, ticking once a second from a background thread of the
    kernel (so it runs while the kernel waits for an answer); it paces the learner and
    never cuts them off. It stops when the step is answered, or after an hour."""

    LIMIT = 3600

    def __init__(self, level: int):
        self.pace = STEP_SECONDS[level]
        self.label = w.HTML(clock_text(0, self.pace))
        self.widget = self.label
        self.started = time.monotonic()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def elapsed(self) -> int:
        """Whole seconds since the step was asked."""
        return int(time.monotonic() - self.started)

    def _run(self) -> None:
        while not self._stopped.wait(1.0) and self.elapsed() < self.LIMIT:
            self.label.value = clock_text(self.elapsed(), self.pace)

    def stop(self) -> int:
        """Stop the clock; the seconds it ran."""
        self._stopped.set()
        seconds = self.elapsed()
        self.label.value = clock_text(seconds, self.pace)
        return seconds


def rating_picker(description: str, value: int | None = None) -> w.ToggleButtons:
    """Levels 0-5 as buttons, for a self-rating."""
    return w.ToggleButtons(
        options=RATING_OPTIONS,
        value=value,
        description=description,
        style={"description_width": "initial", "button_width": "34px"},
        tooltips=[RATING_HELP] * 6,
    )


def model_answer_html(step: Step) -> str:
    """The answer at one step, as the end of a ladder shows it."""
    q = step.question
    answer = markdown_to_html(q.answer) if q.kind == "explain" else html.escape(describe_answer(q))
    return (
        f"<p><b>The answer at level {step.level}:</b> {answer}</p>"
        f"<p><b>Why:</b></p>{markdown_to_html(q.explanation)}"
        f"<p class='pmtech-source'><b>Source:</b> {html.escape(q.source)}</p>"
    )


class LadderWidget:
    """One ladder as in an interview: the scenario, a self-rating, then one step at a time,
    stopping at the first step not answered correctly (``practice`` asks all five)."""

    def __init__(
        self,
        ladder: Ladder,
        store: ProgressStore,
        learner: str | None = None,
        bank: Bank | None = None,
        practice: bool = False,
        ask_rating: bool = True,
        on_finish: Callable[[LadderRun], None] | None = None,
    ):
        self.ladder, self.store = ladder, store
        self.learner = learner or default_learner()
        self.bank = bank or load_bank()
        self.run = LadderRun(ladder, practice)
        self.on_finish = on_finish
        self.steps: list[QuestionWidget] = []
        self.clocks: list[StepClock] = []
        self.seconds: list[int] = []
        topic = self.bank.topic(ladder.topic).title
        self.header = w.HTML(
            f"<h4>{html.escape(ladder.title)} <small>({html.escape(topic)})</small></h4>"
            f"<p><b>Interviewer:</b> <i>{html.escape(ladder.scenario)}</i></p>"
        )
        self.body = w.VBox()
        self.end = w.HTML()
        self.widget = w.VBox([styled_heading(), self.header, self.body, self.end])
        if ask_rating:
            self.rating = rating_picker("How deep can you go here?")
            self.start_button = w.Button(description="Start the ladder", button_style="primary")
            self.start_button.on_click(lambda _: self.start())
            self.body.children = [
                w.HTML(
                    f"<p>Before the first question: how deep do you think you can go in "
                    f"<b>{html.escape(topic)}</b>? ({RATING_HELP})</p>"
                ),
                self.rating,
                self.start_button,
            ]
        else:
            self.rating = None
            self._ask(self.run.current)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def start(self) -> None:
        """Save the self-rating (if one was picked) and ask the first step."""
        if self.rating is not None:
            if self.rating.value is not None:
                self.store.record_rating(
                    SelfRating(self.learner, self.ladder.topic, int(self.rating.value),
                               f"ladder:{self.ladder.id}")
                )  # fmt: skip
            self.rating.disabled = True
            self.start_button.disabled = True
        if not self.steps:
            self._ask(self.run.current)

    def _ask(self, step: Step | None) -> None:
        if step is None:
            return
        clock = StepClock(step.level)
        item = QuestionWidget(
            step.question,
            self.store,
            self.learner,
            number=step.level,
            topic_title=self.bank.topic(self.ladder.topic).title,
            restore=False,
            hints=False,
            on_record=self._answered,
        )
        self.steps.append(item)
        self.clocks.append(clock)
        ask = w.HTML(f"<p><b>Follow-up {step.level} of 5:</b> <i>{html.escape(step.ask)}</i></p>")
        self.body.children = (*self.body.children, ask, clock.widget, item.widget)

    def _answered(self, outcome: Outcome) -> None:
        if outcome is Outcome.NOT_ATTEMPTED or self.run.finished:
            return  # a blank Check is a nudge, not an answer; later checks are practice
        self.seconds.append(self.clocks[-1].stop())
        self.steps[-1].check_button.disabled = True
        self.steps[-1].show_me_button.disabled = True
        nxt = self.run.answer(outcome)
        if nxt is not None:
            self._ask(nxt)
            return
        self.end.value = self.summary_html()
        if self.on_finish is not None:
            self.on_finish(self.run)

    def summary_html(self) -> str:
        """What the end of the ladder says: how far it went, where knowledge ran out, the
        answer at that level and the lesson to read."""
        run = self.run
        step = run.ran_out_at
        total = sum(self.seconds)
        timing = f" in {total // 60}:{total % 60:02d}" if self.seconds else ""
        if step is None:
            return (
                f"<div class='pmtech-feedback'><p><b>All five levels held{timing}.</b> That is "
                "an engineer's answer in this topic: next time, say the numbers out loud.</p>"
                "</div>"
            )
        topic = self.bank.topic(self.ladder.topic)
        return (
            "<div class='pmtech-feedback' style='border-left:4px solid #c62828;"
            "background:#ffebee;padding:4px 8px'>"
            f"<p><b>Your knowledge ran out here:</b> follow-up {step.level} of 5, level "
            f"{step.level} ({LEVEL_NAMES[step.level]}). You held level {run.reached}{timing}.</p>"
            f"{model_answer_html(step)}"
            f"<p><b>Read next:</b> {html.escape(lesson_of(topic.area, topic.title))}</p></div>"
        )


class MockInterview:
    """About thirty minutes of ladders drawn across the three areas (depth most), one after
    another, then the interviewer's scorecard; ``New interview`` draws other ladders."""

    def __init__(
        self,
        store: ProgressStore | None = None,
        learner: str | None = None,
        bank: Bank | None = None,
        seed: int | None = None,
    ):
        self.store = store or default_store()
        self.learner = learner or default_learner()
        self.bank = bank or load_bank()
        self.ladders = load_ladders(self.bank)
        self.seed = seed
        self.done_before: list[str] = []
        self.card = w.HTML()
        self.again = w.Button(description="New interview", tooltip="Draw other ladders")
        self.again.on_click(lambda _: self.new_interview())
        self.body = w.VBox()
        self.widget = w.VBox([styled_heading("Mock interview"), self.body, self.card, self.again])
        self.new_interview()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def new_interview(self) -> None:
        """Draw a fresh set of ladders (those not run before first) and start the first."""
        self.plan = draw_interview(self.ladders.values(), self.seed, self.done_before)
        self.seed = None if self.seed is None else self.seed + 1
        self.done_before += [lad.id for lad in self.plan]
        self.runs: list[LadderRun] = []
        self.card.value = ""
        titles = "".join(
            f"<li>{html.escape(self.bank.area(lad.area).title)}: {html.escape(lad.title)}</li>"
            for lad in self.plan
        )
        self.intro = w.HTML(
            f"<p>{len(self.plan)} ladders, about {5 * len(self.plan)} minutes:</p><ol>{titles}</ol>"
        )
        self.current: LadderWidget | None = None
        self.body.children = [self.intro]
        self._next()

    def _next(self) -> None:
        if len(self.runs) == len(self.plan):
            self.card.value = self.scorecard_html()
            return
        ladder = self.plan[len(self.runs)]
        self.current = LadderWidget(
            ladder, self.store, self.learner, self.bank, on_finish=self._finished
        )
        self.body.children = (*self.body.children, self.current.widget)

    def _finished(self, run: LadderRun) -> None:
        self.runs.append(run)
        self._next()

    def scorecard_html(self) -> str:
        """The interviewer's scorecard of the ladders run so far."""
        card = scorecard(self.runs, self.bank)
        rows = []
        for area in card.areas:
            colour = VERDICT_COLOURS[area.verdict]
            evidence = "".join(f"<li>{html.escape(line)}</li>" for line in area.evidence)
            rows.append(
                f"<p><b>{html.escape(area.title)}</b> (bar: level {area.bar}): "
                f"<b style='color:{colour}'>{area.verdict}</b></p><ul>{evidence}</ul>"
            )
        first = "; ".join(html.escape(self.bank.topic(t).title) for t in card.study_first)
        return (
            "<div class='pmtech-feedback' style='border:1px solid #b0bec5;padding:6px 10px'>"
            "<h4>The interviewer's scorecard</h4>" + "".join(rows) + f"<p><b>Study first:</b> "
            f"{first}</p></div>"
        )


class SelfRatingGrid:
    """Per topic, how deep the learner thinks they can go (0-5), saved together; shows the
    latest ratings when it opens."""

    def __init__(
        self,
        store: ProgressStore | None = None,
        learner: str | None = None,
        bank: Bank | None = None,
    ):
        self.store = store or default_store()
        self.learner = learner or default_learner()
        self.bank = bank or load_bank()
        before = self.store.latest_ratings(self.learner)
        self.pickers: dict[str, w.ToggleButtons] = {}
        rows: list[w.Widget] = [styled_heading(), w.HTML(f"<p>{RATING_HELP}</p>")]
        for area in self.bank.areas:
            rows.append(w.HTML(f"<h4>{html.escape(area.title)} (bar: level {area.bar})</h4>"))
            for topic in area.topics:
                picker = rating_picker(topic.title, before.get(topic.id))
                picker.style.description_width = "330px"
                self.pickers[topic.id] = picker
                rows.append(picker)
        self.save_button = w.Button(description="Save my ratings", button_style="primary")
        self.save_button.on_click(lambda _: self.save())
        self.status = w.HTML()
        self.widget = w.VBox([*rows, self.save_button, self.status])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def save(self) -> int:
        """Record a rating for every topic given one; return how many."""
        saved = 0
        for topic, picker in self.pickers.items():
            if picker.value is not None:
                self.store.record_rating(SelfRating(self.learner, topic, int(picker.value)))
                saved += 1
        missing = len(self.pickers) - saved
        self.status.value = (
            f"<p>Saved {saved} ratings."
            + (f" {missing} topics have none yet: rate them when you can." if missing else "")
            + " They are kept apart from your answers; 04-my-knowledge-edge compares them.</p>"
        )
        return saved


def ladder(
    ladder_id: str,
    store: ProgressStore | None = None,
    learner: str | None = None,
    practice: bool = False,
) -> LadderWidget:
    """Notebook helper: the ladder with this id, recorded in the learner's store."""
    bank = load_bank()
    ladders = load_ladders(bank)
    if ladder_id not in ladders:
        raise KeyError(f"no ladder {ladder_id!r}; known: {', '.join(ladders)}")
    return LadderWidget(ladders[ladder_id], store or default_store(), learner, bank, practice)
