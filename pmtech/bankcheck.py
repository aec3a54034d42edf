"""Read the bank's YAML files and check every question, naming each problem found.

Every problem is reported as a :class:`Problem` naming the file, the question id and the
field, so an author can fix a bank without reading a traceback.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from pmtech.bankmodel import (
    AREAS_FILE,
    COURSE_DATA_FILES,
    KINDS,
    LEVELS,
    QUESTIONS_DIR,
    Area,
    Bank,
    Question,
    Topic,
)

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "topic", "level", "kind", "prompt", "answer", "explanation", "hint", "source")
_OPTIONAL = ("options", "tolerance", "unit", "slips", "rubric", "red_flags", "terms")
_WITH_OPTIONS = ("choice", "multi", "order")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the bank: where it is and what is wrong."""

    file: str
    message: str
    question_id: str | None = None
    field: str | None = None
    kind: str = "question"  # what question_id names: a question, or a ladder

    def __str__(self) -> str:
        where = [self.file]
        if self.question_id:
            where.append(f"{self.kind} {self.question_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{': '.join(where)}: {self.message}"


class BankError(Exception):
    """The bank could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the question bank has {len(problems)} problem(s):\n{lines}")


@functools.cache
def _loader():
    """A safe YAML loader class that rejects a key given twice in one mapping.

    Built on first use, so loading a cached bank never imports PyYAML. It uses libyaml's C
    parser when PyYAML has it (the wheels do), which is about ten times faster.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def construct_unique_mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return base.construct_mapping(loader, node, deep=deep)

    loader = type("UniqueKeyLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_unique_mapping)
    return loader


def _read_yaml(path: Path, problems: list[Problem]):
    """Parse one YAML file; on failure add a Problem with line and column and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"cannot be read: {exc}"))
        return None
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(path.name, f"is not valid YAML{where}: {reason}"))
        return None


def _load_areas(directory: Path, problems: list[Problem]) -> tuple[Area, ...]:
    path = directory / AREAS_FILE
    if not path.exists():
        problems.append(Problem(AREAS_FILE, f"is missing from {directory}"))
        return ()
    data = _read_yaml(path, problems)
    if data is None:
        return ()
    if not isinstance(data, list):
        problems.append(Problem(AREAS_FILE, "must be a list of areas"))
        return ()
    areas, seen_topics = [], set()
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            problems.append(Problem(AREAS_FILE, f"entry {i + 1} must be a mapping"))
            continue
        area_id = raw.get("id")
        if not isinstance(area_id, str) or not _ID_RE.match(area_id):
            problems.append(Problem(AREAS_FILE, f"entry {i + 1} needs an id like 'depth'", None))
            continue
        bar = raw.get("bar")
        if not _is_level(bar):
            problems.append(Problem(AREAS_FILE, "must be a level 1-5", area_id, "bar"))
            continue
        topics = []
        for t in raw.get("topics") or []:
            tid = t.get("id") if isinstance(t, dict) else None
            if not isinstance(tid, str) or not _ID_RE.match(tid):
                problems.append(Problem(AREAS_FILE, f"bad topic entry {t!r}", area_id, "topics"))
                continue
            extra = sorted(set(t) - {"id", "title"})
            if extra:
                problems.append(
                    Problem(
                        AREAS_FILE,
                        f"topic {tid!r} has unknown keys {extra} (quote a title with commas)",
                        area_id,
                        "topics",
                    )
                )
            if tid in seen_topics:
                problems.append(Problem(AREAS_FILE, f"topic {tid!r} listed twice", area_id))
                continue
            seen_topics.add(tid)
            topics.append(Topic(tid, str(t.get("title") or tid), area_id))
        areas.append(Area(area_id, str(raw.get("title") or area_id), bar, tuple(topics)))
    return tuple(areas)


def _is_level(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in LEVELS


def _is_index(value, n: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n


def _nonempty_str(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _validate_question(raw: dict, area: Area, fname: str) -> tuple[Question | None, list[Problem]]:
    """Check one raw question mapping; return the Question (if valid) and its problems."""
    qid = raw.get("id") if isinstance(raw.get("id"), str) else None
    probs: list[Problem] = []

    def bad(field_name: str, message: str) -> None:
        probs.append(Problem(fname, message, qid, field_name))

    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            bad(
                str(key), "is not a known field (typo?); known: " + ", ".join(_REQUIRED + _OPTIONAL)
            )
    for key in _REQUIRED:
        if key not in raw or raw[key] is None:
            bad(key, "is missing")
    if probs and any(p.message == "is missing" and p.field in ("id", "kind") for p in probs):
        return None, probs

    if not _ID_RE.match(qid or ""):
        bad("id", "must be lower-case words joined by '-', like 'databases-4-index-write-cost'")
    topic, level, kind = raw.get("topic"), raw.get("level"), raw.get("kind")
    topic_ids = [t.id for t in area.topics]
    if topic is not None and topic not in topic_ids:
        bad("topic", f"{topic!r} is not a topic of area {area.id!r}; known: {', '.join(topic_ids)}")
    if level is not None and not _is_level(level):
        bad("level", f"must be a whole number 1-5, got {level!r}")
    if kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
        return None, probs
    if qid and topic in topic_ids and _is_level(level) and not qid.startswith(f"{topic}-{level}-"):
        bad("id", f"must start with '{topic}-{level}-' (its topic and level)")
    for key in ("prompt", "explanation", "source"):
        if key in raw and raw[key] is not None and not _nonempty_str(raw[key]):
            bad(key, "must be non-empty text")

    hints = raw.get("hint")
    if isinstance(hints, str):
        hints = [hints]
    if hints is not None and (
        not isinstance(hints, list) or not hints or not all(_nonempty_str(h) for h in hints)
    ):
        bad("hint", "must be text or a list of non-empty texts (tiers, gentlest first)")
        hints = None

    options = raw.get("options")
    if kind in _WITH_OPTIONS:
        if not isinstance(options, list) or len(options) < 2:
            bad("options", f"a {kind} question needs a list of at least two options")
            options = None
        elif not all(_nonempty_str(o) or isinstance(o, int | float) for o in options):
            bad("options", "every option must be non-empty text")
            options = None
        else:
            options = [str(o) for o in options]
            if len(set(options)) != len(options):
                bad("options", "two options are the same")
    elif options is not None:
        bad("options", f"a {kind} question has no options")

    answer = raw.get("answer")
    tolerance = None
    if answer is not None:
        n = len(options) if options else 0
        if kind == "choice" and options and not _is_index(answer, n):
            bad("answer", f"must be an option index 0-{n - 1}, got {answer!r}")
        elif kind == "multi" and options:
            if (
                not isinstance(answer, list)
                or not answer
                or not all(_is_index(a, n) for a in answer)
                or len(set(answer)) != len(answer)
            ):
                bad("answer", f"must be a non-empty list of distinct option indices 0-{n - 1}")
        elif kind == "order" and options:
            if not isinstance(answer, list) or sorted(answer) != list(range(n)):
                bad("answer", f"must list every option index 0-{n - 1} once, in the right order")
            elif answer == list(range(n)):
                bad("answer", "is the order the options are listed in; list the options scrambled")
        elif kind == "number":
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                bad("answer", f"must be a number, got {answer!r}")
            elif not math.isfinite(answer):
                bad("answer", "must be a finite number")
        elif kind == "explain" and not _nonempty_str(answer):
            bad("answer", "must be the model answer (non-empty text)")

    if kind == "number":
        tolerance = _validate_tolerance(raw.get("tolerance"), answer, bad)
    elif "tolerance" in raw:
        bad("tolerance", f"only number questions have a tolerance, this is {kind}")
    if "unit" in raw and (kind != "number" or not isinstance(raw["unit"], str)):
        bad("unit", "is text, and only for number questions")
    slips = raw.get("slips")
    if slips is not None and (
        kind != "number"
        or not isinstance(slips, list)
        or not slips
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in slips)
    ):
        bad("slips", "is a list of numbers (wrong answers from named slips), for number questions")
        slips = None

    rubric = raw.get("rubric")
    if kind == "explain":
        if not isinstance(rubric, list) or len(rubric) < 2 or not all(map(_nonempty_str, rubric)):
            bad("rubric", "an explain question needs a list of at least two rubric points")
    elif rubric is not None:
        bad("rubric", f"only explain questions have a rubric, this is {kind}")
    red_flags = raw.get("red_flags")
    if red_flags is not None:
        if kind != "explain":
            bad("red_flags", f"only explain questions have red flags, this is {kind}")
        elif (
            not isinstance(red_flags, list)
            or not red_flags
            or not all(map(_nonempty_str, red_flags))
        ):
            bad("red_flags", "must be a list of non-empty texts")

    terms = raw.get("terms")
    if terms is not None and (
        not isinstance(terms, list)
        or not terms
        or not all(isinstance(t, str) and t.strip() for t in terms)
        or len({t.strip().lower() for t in terms}) != len(terms)
    ):
        bad("terms", "must be a list of different non-empty terms (the key terms it tests)")

    if probs:
        return None, probs
    answer_value = tuple(answer) if isinstance(answer, list) else answer
    return (
        Question(
            id=qid,
            topic=topic,
            area=area.id,
            level=level,
            kind=kind,
            prompt=raw["prompt"].strip(),
            answer=answer_value,
            explanation=raw["explanation"].strip(),
            hints=tuple(h.strip() for h in hints),
            source=raw["source"].strip(),
            options=tuple(options or ()),
            tolerance=tolerance,
            unit=raw.get("unit", ""),
            rubric=tuple(r.strip() for r in rubric or ()),
            red_flags=tuple(r.strip() for r in red_flags or ()),
            slips=tuple(float(x) for x in slips or ()),
            terms=tuple(str(t).strip() for t in terms or ()),
            file=fname,
        ),
        [],
    )


def _validate_tolerance(tol, answer, bad) -> tuple[str, float] | None:
    if not isinstance(tol, dict) or len(tol) != 1:
        bad("tolerance", "a number question needs {relative: r} (0 < r < 1) or {factor: f} (f > 1)")
        return None
    ((mode, value),) = tol.items()
    if isinstance(value, bool) or not isinstance(value, int | float):
        bad("tolerance", f"{mode} must be a number, got {value!r}")
        return None
    if mode == "relative" and 0 < value < 1:
        return ("relative", float(value))
    if mode == "factor" and value > 1:
        if isinstance(answer, int | float) and answer <= 0:
            bad("tolerance", "a factor band needs a positive answer")
            return None
        return ("factor", float(value))
    bad("tolerance", f"use relative (0 < r < 1) or factor (f > 1), got {mode}: {value!r}")
    return None


def validate_bank(directory: Path | str | None = None) -> tuple[Bank, list[Problem]]:
    """Read every bank file under ``directory``; return what loaded and every problem found."""
    directory = Path(directory) if directory else QUESTIONS_DIR
    problems: list[Problem] = []
    areas = _load_areas(directory, problems)
    bank = Bank(areas=areas)
    area_ids = {a.id: a for a in areas}
    all_topics = {t.id: t.area for t in bank.topics()}
    for path in sorted(directory.glob("*.yaml")):
        if path.name in (AREAS_FILE, *COURSE_DATA_FILES):
            continue
        area = area_ids.get(path.stem)
        if area is None:
            problems.append(
                Problem(
                    path.name,
                    f"is not named after an area; expected one of: "
                    f"{', '.join(f'{a}.yaml' for a in area_ids)}",
                )
            )
            continue
        data = _read_yaml(path, problems)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(Problem(path.name, "must be a list of questions"))
            continue
        for i, raw in enumerate(data):
            if not isinstance(raw, dict):
                problems.append(Problem(path.name, f"entry {i + 1} is not a mapping of fields"))
                continue
            question, probs = _validate_question(raw, area, path.name)
            for p in probs:
                if p.field == "topic" and raw.get("topic") in all_topics:
                    other = all_topics[raw["topic"]]
                    p = Problem(
                        p.file,
                        f"topic {raw['topic']!r} belongs to area {other!r}; "
                        f"move the question to {other}.yaml",
                        p.question_id,
                        p.field,
                    )
                problems.append(p)
            if question is None:
                continue
            if question.id in bank.questions:
                first = bank.questions[question.id].file
                problems.append(
                    Problem(path.name, f"duplicate id (first used in {first})", question.id, "id")
                )
                continue
            bank.questions[question.id] = question
    return bank, problems
