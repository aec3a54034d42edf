"""Follow-up ladders: one interview scenario pushed five times, level 1 to level 5.

An interviewer finds where a candidate's knowledge ends by following up, deeper each time.
A ladder (``questions/ladders.yaml``) is one scenario in one topic and five steps; each step
is what the interviewer says (``ask``) and a question of the bank at that step's level, so an
answer on a ladder is evidence for the topic and level like any other answer, and every step
has the bank's answer key, explanation and source.

A ladder file is checked like the bank: every problem names the file, the ladder and the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pmtech.bankcheck import Problem, _read_yaml
from pmtech.bankmodel import LEVELS, QUESTIONS_DIR, Bank, Question

LADDERS_FILE = "ladders.yaml"
LADDER_KEYS = {"id", "topic", "title", "scenario", "steps"}
STEP_KEYS = {"ask", "question"}


@dataclass(frozen=True)
class Step:
    """One follow-up: what the interviewer says, and the bank question at this level."""

    level: int
    ask: str
    question: Question


@dataclass(frozen=True)
class Ladder:
    """One scenario and its five follow-ups, levels 1 to 5 of one topic."""

    id: str
    topic: str
    area: str
    title: str
    scenario: str
    steps: tuple[Step, ...]


class LadderError(Exception):
    """The ladders could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the ladders have {len(problems)} problem(s):\n{lines}")


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _check_ladder(raw, bank: Bank, fname: str, n: int, used: dict[str, str]):
    """One ladder entry: the Ladder, or None and the problems found."""
    if not isinstance(raw, dict):
        return None, [Problem(fname, f"entry {n} is not a mapping of fields")]
    lid = raw.get("id") if _text(raw.get("id")) else f"entry {n}"
    bad: list[Problem] = []

    def problem(message: str, field: str | None = None) -> None:
        bad.append(Problem(fname, message, str(lid), field, "ladder"))

    for key in sorted(LADDER_KEYS - set(raw)):
        problem("is missing", key)
    for key in sorted(set(raw) - LADDER_KEYS):
        problem(f"is not a ladder field (known: {', '.join(sorted(LADDER_KEYS))})", key)
    for key in ("id", "title", "scenario"):
        if key in raw and not _text(raw[key]):
            problem("must be non-empty text", key)
    topic = raw.get("topic")
    known = {t.id for t in bank.topics()}
    if "topic" in raw and topic not in known:
        problem(f"{topic!r} is not a topic of areas.yaml", "topic")
    steps = raw.get("steps")
    built: list[Step] = []
    if "steps" in raw and (not isinstance(steps, list) or len(steps) != len(LEVELS)):
        problem(f"must be a list of exactly {len(LEVELS)} steps, levels 1 to 5 in order", "steps")
    elif isinstance(steps, list):
        for level, step in zip(LEVELS, steps, strict=True):
            where = f"steps[{level}]"
            if not isinstance(step, dict):
                problem("is not a mapping with ask and question", where)
                continue
            for key in sorted(STEP_KEYS - set(step)):
                problem("is missing", f"{where}.{key}")
            for key in sorted(set(step) - STEP_KEYS):
                problem("is not a step field (known: ask, question)", f"{where}.{key}")
            if "ask" in step and not _text(step["ask"]):
                problem("must be non-empty text", f"{where}.ask")
            qid = step.get("question")
            question = bank.questions.get(qid) if isinstance(qid, str) else None
            if "question" in step and question is None:
                problem(f"{qid!r} is not a question of the bank", f"{where}.question")
                continue
            if question is None:
                continue
            if topic in known and question.topic != topic:
                problem(
                    f"{qid} is a question of topic {question.topic!r}, not the ladder's {topic!r}",
                    f"{where}.question",
                )
            if question.level != level:
                problem(
                    f"{qid} is a level-{question.level} question; step {level} needs level "
                    f"{level} (steps climb one level at a time)",
                    f"{where}.question",
                )
            if not question.source.strip():
                problem(f"{qid} names no source", f"{where}.question")
            if qid in used:
                problem(f"{qid} is already step of ladder {used[qid]}", f"{where}.question")
            used.setdefault(qid, str(lid))
            if _text(step.get("ask")):
                built.append(Step(level, step["ask"].strip(), question))
    if bad:
        return None, bad
    area = bank.topic(topic).area
    ladder = Ladder(lid, topic, area, raw["title"].strip(), raw["scenario"].strip(), tuple(built))
    return ladder, []


def validate_ladders(
    bank: Bank, path: Path | str | None = None
) -> tuple[dict[str, Ladder], list[Problem]]:
    """Every ladder of ``path`` (default: the course's), checked against ``bank``; the
    problems name the file, the ladder and the step."""
    path = Path(path) if path else QUESTIONS_DIR / LADDERS_FILE
    problems: list[Problem] = []
    if not path.exists():
        return {}, [Problem(path.name, "does not exist")]
    data = _read_yaml(path, problems)
    if problems:
        return {}, problems
    if not isinstance(data, list):
        return {}, [Problem(path.name, "must be a YAML list of ladders")]
    ladders: dict[str, Ladder] = {}
    used: dict[str, str] = {}
    ids: set[str] = set()
    for n, raw in enumerate(data, 1):
        lid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(lid, str) and lid in ids:
            problems.append(Problem(path.name, "is given twice", lid, "id", "ladder"))
            continue
        ids.add(lid)
        ladder, bad = _check_ladder(raw, bank, path.name, n, used)
        problems += bad
        if ladder is not None:
            ladders[ladder.id] = ladder
    return ladders, problems


def load_ladders(bank: Bank, path: Path | str | None = None) -> dict[str, Ladder]:
    """The ladders by id, in file order; raises LadderError listing every problem."""
    ladders, problems = validate_ladders(bank, path)
    if problems:
        raise LadderError(problems)
    return ladders
