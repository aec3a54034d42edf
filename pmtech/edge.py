"""The knowledge-edge rule: attempts in, per-topic level statuses and edges out.

Pure: no I/O, no widgets, no clock (``now`` defaults to the newest attempt's time).

The rule, for one topic and one level:

1. Only answered attempts count (correct or incorrect). *Not attempted* is never evidence,
   and neither is a *retry* (a second try at a question in the same sitting, after feedback),
   nor any answer to a question after the learner asked to be shown its answer (*seen*, the
   "Show me" button): that is practice. Seeing an answer is never counted as wrong either.
2. For each question only its latest counted attempt is kept, and only if it is at most
   ``MAX_AGE_DAYS`` older than ``now``: knowledge that has not been shown for half a year is
   no longer "recent evidence".
3. Of those, the ``WINDOW`` most recent questions form the evidence. A correct answer earns
   1 point, or ``HINT_CREDIT`` if hints were used; an incorrect one earns 0.
4. With fewer than ``MIN_EVIDENCE`` questions the level is **unknown** (one lucky guess
   proves nothing, one slip disproves nothing). Otherwise its share of points decides:
   at least ``HOLD_SHARE`` is **held**, below ``FAIL_SHARE`` is **failed**, between is
   **shaky**.
5. Levels in ``OPEN_LEVELS`` (4 and 5: numbers and the engineer's bar) are held only when
   at least one *open* question's latest recent answer (step 2) is correct: a number the
   learner computed, an order they built, a written answer, or an autograded exercise;
   picking among options is not enough there. (Looked for among all recent answers, not
   only the window, so four later option questions do not erase a computed number.)
   Without one, a level that step 4 would hold is **unknown** when no open question was
   answered, and **shaky** when one was answered wrong. The caller passes the open question
   ids (``Bank.open_question_ids()``); without them this step is skipped.

The **edge** of a topic is the highest level L such that every level 1..L is held (0 when
level 1 is not). Knowledge "runs out" at L + 1. Because the window keeps only recent
questions, a regression after mastery (new wrong answers) pulls a held level back down.
"""

from __future__ import annotations

import enum
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pmtech.outcome import Outcome

LEVELS = (1, 2, 3, 4, 5)
WINDOW = 4
MIN_EVIDENCE = 2
HOLD_SHARE = 0.75
FAIL_SHARE = 0.5
HINT_CREDIT = 0.5
MAX_AGE_DAYS = 180
OPEN_LEVELS = (4, 5)


class Status(str, enum.Enum):
    """How well one level of one topic is known."""

    HELD = "held"
    SHAKY = "shaky"
    FAILED = "failed"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Evidence(Protocol):
    """What the rule reads from an attempt (``pmtech.progress.Attempt`` has all of it)."""

    question_id: str
    topic: str
    level: int
    outcome: Outcome
    hints_used: int
    retry: bool
    created_at: datetime
    source: str  # "exercise" for autograded cells: open answers by nature


@dataclass(frozen=True)
class LevelResult:
    """One level of one topic: status, points earned and questions counted."""

    level: int
    status: Status
    points: float
    counted: int

    @property
    def share(self) -> float | None:
        """Points per counted question, or None without evidence."""
        return self.points / self.counted if self.counted else None


@dataclass(frozen=True)
class TopicEdge:
    """A topic's five levels and its edge (0-5)."""

    topic: str
    levels: tuple[LevelResult, ...]
    edge: int

    @property
    def runs_out_at(self) -> int | None:
        """The first level not held, or None when all five are held."""
        return self.edge + 1 if self.edge < 5 else None

    def status(self, level: int) -> Status:
        """The status of one level (1-5)."""
        return self.levels[level - 1].status


def classify(points: float, counted: int) -> Status:
    """Status of a level from its points and the number of questions counted."""
    if counted < MIN_EVIDENCE:
        return Status.UNKNOWN
    share = points / counted
    if share >= HOLD_SHARE:
        return Status.HELD
    if share < FAIL_SHARE:
        return Status.FAILED
    return Status.SHAKY


def _credit(attempt: Evidence) -> float:
    if attempt.outcome is not Outcome.CORRECT:
        return 0.0
    return HINT_CREDIT if attempt.hints_used else 1.0


def _is_open(attempt: Evidence, open_questions: Container[str]) -> bool:
    return attempt.question_id in open_questions or attempt.source == "exercise"


def level_result(
    attempts: Iterable[Evidence],
    level: int,
    now: datetime | None,
    open_questions: Container[str] | None = None,
) -> LevelResult:
    """Apply the rule's steps to the attempts of one topic at one level."""
    latest: dict[str, Evidence] = {}
    shown: set[str] = set()
    for a in sorted(attempts, key=lambda a: a.created_at):
        if a.level != level:
            continue
        if a.outcome is Outcome.SEEN:
            shown.add(a.question_id)
        if a.question_id in shown or a.retry or not a.outcome.answered:
            continue
        latest[a.question_id] = a
    recent = list(latest.values())
    if now is not None:
        recent = [a for a in recent if a.created_at >= now - timedelta(days=MAX_AGE_DAYS)]
    recent.sort(key=lambda a: a.created_at)
    window = recent[-WINDOW:]
    points = sum(_credit(a) for a in window)
    status = classify(points, len(window))
    if status is Status.HELD and level in OPEN_LEVELS and open_questions is not None:
        answered_open = [a for a in recent if _is_open(a, open_questions)]
        if not any(a.outcome is Outcome.CORRECT for a in answered_open):
            status = Status.SHAKY if answered_open else Status.UNKNOWN
    return LevelResult(level, status, points, len(window))


def edge_of(levels: Iterable[LevelResult]) -> int:
    """The highest level L with every level 1..L held."""
    edge = 0
    for result in sorted(levels, key=lambda r: r.level):
        if result.status is not Status.HELD:
            break
        edge = result.level
    return edge


def topic_edges(
    attempts: Iterable[Evidence],
    topics: Iterable[str] = (),
    now: datetime | None = None,
    open_questions: Container[str] | None = None,
) -> dict[str, TopicEdge]:
    """Per-topic edges for one learner's attempts.

    ``topics`` lists topics to report even without evidence (all unknown, edge 0); topics
    with attempts are always reported. ``now`` defaults to the newest attempt's time, so the
    result depends on the attempts alone. ``open_questions`` (the bank's open question ids)
    applies step 5: levels 4 and 5 need a correct open answer.
    """
    attempts = list(attempts)
    if now is None:
        now = max((a.created_at for a in attempts), default=None)
    by_topic: dict[str, list[Evidence]] = {t: [] for t in topics}
    for a in attempts:
        by_topic.setdefault(a.topic, []).append(a)
    result = {}
    for topic, items in by_topic.items():
        levels = tuple(level_result(items, lv, now, open_questions) for lv in LEVELS)
        result[topic] = TopicEdge(topic, levels, edge_of(levels))
    return result
