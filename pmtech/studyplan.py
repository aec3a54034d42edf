"""The study plan: what to review today and which topics to study next, in what order.

Pure: attempts, edges and the bank in; a plan out. Two parts:

- **Spaced review.** A question answered wrong comes back after a delay. Each right answer
  since the last wrong one moves it to the next, longer interval in ``REVIEW_DAYS``; a wrong
  answer starts it over; after the last interval it is considered learnt. Retries in the
  same sitting do not count (they are practice right after seeing the answer).
- **Next topics.** Topics the learner over-rates (their self-rating above the edge they
  showed, ``calibration.py``) come first, the most over-rated first; then topics whose edge
  is below their area's interview bar, the biggest gap first; then topics that can still
  reach level 5. For each, the plan names the
  lesson to read and up to ``QUESTIONS_PER_STEP`` questions not yet answered at the level
  where knowledge runs out. Where the quizzes have too little evidence, the adaptive
  diagnostic's estimate (if finished for that topic) stands in for the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pmtech.bank import Bank
from pmtech.edge import Status, TopicEdge
from pmtech.outcome import Outcome

if TYPE_CHECKING:
    from pmtech.schedule import Evening, Step

REVIEW_DAYS = (1, 3, 7, 21)
QUESTIONS_PER_STEP = 3
NOTEBOOK_OF_AREA = {
    "engineers": "01-working-with-engineers",
    "depth": "02-technical-depth",
    "bridging": "03-bridging-tech-and-users",
}


@dataclass(frozen=True)
class Review:
    """A question answered wrong earlier, and when it is due again."""

    question_id: str
    topic: str
    level: int
    due: datetime
    step: int  # right answers since the last wrong one


@dataclass(frozen=True)
class TopicStep:
    """The next thing to study in one topic."""

    topic: str
    title: str
    area: str
    bar: int
    edge: int
    evidence: str  # "quizzes", "diagnostic" or "none yet"
    next_level: int
    lesson: str
    questions: tuple[str, ...]
    overrated_by: int = 0  # levels the learner's self-rating is above this edge

    @property
    def below_bar(self) -> bool:
        """True when the topic is below its area's interview bar."""
        return self.edge < self.bar


@dataclass(frozen=True)
class StudyPlan:
    """Reviews due now, reviews coming up, and the next topics in order."""

    due: tuple[Review, ...]
    upcoming: tuple[Review, ...]
    steps: tuple[TopicStep, ...]
    tonight: Evening | None = None  # the schedule's next evening, when it is known
    tonight_steps: tuple[Step, ...] = ()  # the passes of that evening still to do

    def __str__(self) -> str:
        lines = []
        if self.tonight is not None:
            lines.append(
                f"Next on the schedule: evening {self.tonight.number}, {self.tonight.title}"
            )
            lines += [f"  - {step}" for step in self.tonight_steps]
            lines.append("")
        lines.append(f"Reviews due now: {len(self.due)}")
        lines += [f"  - {r.question_id} (level {r.level})" for r in self.due[:10]]
        if len(self.due) > 10:
            lines.append(f"  … and {len(self.due) - 10} more")
        if self.upcoming:
            nxt = self.upcoming[0].due.strftime("%Y-%m-%d")
            lines.append(f"Coming back later: {len(self.upcoming)} (the next on {nxt})")
        lines.append("")
        over = [s for s in self.steps if s.overrated_by > 0]
        below = [s for s in self.steps if s.below_bar and s.overrated_by == 0]
        if over:
            lines.append(f"Topics you over-rate yourself in: {len(over)} (first, the largest gap)")
        lines.append(
            f"Topics below the interview bar: {len(below) + sum(s.below_bar for s in over)}"
        )
        for n, s in enumerate(self.steps, 1):
            if n == len(over) + len(below) + 1:
                lines += ["", "Then, towards level 5:"]
            mark = "below bar" if s.below_bar else "stretch"
            if s.overrated_by:
                mark += f"; you rated yourself {s.overrated_by} above it"
            lines.append(
                f"{n:>2}. {s.title} ({s.area}, bar {s.bar}): edge {s.edge} from {s.evidence}; "
                f"study level {s.next_level} [{mark}]"
            )
            lines.append(f"    read: {s.lesson}")
            if s.questions:
                lines.append(f"    answer: {', '.join(s.questions)}")
        return "\n".join(lines)


def _answered(attempts: Iterable) -> list:
    return sorted(
        (a for a in attempts if a.outcome.answered and not a.retry),
        key=lambda a: a.created_at,
    )


def review_schedule(attempts: Iterable, bank: Bank) -> list[Review]:
    """Every question answered wrong at some point and not yet learnt, soonest due first."""
    history: dict[str, list] = {}
    for a in _answered(attempts):
        if a.question_id in bank.questions:
            history.setdefault(a.question_id, []).append(a)
    reviews = []
    for qid, items in history.items():
        wrong = [i for i, a in enumerate(items) if a.outcome is Outcome.INCORRECT]
        if not wrong:
            continue
        streak = len(items) - 1 - wrong[-1]
        if streak >= len(REVIEW_DAYS):
            continue  # learnt
        q = bank[qid]
        due = items[-1].created_at + timedelta(days=REVIEW_DAYS[streak])
        reviews.append(Review(qid, q.topic, q.level, due, streak))
    return sorted(reviews, key=lambda r: (r.due, r.question_id))


def _planning_edge(edge: TopicEdge, diagnostic: Mapping[str, int]) -> tuple[int, str]:
    """The edge to plan from, and where it comes from."""
    first_gap = edge.runs_out_at
    if first_gap is None:
        return 5, "quizzes"
    if edge.status(first_gap) in (Status.FAILED, Status.SHAKY):
        return edge.edge, "quizzes"
    if edge.topic in diagnostic:
        return diagnostic[edge.topic], "diagnostic"
    if edge.edge > 0:
        return edge.edge, "quizzes"
    return 0, "none yet"


def lesson_of(area_id: str, topic_title: str) -> str:
    """Where a topic is taught: its notebook and section."""
    return f"notebook {NOTEBOOK_OF_AREA.get(area_id, area_id)}, the section on {topic_title}"


def next_steps(
    edges: Mapping[str, TopicEdge],
    bank: Bank,
    attempts: Iterable,
    diagnostic: Mapping[str, int] | None = None,
    overrated: Mapping[str, int] | None = None,
) -> list[TopicStep]:
    """Topics to study next: over-rated first (most over-rated first), then below the bar
    (largest gap first), then the rest."""
    diagnostic = diagnostic or {}
    overrated = overrated or {}
    seen = {a.question_id for a in attempts}
    steps = []
    order = 0
    for area in bank.areas:
        for topic in area.topics:
            order += 1
            if topic.id not in edges or not bank.for_topic(topic.id):
                continue
            edge, evidence = _planning_edge(edges[topic.id], diagnostic)
            if edge >= 5:
                continue
            level = edge + 1
            todo = [
                q.id
                for q in bank.for_topic(topic.id, level)
                if q.id not in seen and not q.red_flags
            ][:QUESTIONS_PER_STEP]
            lesson = lesson_of(area.id, topic.title)
            over = overrated.get(topic.id, 0)
            steps.append(
                (
                    (over <= 0, -over, edge >= area.bar, -(area.bar - edge), order),
                    TopicStep(
                        topic.id,
                        topic.title,
                        area.id,
                        area.bar,
                        edge,
                        evidence,
                        level,
                        lesson,
                        tuple(todo),
                        max(over, 0),
                    ),
                )
            )
    return [step for _, step in sorted(steps, key=lambda s: s[0])]


def build_plan(
    attempts: Iterable,
    edges: Mapping[str, TopicEdge],
    bank: Bank,
    now: datetime,
    diagnostic: Mapping[str, int] | None = None,
    tonight: tuple[Evening, list[Step]] | None = None,
    overrated: Mapping[str, int] | None = None,
) -> StudyPlan:
    """The whole plan at time ``now``; ``tonight`` is the schedule's next evening, if known;
    ``overrated`` (topic -> levels) puts the topics the learner over-rates first."""
    attempts = list(attempts)
    schedule = review_schedule(attempts, bank)
    due = tuple(r for r in schedule if r.due <= now)
    upcoming = tuple(r for r in schedule if r.due > now)
    evening, open_steps = tonight if tonight is not None else (None, ())
    return StudyPlan(
        due,
        upcoming,
        tuple(next_steps(edges, bank, attempts, diagnostic, overrated)),
        evening,
        tuple(open_steps),
    )


def learner_plan(store, learner: str | None = None, bank: Bank | None = None, now=None, root=None):
    """The plan for one learner from their store: the schedule's next evening (when the
    course folder ``root`` is found), reviews, then topics by the gap to the bar."""
    from pmtech.bank import load_bank
    from pmtech.calibration import overrated, topic_gaps
    from pmtech.diagnostic import saved_run
    from pmtech.edge import topic_edges
    from pmtech.progress import default_learner, utc_now

    bank = bank or load_bank()
    learner = learner or default_learner()
    attempts = store.attempts(learner)
    topics = [t.id for t in bank.topics_with_questions()]
    edges = topic_edges(attempts, topics, open_questions=bank.open_question_ids())
    diag = saved_run(store, learner, bank)
    finished = {e.topic: e.edge for e in diag.estimates() if e.finished}
    tonight = _tonight(attempts, bank, root)
    over = overrated(topic_gaps(store.latest_ratings(learner), edges, bank))
    return build_plan(attempts, edges, bank, now or utc_now(), finished, tonight, over)


def _tonight(attempts, bank: Bank, root):
    """The schedule's next evening, or None when no course folder (notebooks/) is found."""
    from pathlib import Path

    from pmtech.schedule import load_schedule, next_evening
    from pmtech.selfstudy import AssignmentError, course_root

    try:
        root = Path(root) if root is not None else course_root()
    except AssignmentError:
        return None
    if not (root / "notebooks").is_dir():
        return None
    return next_evening(attempts, load_schedule(), root, bank)
