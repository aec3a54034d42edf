"""The adaptive diagnostic: find where each topic's knowledge runs out with few questions.

No widgets: :mod:`pmtech.diagnostic_ui` puts it on screen. The run itself is pure; only
:func:`saved_run` and :func:`saved_beliefs` read a progress store, to rebuild a run (or the
current belief) from the answers saved there.

The model. A learner has an **edge** in each topic (0-5): they hold every level of the topic
up to its edge and none above it (0: not even level 1). On a question at level l they answer
right with probability ``1 - SLIP`` when l <= edge, and with the question's guess rate when
l > edge (one in the number of options for choice, one in 2^n - 1 for multi, one in n! for
order, ``NUMBER_GUESS`` for number). Explain questions are self-rated, so the diagnostic does
not use them. Topics of one area are related: the learner has a general **level** in each
area, and a share w of their topics (their *relatedness*, one of ``RELATEDNESS``) have an
edge near it, P(edge = level + d) proportional to ``KERNEL[|d|]``; the others are anywhere
(0-5, each as likely). The area levels and w are not asked for: they are learnt from the
answers, like the edges.

The belief. Given the answers so far, every topic's edge has a probability for each of 0-5,
by Bayes' rule on that model, exactly: the answers of every topic inform the area's level
and the learner's relatedness, and these inform every other topic. So the first answers in
an area place its level, and that level is the starting belief of its other topics; a
learner whose topics turn out unrelated gets a flat starting belief instead.

The two modes. Both ask one question per topic first (in run order, so the first answers of
each area place its level before its later topics are asked), then give each further
question to the unfinished topic whose edge is least sure. For a topic they ask the unasked
question expected to help most.

- ``quick`` (the notebook's default, ``diagnostic()``): at most ``QUICK_MAX_QUESTIONS``
  questions (about 20 minutes at ``SECONDS_PER_QUESTION`` each) and ``QUICK_MAX_PER_TOPIC``
  per topic; a topic is done when its edge is ``QUICK_CONFIDENCE`` likely to be within one
  level of the estimate. The estimate is the middle of the most likely three levels.
- ``full`` (the default of a :class:`Diagnostic` built in code, as before): exact edges,
  with at most ``FULL_SHARE_OF_BANK`` of the questions the diagnostic can ask in the whole
  bank (:func:`full_mode_limit`) and ``FULL_MAX_PER_TOPIC`` per topic; a topic is done when
  its most likely edge is ``FULL_CONFIDENCE`` likely. Questions are chosen to leave the
  least uncertainty (entropy); the estimate is the most likely edge.

A run asks a question at most once. Its state is its answers and the questions skipped, so
replaying the saved answers rebuilds it exactly (also a run saved before there were modes).
The mode only decides what to ask next and when to stop, so a run can go on in the other
mode: a quick run continued in full mode keeps its answers.

After the run the learner practises. :func:`beliefs` gives the current belief per topic from
the run's answers and every later answer (quizzes, practice cells, exercises), with the same
model: the practice cells use it. It is the diagnostic's estimate, not the knowledge-edge
rule of :mod:`pmtech.edge` (which wants more evidence per level, and a correct open answer at
levels 4 and 5), so the chart may show a lower edge until that evidence is in.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pmtech.bank import Bank, Question
from pmtech.outcome import Outcome

EDGES = (0, 1, 2, 3, 4, 5)
SLIP = 0.15
NUMBER_GUESS = 0.02
# How far a topic's edge strays from the learner's level in its area. A share w of the
# learner's topics are related: P(edge = a + d | level a) is proportional to KERNEL[|d|]
# (0 beyond it); the others are anywhere (uniform 0-5). w is learnt from the answers: the
# learner's relatedness is one of RELATEDNESS, each as likely beforehand.
KERNEL = (2, 1)
RELATEDNESS = (0.0, 0.5, 0.8, 0.9, 0.97)
SOURCE = "diagnostic"
MODES = ("quick", "full")

QUICK_MAX_QUESTIONS = 40
QUICK_CONFIDENCE = 0.9  # P(the edge is within one level of the estimate)
QUICK_MAX_PER_TOPIC = 2

FULL_SHARE_OF_BANK = 0.25
FULL_CONFIDENCE = 0.9  # P(the edge is exactly the estimate)
FULL_MAX_PER_TOPIC = 8

# Old names, kept for callers: the full mode's thresholds.
CONFIDENCE = FULL_CONFIDENCE
MAX_PER_TOPIC = FULL_MAX_PER_TOPIC

# The belief after the run (see beliefs): per topic and level only the latest answers count,
# and a right answer given with hints is weak evidence (as likely by luck as this).
BELIEF_WINDOW = 4
HINTED_GUESS = 0.5
SECONDS_PER_QUESTION = 30  # for the wording of how long a mode takes


def guess_rate(question: Question, ruled_out: int = 0) -> float:
    """The chance of answering ``question`` right by guessing, under the model above, for a
    learner who first rules out ``ruled_out`` options (the benchmark's simulated learners)."""
    n = len(question.options) - ruled_out
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


@functools.lru_cache(maxsize=4096)
def _answer_likelihood(level: int, guess: float, correct: bool) -> tuple[float, ...]:
    """P(this answer | edge) for every edge."""
    return tuple(
        _p_correct(level, e, guess) if correct else 1 - _p_correct(level, e, guess) for e in EDGES
    )


def _normalise(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _split_entropy(joint: Sequence[float]) -> float:
    """P(outcome) times the entropy of P(edge | outcome), from P(edge and outcome)."""
    total = sum(joint)
    if total <= 0:
        return 0.0
    return -sum(x * math.log(x / total) for x in joint if x > 0)


def _within_one(probs: Sequence[float]) -> list[float]:
    """P(|edge - c| <= 1) for every candidate estimate c."""
    return [sum(probs[max(0, c - 1) : c + 2]) for c in EDGES]


def _likelihood(answers: Iterable[tuple[Question, bool]]) -> list[float]:
    """P(these answers | edge) for every edge."""
    return _evidence_likelihood((q.level, guess_rate(q), c) for q, c in answers)


def _evidence_likelihood(evidence: Iterable[tuple[int, float, bool]]) -> list[float]:
    """P(these (level, guess rate, correct) answers | edge), scaled so that its largest is 1."""
    like = [1.0] * len(EDGES)
    for level, guess, correct in evidence:
        one = _answer_likelihood(level, guess, bool(correct))
        like = [x * y for x, y in zip(like, one, strict=True)]
        top = max(like)
        like = [x / top for x in like]
    return like


def _near_matrix() -> list[list[float]]:
    """Row a: P(edge | area level a) for a related topic."""
    return [
        _normalise([KERNEL[abs(e - a)] if abs(e - a) < len(KERNEL) else 0 for e in EDGES])
        for a in EDGES
    ]


_NEAR = _near_matrix()


def _posteriors(
    likelihoods: dict[str, list[float]], area_of: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """P(level) of every area and P(edge) of every topic, given each topic's likelihood.

    The hidden state is the learner's relatedness w (one of ``RELATEDNESS``, shared by
    every area) and each area's level a: P(edge | w, a) = w NEAR[a] + (1 - w) / 6. Each
    topic's answers are a message about its area's (w, a); the belief about a topic is its
    own answers times what every other answer says about its (w, a)."""
    n, weights = len(EDGES), RELATEDNESS
    messages: dict[str, list[float] | None] = {}
    joint: dict[str, list[float]] = {}  # per area: P(its answers | w, a), scaled; index i*n+a
    for topic, like in likelihoods.items():
        area = joint.setdefault(area_of[topic], [1.0] * (len(weights) * n))
        if min(like) == max(like):
            messages[topic] = None  # no answers: the same for every state
            continue
        near = [sum(k * lk for k, lk in zip(row, like, strict=True)) for row in _NEAR]
        flat = sum(like) / n
        m = [w * x + (1 - w) * flat for w in weights for x in near]
        messages[topic] = m
        area[:] = [x * y for x, y in zip(area, m, strict=True)]
        top = max(area)
        area[:] = [x / top for x in area]

    def by_weight(area_joint: Sequence[float]) -> list[float]:
        return [sum(area_joint[i * n : (i + 1) * n]) for i in range(len(weights))]

    totals = {area: by_weight(j) for area, j in joint.items()}
    everything = [1.0] * len(weights)
    for z in totals.values():
        everything = _normalise([x * y for x, y in zip(everything, z, strict=True)])
    # P(w | the answers of every other area), up to a constant
    outside = {
        area: [x / z for x, z in zip(everything, totals[area], strict=True)] for area in joint
    }
    levels = {
        area: _normalise(
            [sum(outside[area][i] * j[i * n + a] for i in range(len(weights))) for a in EDGES]
        )
        for area, j in joint.items()
    }
    posteriors = {}
    for topic, like in likelihoods.items():
        area, m = area_of[topic], messages[topic]
        j = joint[area]
        rest = j if m is None else [x / y for x, y in zip(j, m, strict=True)]
        out = outside[area]
        to_near = [0.0] * n  # weight of NEAR[a] in the prior
        to_flat = 0.0
        for i, w in enumerate(weights):
            for a in EDGES:
                c = out[i] * rest[i * n + a]
                to_near[a] += c * w
                to_flat += c * (1 - w)
        prior = [to_flat / n + sum(to_near[a] * _NEAR[a][e] for a in EDGES) for e in EDGES]
        posteriors[topic] = _normalise([p * lk for p, lk in zip(prior, like, strict=True)])
    return levels, posteriors


def full_mode_limit(bank: Bank) -> int:
    """The most questions a full run asks: ``FULL_SHARE_OF_BANK`` of the questions the
    diagnostic can ask in the whole bank (so a run over one area is bound by its topics'
    ``FULL_MAX_PER_TOPIC`` instead)."""
    usable = sum(1 for q in bank.questions.values() if q.kind != "explain")
    return max(1, int(usable * FULL_SHARE_OF_BANK))


@dataclass(frozen=True)
class TopicEstimate:
    """The diagnostic's belief about one topic's edge.

    ``edge`` is the run's estimate: in full mode the most likely edge, in quick mode the
    middle of the most likely three levels. ``confidence`` is the probability that it is
    exact, ``within_one`` that the true edge is at most one level from it, and
    ``probabilities`` P(edge) for 0-5."""

    topic: str
    edge: int
    confidence: float
    asked: int
    finished: bool
    probabilities: tuple[float, ...]
    within_one: float = 0.0


def _estimate(
    topic: str, post: Sequence[float], asked: int, finished: bool, within: bool = False
) -> TopicEstimate:
    """The point estimate: the most likely edge, or (``within``) the edge most likely to be
    within one level of the truth (the middle of the most likely three levels)."""
    near = _within_one(post)
    edge = max(EDGES, key=lambda e: near[e] if within else post[e])
    return TopicEstimate(topic, edge, post[edge], asked, finished, tuple(post), near[edge])


@dataclass
class Diagnostic:
    """One diagnostic run over ``topics`` (in order); feed it answers with :meth:`record`.

    ``mode`` is ``"quick"`` or ``"full"`` (see the module; the notebook's ``diagnostic()``
    starts quick, a run built here is full unless told); ``confidence``, ``max_per_topic``
    and ``max_questions`` default to the mode's values."""

    bank: Bank
    topics: tuple[str, ...]
    confidence: float | None = None
    max_per_topic: int | None = None
    answers: dict[str, list[tuple[Question, bool]]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    mode: str = "full"
    max_questions: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        known = {t.id for t in self.bank.topics()}
        unknown = [t for t in self.topics if t not in known]
        if unknown:
            raise ValueError(f"unknown topic(s): {', '.join(unknown)}")
        quick = self.mode == "quick"
        if self.confidence is None:
            self.confidence = QUICK_CONFIDENCE if quick else FULL_CONFIDENCE
        if self.max_per_topic is None:
            self.max_per_topic = QUICK_MAX_PER_TOPIC if quick else FULL_MAX_PER_TOPIC
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if self.max_per_topic < 1:
            raise ValueError(f"max_per_topic must be at least 1, got {self.max_per_topic}")
        by_topic: dict[str, list[Question]] = {t: [] for t in self.topics}
        for q in self.bank.questions.values():
            if q.topic in by_topic and q.kind != "explain":
                by_topic[q.topic].append(q)
        self._usable_questions = by_topic
        self._guess = {q.id: guess_rate(q) for qs in by_topic.values() for q in qs}
        self._best_cache: dict[tuple, Question | None] = {}
        self.topics = tuple(t for t in self.topics if by_topic[t])
        if self.max_questions is None:
            self.max_questions = QUICK_MAX_QUESTIONS if quick else full_mode_limit(self.bank)
        if self.max_questions < 1:
            raise ValueError(f"max_questions must be at least 1, got {self.max_questions}")
        self._area_of = {t: self.bank.area_of(t).id for t in self.topics}
        self._cache: tuple | None = None
        self._version = 0

    @classmethod
    def for_areas(cls, bank: Bank, areas: Iterable[str] | None = None, **options) -> Diagnostic:
        """A run over every topic with questions in ``areas`` (default: all), in rubric order."""
        wanted = set(areas) if areas is not None else {a.id for a in bank.areas}
        unknown = wanted - {a.id for a in bank.areas}
        if unknown:
            raise ValueError(f"unknown area(s): {', '.join(sorted(unknown))}")
        topics = tuple(t.id for t in bank.topics_with_questions() if t.area in wanted)
        return cls(bank, topics, **options)

    # ------------------------------------------------------------------ beliefs

    def _key(self) -> tuple[int, int]:
        """Changes whenever an answer is added."""
        return self._version, sum(map(len, self.answers.values()))

    def _state(self) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        key = self._key()
        if self._cache is None or self._cache[0] != key:
            likes = {t: _likelihood(self.answers.get(t, [])) for t in self.topics}
            self._cache = (key, *_posteriors(likes, self._area_of))
        return self._cache[1], self._cache[2]

    def posterior(self, topic: str) -> list[float]:
        """P(edge) for ``topic`` given everything answered so far."""
        return list(self._state()[1][topic])

    def area_level(self, area: str) -> list[float]:
        """P(general level) of ``area`` given everything answered so far."""
        return list(self._state()[0][area])

    def _sure(self, topic: str) -> float:
        """How sure the run is of ``topic``'s edge, in the mode's sense."""
        return self._placed(self.posterior(topic))

    def _asked_ids(self, topic: str) -> set[str]:
        return {q.id for q, _ in self.answers.get(topic, ())}

    def _candidates(self, topic: str) -> list[Question]:
        asked = self._asked_ids(topic) | self.skipped
        return [q for q in self._usable_questions[topic] if q.id not in asked]

    def _out_of_questions(self) -> bool:
        return self.asked >= self.max_questions

    def topic_finished(self, topic: str) -> bool:
        """True when the run has nothing more to ask about the topic: its edge is known well
        enough, it had the most questions a topic gets, none is left, or the run is over."""
        asked = len(self.answers.get(topic, []))
        return (
            self._out_of_questions()
            or asked >= self.max_per_topic
            or not self._candidates(topic)
            or (asked > 0 and self._sure(topic) >= self.confidence)
        )

    # ------------------------------------------------------------------ the run

    def current_topic(self) -> str | None:
        """The topic the next question is about, or None when the run is complete.

        First one question for every topic, in run order; then the unfinished topic whose
        edge is least sure, in the mode's sense (ties: run order)."""
        if self._out_of_questions():
            return None
        for topic in self.topics:
            if not self.answers.get(topic) and self._candidates(topic):
                return topic
        open_topics = [t for t in self.topics if not self.topic_finished(t)]
        if not open_topics:
            return None
        return min(open_topics, key=self._sure)

    def _outcomes(
        self, post: Sequence[float], question: Question
    ) -> tuple[list[float], list[float]]:
        """P(edge and a right answer), P(edge and a wrong answer), for every edge."""
        g, level, hold = self._guess[question.id], question.level, 1 - SLIP
        right = [p * (hold if level <= e else g) for e, p in zip(EDGES, post, strict=True)]
        return right, [p - r for p, r in zip(post, right, strict=True)]

    def _placed(self, probs: Sequence[float]) -> float:
        """The chance the mode's estimate is right (``probs`` may be unnormalised): exact in
        full mode, within one level in quick mode."""
        return max(_within_one(probs)) if self.mode == "quick" else max(probs)

    def _score(self, post: Sequence[float], question: Question) -> tuple[float, ...]:
        """How good asking ``question`` is now: smaller is better. Quick mode: the chance of
        the topic's estimate being within one level after the answer, then the uncertainty
        left; full mode: the uncertainty (entropy) left."""
        right, wrong = self._outcomes(post, question)
        entropy = _split_entropy(right) + _split_entropy(wrong)
        if self.mode == "quick":
            return (-round(self._placed(right) + self._placed(wrong), 9), entropy)
        return (entropy,)

    def next_question(self) -> Question | None:
        """The most informative unasked question of the current topic (None: all done)."""
        topic = self.current_topic()
        if topic is None:
            return None
        return self._best(topic, self.posterior(topic))

    def _best(self, topic: str, post: Sequence[float]) -> Question | None:
        """The topic's most informative unasked question (ties: bank order)."""
        key = (*self._key(), len(self.skipped), topic)
        if key in self._best_cache:
            return self._best_cache[key]
        best: tuple[tuple[float, ...], Question] | None = None
        seen: set[tuple[int, float]] = set()
        for q in self._candidates(topic):
            kind = (q.level, self._guess[q.id])
            if kind in seen:
                continue  # tells the same as an earlier question
            seen.add(kind)
            score = self._score(post, q)
            if best is None or score < best[0]:
                best = (score, q)
        if len(self._best_cache) > 4 * len(self.topics):
            self._best_cache.clear()
        self._best_cache[key] = best[1] if best else None
        return self._best_cache[key]

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
        self._version += 1

    def skip(self, question_id: str) -> None:
        """Leave a question out of this run (the learner chose not to answer it)."""
        self.skipped.add(question_id)

    def estimates(self, every_topic: bool = False) -> list[TopicEstimate]:
        """The current belief for every topic with at least one answer (``every_topic``:
        for every topic of the run, the unasked ones from their area alone), in run order."""
        out = []
        for topic in self.topics:
            asked = len(self.answers.get(topic, []))
            if asked or every_topic:
                post, done = self.posterior(topic), self.topic_finished(topic)
                out.append(_estimate(topic, post, asked, done, self.mode == "quick"))
        return out

    @property
    def asked(self) -> int:
        """Questions answered in this run."""
        return sum(len(a) for a in self.answers.values())

    @property
    def finished(self) -> bool:
        """True when the run has nothing more to ask."""
        return self.current_topic() is None

    # ------------------------------------------------------------------ saved runs

    def replay(self, attempts: Iterable) -> int:
        """Re-apply saved attempts (oldest first); returns how many were used.

        Attempts that were not answered, are retries, belong to other topics or repeat a
        question are left out, so a half-finished run picks up exactly where it stopped.
        """
        used = 0
        for a in attempts:
            if not a.outcome.answered or a.retry:
                continue
            if a.question_id not in self.bank.questions:
                continue
            question = self.bank[a.question_id]
            if question.topic not in self.topics or question.kind == "explain":
                continue
            if question.id in self._asked_ids(question.topic):
                continue
            self.record(question.id, a.outcome is Outcome.CORRECT)
            used += 1
        return used


def run_key(learner: str) -> str:
    """The store setting that holds when ``learner``'s current diagnostic run started."""
    return f"diagnostic-run-start:{learner}"


def mode_key(learner: str) -> str:
    """The store setting that holds the mode ``learner`` last ran the diagnostic in."""
    return f"diagnostic-run-mode:{learner}"


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


def run_mode(store, learner: str) -> str:
    """The mode of the learner's current run. A run saved before there were modes (no mode
    saved) was a full one."""
    saved = store.setting(mode_key(learner))
    return saved if saved in MODES else "full"


def saved_run(
    store, learner: str, bank: Bank, areas: Iterable[str] | None = None, mode: str | None = None
) -> Diagnostic:
    """The learner's current diagnostic run rebuilt from the store (empty if none), in
    ``mode`` (default: the mode it was last run in)."""
    diag = Diagnostic.for_areas(bank, areas, mode=mode or run_mode(store, learner))
    diag.replay(run_attempts(store.attempts(learner), run_start(store, learner)))
    return diag


# ---------------------------------------------------------------------- after the run


@dataclass(frozen=True)
class TopicBelief:
    """The current belief about one topic's edge, from the diagnostic and later answers.

    ``edge``: the most likely edge (0-5), ``confidence``: its probability, ``within_one``:
    the probability that the true edge is at most one level from it, ``probabilities``:
    P(edge) for 0-5, ``answers``: the answers of the topic counted (``diagnostic`` of them
    from the diagnostic run). A topic without answers is placed from its area alone."""

    topic: str
    edge: int
    confidence: float
    within_one: float
    probabilities: tuple[float, ...]
    answers: int
    diagnostic: int

    @property
    def runs_out_at(self) -> int | None:
        """The first level above the edge, or None at 5."""
        return self.edge + 1 if self.edge < 5 else None


def _evidence(attempt, bank: Bank) -> tuple[int, float] | None:
    """(level, guess rate) of an answer the belief counts, or None."""
    question = bank.questions.get(attempt.question_id)
    if question is None:
        # An autograded exercise (its id is the notebook's grade id): an open answer.
        return (attempt.level, NUMBER_GUESS) if attempt.source == "exercise" else None
    if question.kind == "explain":
        return None  # self-rated
    return question.level, guess_rate(question)


def beliefs(
    attempts: Iterable,
    bank: Bank,
    started: datetime | None = None,
    areas: Iterable[str] | None = None,
) -> dict[str, TopicBelief]:
    """The current belief about every topic's edge (topic id -> :class:`TopicBelief`).

    ``attempts`` are the learner's answers (``ProgressStore.attempts``); ``started`` is when
    the current diagnostic run started (:func:`run_start`; None: every answer counts). The
    evidence is the run's diagnostic answers and every quiz, practice or exercise answer since
    it started, read like the edge rule reads them: blank answers, retries and answers after
    *Show me* do not count, only the latest answer to a question does, and per topic and level
    only the ``BELIEF_WINDOW`` most recent ones (so practice moves the belief). Explain
    answers are self-rated and not counted; a right answer given with hints counts as weak
    evidence. The model is the diagnostic's: right after a run, with no other answers (and
    no more than ``BELIEF_WINDOW`` of them at a level of a topic), the probabilities are the
    run's.
    """
    wanted = set(areas) if areas is not None else {a.id for a in bank.areas}
    topics = [t.id for t in bank.topics_with_questions() if t.area in wanted]
    wanted_topics = set(topics)
    latest: dict[str, object] = {}
    shown: set[str] = set()
    for a in sorted(attempts, key=lambda a: a.created_at):
        if started is not None and a.created_at < started:
            continue
        if a.outcome is Outcome.SEEN:
            shown.add(a.question_id)
        if a.question_id in shown or a.retry or not a.outcome.answered:
            continue
        latest.pop(a.question_id, None)  # keep the dict in time order of the latest answers
        latest[a.question_id] = a
    per_level: dict[tuple[str, int], list] = {}
    for a in latest.values():  # oldest first
        found = _evidence(a, bank)
        if found is not None and a.topic in wanted_topics:
            level, guess = found
            correct = a.outcome is Outcome.CORRECT
            if correct and a.hints_used:
                guess = max(guess, HINTED_GUESS)
            per_level.setdefault((a.topic, level), []).append((level, guess, correct, a.source))
    evidence: dict[str, list[tuple[int, float, bool]]] = {t: [] for t in topics}
    counted = {t: [0, 0] for t in topics}
    for (topic, _level), items in per_level.items():
        for level, guess, correct, source in items[-BELIEF_WINDOW:]:
            evidence[topic].append((level, guess, correct))
            counted[topic][0] += 1
            counted[topic][1] += source == SOURCE
    likes = {t: _evidence_likelihood(evidence[t]) for t in topics}
    _, posts = _posteriors(likes, {t: bank.area_of(t).id for t in topics})
    out = {}
    for t in topics:
        post = posts[t]
        edge = max(EDGES, key=lambda e: post[e])
        out[t] = TopicBelief(t, edge, post[edge], _within_one(post)[edge], tuple(post), *counted[t])
    return out


def saved_beliefs(
    store, learner: str, bank: Bank, areas: Iterable[str] | None = None
) -> dict[str, TopicBelief]:
    """:func:`beliefs` for ``learner`` from the store: their current run and every answer
    since it started."""
    return beliefs(store.attempts(learner), bank, run_start(store, learner), areas)
