"""Practice at your edge: each topic section ends with a cell that serves that topic's next
questions where the learner's knowledge runs out.

:func:`next_practice` is pure (attempts in, question ids out); :func:`practice` puts its
choice on screen as a quiz with a *Next questions* button, recording answers like any quiz,
so the chart moves. The order, for one topic:

1. questions never answered (nor shown) at the level where knowledge runs out (the first
   level not held; where the quizzes have no evidence yet, the diagnostic's belief, refined by
   every answer since, stands in), lowest such level first;
2. questions of the topic due for spaced review (:func:`pmtech.studyplan.review_schedule`);
3. questions never answered at the other levels, nearest to that level first.

When every question has been answered and nothing is due, the cell says so and offers the
questions last answered wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pmtech.bank import Bank, load_bank
from pmtech.edge import Status, topic_edges
from pmtech.outcome import Outcome
from pmtech.studyplan import review_schedule

PER_ROUND = 3


def practice_level(
    attempts: list, topic: str, bank: Bank, diagnostic_edge: int | None = None
) -> int:
    """The level to practise: where knowledge runs out (1-5), from quizzes or the diagnostic."""
    edge = topic_edges(attempts, [topic], open_questions=bank.open_question_ids())[topic]
    gap = edge.runs_out_at
    if gap is None:
        return 5
    if edge.status(gap) is Status.UNKNOWN and diagnostic_edge is not None:
        return max(gap, min(5, diagnostic_edge + 1))
    return gap


def next_practice(
    topic: str,
    attempts: Iterable,
    bank: Bank,
    now: datetime,
    per_round: int = PER_ROUND,
    diagnostic_edge: int | None = None,
) -> list[str]:
    """The next ``per_round`` question ids to practise in ``topic`` (see the module's order)."""
    attempts = [a for a in attempts if a.topic == topic]
    questions = [q for q in bank.questions.values() if q.topic == topic]
    touched = {a.question_id for a in attempts if a.outcome is not Outcome.NOT_ATTEMPTED}
    level = practice_level(attempts, topic, bank, diagnostic_edge)
    fresh = [q for q in questions if q.id not in touched]
    chosen = [q.id for q in fresh if q.level == level]
    due = [r.question_id for r in review_schedule(attempts, bank) if r.due <= now]
    chosen += [qid for qid in due if qid not in chosen]
    others = sorted(
        (q for q in fresh if q.level != level),
        key=lambda q: (abs(q.level - level), q.level < level, q.level),
    )
    chosen += [q.id for q in others]
    return chosen[:per_round]


def last_wrong(topic: str, attempts: Iterable, bank: Bank) -> list[str]:
    """Questions of ``topic`` whose latest counted answer was wrong, for a round of repair."""
    latest = {}
    for a in sorted(attempts, key=lambda a: a.created_at):
        if a.topic == topic and a.outcome.answered:
            latest[a.question_id] = a.outcome
    return [qid for qid, o in latest.items() if o is Outcome.INCORRECT and qid in bank.questions]


class Practice:
    """A practice cell: a quiz of the topic's next questions and a button for the next round."""

    def __init__(self, topic: str, store=None, learner: str | None = None, bank=None, n=PER_ROUND):
        import ipywidgets as w

        from pmtech.progress import default_store
        from pmtech.quiz import styled_heading

        self.bank = bank or load_bank()
        self.topic = self.bank.topic(topic)
        self.store = store or default_store()
        self.learner = learner
        self.per_round = n
        self.status = w.HTML()
        self.slot = w.VBox()
        self.next_button = w.Button(
            description="Next questions",
            button_style="primary",
            tooltip="Serve the next questions at the level where your knowledge runs out",
        )
        self.next_button.on_click(lambda _: self.refresh())
        heading = styled_heading(f"Practice at your edge: {self.topic.title}")
        self.widget = w.VBox([heading, self.status, self.slot, self.next_button])
        self.refresh()

    def _attempts(self):
        from pmtech.progress import default_learner

        return self.store.attempts(self.learner or default_learner())

    def _diagnostic_edge(self) -> int | None:
        """The diagnostic's current belief about this topic (its run and every answer since),
        or None when nothing has been answered in the topic yet."""
        from pmtech.diagnostic import saved_beliefs
        from pmtech.progress import default_learner

        try:
            belief = saved_beliefs(self.store, self.learner or default_learner(), self.bank)
        except Exception:  # noqa: BLE001 - a diagnostic that cannot be read only loses a hint
            return None
        topic = belief.get(self.topic.id)
        return topic.edge if topic is not None and topic.answers else None

    def refresh(self) -> list[str]:
        """Choose and show the next round; returns the ids shown."""
        from pmtech.progress import utc_now
        from pmtech.quiz import QuestionWidget

        attempts = self._attempts()
        ids = next_practice(
            self.topic.id,
            attempts,
            self.bank,
            utc_now(),
            self.per_round,
            self._diagnostic_edge(),
        )
        if ids:
            level = self.bank[ids[0]].level
            self.status.value = (
                f"<p>Level {level} questions come first: that is where your knowledge of "
                f"{self.topic.title} runs out, as far as your answers show. Answer them, then "
                "press <i>Next questions</i>.</p>"
            )
        else:
            ids = last_wrong(self.topic.id, attempts, self.bank)[: self.per_round]
            self.status.value = (
                "<p>You have answered every question of this topic and nothing is due for "
                + ("review. These are the ones you last got wrong.</p>" if ids else "review.</p>")
            )
        self.items = [
            QuestionWidget(
                self.bank[qid],
                self.store,
                self.learner,
                number=n,
                topic_title=self.topic.title,
                restore=False,
            )
            for n, qid in enumerate(ids, 1)
        ]
        self.slot.children = [item.widget for item in self.items]
        return ids

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def practice(topic: str, n: int = PER_ROUND, store=None, learner=None, bank=None) -> Practice:
    """A practice cell for ``topic`` (a topic id from the bank), ``n`` questions a round."""
    return Practice(topic, store=store, learner=learner, bank=bank, n=n)
