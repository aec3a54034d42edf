"""The adaptive diagnostic: find where each topic's knowledge runs out with few questions.

No widgets: :mod:`pmtech.diagnostic_ui` puts it on screen. The run itself is pure; only
:func:`saved_run` reads a progress store, to rebuild a run from the answers saved there.

The model. A learner's **edge** in a topic is the highest level e (0-5) they hold; they
hold every level up to e and none above it (0: not even level 1). On a question at level
l they answer right with probability ``1 - SLIP`` when l <= e, and with the question's
guess rate when l > e (one in the number of options for choice, one in 2^n - 1 for multi,
one in n! for order, ``NUMBER_GUESS`` for number). Explain questions are self-rated, so the
diagnostic does not use them.

The method. For the topic in progress it keeps a probability for every possible edge and
updates it with Bayes' rule after each answer. It asks the unasked question whose answer is
expected to leave the least uncertainty (entropy) about the edge, and moves on when one edge
is at least ``CONFIDENCE`` likely, or after ``MAX_PER_TOPIC`` questions, or when the topic
has no question left. Topics of one area are related (someone at level 4 in databases is
rarely at level 1 in caching), so the starting belief for the next topic of an area comes
from a general level for that area, learnt from the answers in its earlier topics through
``KERNEL``. Each run asks a question at most once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pmtech.bank import Bank, Question

EDGES = (0, 1, 2, 3, 4, 5)
SLIP = 0.10
NUMBER_GUESS = 0.02
CONFIDENCE = 0.8
MAX_PER_TOPIC = 5
# How far one topic's edge strays from the learner's general level in its area:
# P(edge = a + d | level a) is proportional to KERNEL[|d|].
KERNEL = (0.4, 0.25, 0.1, 0.05, 0.03, 0.02)
SOURCE = "diagnostic"


def guess_rate(question: Question) -> float:
    """The chance of answering ``question`` right by guessing, under the model above."""
    n = len(question.options)
    if question.kind == "choice":
        return 1 / n
    if question.kind == "multi":
        return 1 / (2**n - 1)
    if question.kind == "order":
        return 1 / math.factorial(n)
    if question.kind == "number":
        return NUMBER_GUESS
    raise ValueError(f"{question.id}: {question.kind} questions are not used by the diagnostic")


def _p_correct(level: int, edge: int, guess: float) -> float:
    return 1 - SLIP if level <= edge else guess


def _normalise(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _entropy(probs: Iterable[float]) -> float:
    return -sum(p * math.log(p) for p in probs if p > 0)


def _likelihood(answers: Iterable[tuple[Question, bool]]) -> list[float]:
    """P(these answers | edge) for every edge."""
    like = [1.0] * len(EDGES)
    for question, correct in answers:
        g = guess_rate(question)
        for e in EDGES:
            p = _p_correct(question.level, e, g)
            like[e] *= p if correct else 1 - p
    return like


def _kernel_matrix() -> list[list[float]]:
    """Row a: P(edge | general level a)."""
    return [_normalise([KERNEL[abs(e - a)] for e in EDGES]) for a in EDGES]


_K = _kernel_matrix()


@dataclass(frozen=True)
class TopicEstimate:
    """The diagnostic's belief about one topic's edge."""

    topic: str
    edge: int
    confidence: float
    asked: int
    finished: bool
    probabilities: tuple[float, ...]


@dataclass
class Diagnostic:
    """One diagnostic run over ``topics`` (in order); feed it answers with :meth:`record`."""

    bank: Bank
    topics: tuple[str, ...]
    confidence: float = CONFIDENCE
    max_per_topic: int = MAX_PER_TOPIC
    answers: dict[str, list[tuple[Question, bool]]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        known = {t.id for t in self.bank.topics()}
        unknown = [t for t in self.topics if t not in known]
        if unknown:
            raise ValueError(f"unknown topic(s): {', '.join(unknown)}")
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if self.max_per_topic < 1:
            raise ValueError(f"max_per_topic must be at least 1, got {self.max_per_topic}")
        self.topics = tuple(t for t in self.topics if self._usable(t))

    @classmethod
    def for_areas(cls, bank: Bank, areas: Iterable[str] | None = None, **options) -> Diagnostic:
        """A run over every topic with questions in ``areas`` (default: all), in rubric order."""
        wanted = set(areas) if areas is not None else {a.id for a in bank.areas}
        unknown = wanted - {a.id for a in bank.areas}
        if unknown:
            raise ValueError(f"unknown area(s): {', '.join(sorted(unknown))}")
        topics = tuple(t.id for t in bank.topics_with_questions() if t.area in wanted)
        return cls(bank, topics, **options)

    def _usable(self, topic: str) -> bool:
        return any(q.kind != "explain" for q in self.bank.for_topic(topic))

    # ------------------------------------------------------------------ beliefs

    def _prior(self, topic: str) -> list[float]:
        """The belief about ``topic``'s edge before its own answers: from its area's level."""
        area = self.bank.area_of(topic).id
        level = [1.0] * len(EDGES)
        # Only earlier topics count, so a finished topic's result never changes afterwards.
        for other in self.topics[: self.topics.index(topic)]:
            if self.bank.area_of(other).id != area:
                continue
            answers = self.answers.get(other)
            if not answers:
                continue
            like = _likelihood(answers)
            for a in EDGES:
                level[a] *= sum(_K[a][e] * like[e] for e in EDGES)
        level = _normalise(level)
        return [sum(level[a] * _K[a][e] for a in EDGES) for e in EDGES]

    def posterior(self, topic: str) -> list[float]:
        """P(edge) for ``topic`` given everything answered so far."""
        prior = self._prior(topic)
        like = _likelihood(self.answers.get(topic, []))
        return _normalise([p * lk for p, lk in zip(prior, like, strict=True)])

    def _asked_ids(self, topic: str) -> set[str]:
        return {q.id for q, _ in self.answers.get(topic, [])}

    def _candidates(self, topic: str) -> list[Question]:
        asked = self._asked_ids(topic) | self.skipped
        return [q for q in self.bank.for_topic(topic) if q.kind != "explain" and q.id not in asked]

    def topic_finished(self, topic: str) -> bool:
        """True when the topic's edge is known well enough, or it has nothing left to ask."""
        asked = len(self.answers.get(topic, []))
        return (
            max(self.posterior(topic)) >= self.confidence
            or asked >= self.max_per_topic
            or not self._candidates(topic)
        )

    # ------------------------------------------------------------------ the run

    def current_topic(self) -> str | None:
        """The first topic not finished yet, or None when the run is complete."""
        return next((t for t in self.topics if not self.topic_finished(t)), None)

    def next_question(self) -> Question | None:
        """The most informative unasked question of the current topic (None: all done)."""
        topic = self.current_topic()
        if topic is None:
            return None
        post = self.posterior(topic)
        best: tuple[float, Question] | None = None
        for q in self._candidates(topic):
            g = guess_rate(q)
            p_right = sum(p * _p_correct(q.level, e, g) for e, p in zip(EDGES, post, strict=True))
            after_right = _normalise([p * _p_correct(q.level, e, g) for e, p in enumerate(post)])
            after_wrong = _normalise(
                [p * (1 - _p_correct(q.level, e, g)) for e, p in enumerate(post)]
            )
            expected = p_right * _entropy(after_right) + (1 - p_right) * _entropy(after_wrong)
            if best is None or expected < best[0] - 1e-12:  # ties: the bank's order
                best = (expected, q)
        return best[1] if best else None

    def record(self, question_id: str, correct: bool) -> None:
        """Add one answer. A question already answered in this run is refused."""
        question = self.bank[question_id]
        if question.topic not in self.topics:
            raise ValueError(f"{question_id} is not in this run's topics")
        if question.kind == "explain":
            raise ValueError(f"{question_id}: explain questions are not used by the diagnostic")
        if question_id in self._asked_ids(question.topic):
            raise ValueError(f"{question_id} was already answered in this run")
        self.answers.setdefault(question.topic, []).append((question, bool(correct)))

    def skip(self, question_id: str) -> None:
        """Leave a question out of this run (the learner chose not to answer it)."""
        self.skipped.add(question_id)

    def estimates(self) -> list[TopicEstimate]:
        """The current belief for every topic that has at least one answer, in run order."""
        out = []
        for topic in self.topics:
            answers = self.answers.get(topic)
            if not answers:
                continue
            post = self.posterior(topic)
            edge = max(EDGES, key=lambda e: post[e])
            out.append(
                TopicEstimate(
                    topic, edge, post[edge], len(answers), self.topic_finished(topic), tuple(post)
                )
            )
        return out

    @property
    def asked(self) -> int:
        """Questions answered in this run."""
        return sum(len(a) for a in self.answers.values())

    @property
    def finished(self) -> bool:
        """True when every topic is finished."""
        return self.current_topic() is None

    # ------------------------------------------------------------------ saved runs

    def replay(self, attempts: Iterable) -> int:
        """Re-apply saved attempts (oldest first); returns how many were used.

        Attempts that were not answered, are retries, belong to other topics or repeat a
        question are left out, so a half-finished run picks up exactly where it stopped.
        """
        used = 0
        for a in attempts:
            if a.outcome not in ("correct", "incorrect") or a.retry:
                continue
            if a.question_id not in self.bank.questions:
                continue
            question = self.bank[a.question_id]
            if question.topic not in self.topics or question.kind == "explain":
                continue
            if question.id in self._asked_ids(question.topic):
                continue
            self.record(question.id, a.outcome == "correct")
            used += 1
        return used


def run_key(learner: str) -> str:
    """The store setting that holds when ``learner``'s current diagnostic run started."""
    return f"diagnostic-run-start:{learner}"


def run_attempts(attempts: Iterable, started: datetime | None) -> list:
    """The diagnostic attempts of the run that started at ``started`` (None: all of them)."""
    return [
        a for a in attempts if a.source == SOURCE and (started is None or a.created_at >= started)
    ]


def run_start(store, learner: str) -> datetime | None:
    """When the learner's current diagnostic run started (None: it spans every answer)."""
    saved = store.setting(run_key(learner))
    if saved is None:
        return None
    try:
        return datetime.fromisoformat(saved)
    except ValueError:
        warnings.warn(
            f"the saved start of the diagnostic run ({saved!r}) is unreadable; "
            "counting every diagnostic answer as one run",
            stacklevel=2,
        )
        return None


def saved_run(store, learner: str, bank: Bank, areas: Iterable[str] | None = None) -> Diagnostic:
    """The learner's current diagnostic run rebuilt from the store (empty if none)."""
    diag = Diagnostic.for_areas(bank, areas)
    diag.replay(run_attempts(store.attempts(learner), run_start(store, learner)))
    return diag
