"""What a question bank is: rubric areas, topics, questions and their levels (data only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

QUESTIONS_DIR = Path(__file__).parent / "questions"
AREAS_FILE = "areas.yaml"
# Course data kept beside the bank, not questions.
COURSE_DATA_FILES = ("glossary.yaml", "schedule.yaml", "terms-to-define.yaml", "ladders.yaml")
KINDS = ("choice", "multi", "number", "order", "explain")
OPEN_KINDS = ("number", "order", "explain")  # answered without options to pick from
LEVELS = (1, 2, 3, 4, 5)
LEVEL_NAMES = {
    1: "Name it",
    2: "Explain it",
    3: "Trade-offs",
    4: "Numbers",
    5: "Engineer's bar",
}


@dataclass(frozen=True)
class Topic:
    """A topic of one rubric area, e.g. ``databases`` in ``depth``."""

    id: str
    title: str
    area: str


@dataclass(frozen=True)
class Area:
    """A rubric area with its interview bar (the level a strong candidate holds)."""

    id: str
    title: str
    bar: int
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Question:
    """One validated question. ``answer`` holds what README.md in the bank folder says."""

    id: str
    topic: str
    area: str
    level: int
    kind: str
    prompt: str
    answer: object
    explanation: str
    hints: tuple[str, ...]
    source: str
    options: tuple[str, ...] = ()
    tolerance: tuple[str, float] | None = None
    unit: str = ""
    rubric: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    slips: tuple[float, ...] = ()
    terms: tuple[str, ...] = ()  # key terms a lesson must teach before this question is asked
    file: str = ""


@dataclass
class Bank:
    """The loaded bank: areas in rubric order and questions by id (in file order)."""

    areas: tuple[Area, ...]
    questions: dict[str, Question] = field(default_factory=dict)

    def open_question_ids(self) -> frozenset[str]:
        """Questions the learner answers without options to pick from: a number to compute,
        an order to build, a written answer (the edge rule's "open" answers)."""
        return frozenset(q.id for q in self.questions.values() if q.kind in OPEN_KINDS)

    def __getitem__(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(f"no question with id {question_id!r} in the bank") from None

    def topics(self) -> list[Topic]:
        """Every topic, in rubric order."""
        return [t for a in self.areas for t in a.topics]

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id."""
        for t in self.topics():
            if t.id == topic_id:
                return t
        raise KeyError(f"no topic {topic_id!r}")

    def area(self, area_id: str) -> Area:
        """The area with this id."""
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(f"no area {area_id!r}")

    def area_of(self, topic_id: str) -> Area:
        """The area a topic belongs to."""
        return self.area(self.topic(topic_id).area)

    def for_topic(self, topic_id: str, level: int | None = None) -> list[Question]:
        """Questions of one topic (optionally one level), in bank order."""
        return [
            q
            for q in self.questions.values()
            if q.topic == topic_id and (level is None or q.level == level)
        ]

    def topics_with_questions(self) -> list[Topic]:
        """Topics that have at least one question, in rubric order."""
        used = {q.topic for q in self.questions.values()}
        return [t for t in self.topics() if t.id in used]
