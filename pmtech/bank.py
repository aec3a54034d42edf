"""The question bank (YAML under ``pmtech/questions/``): load it and look questions up.

The bank is data: ``areas.yaml`` lists the rubric areas, their interview bar and their topics;
one file per area (``engineers.yaml``, ``depth.yaml``, ``bridging.yaml``) holds its questions.
What a bank holds is in ``bankmodel.py``, how its files are checked in ``bankcheck.py`` and
how a checked bank is kept on disk in ``bankcache.py``; this module puts them together and
names them for the rest of the course.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pmtech.bankcache import cache_file, read_cache, write_cache
from pmtech.bankcheck import BankError, Problem, validate_bank
from pmtech.bankmodel import (
    AREAS_FILE,
    COURSE_DATA_FILES,
    KINDS,
    LEVEL_NAMES,
    LEVELS,
    OPEN_KINDS,
    QUESTIONS_DIR,
    Area,
    Bank,
    Question,
    Topic,
)

__all__ = [
    "AREAS_FILE",
    "COURSE_DATA_FILES",
    "KINDS",
    "LEVEL_NAMES",
    "LEVELS",
    "OPEN_KINDS",
    "QUESTIONS_DIR",
    "Area",
    "Bank",
    "BankError",
    "Problem",
    "Question",
    "Topic",
    "load_bank",
    "questions_by_ids",
    "topic_level",
    "validate_bank",
]

_CACHE: dict[Path, Bank] = {}


def load_bank(directory: Path | str | None = None) -> Bank:
    """Load the bank, raising :class:`BankError` listing every problem if any is found.

    A validated bank is kept for the life of the process, and on disk under
    ``$PMTECH_HOME/cache`` keyed by a hash of the bank files' bytes, so the next process
    skips parsing and validation until a file changes. ``pmtech validate`` never uses it.
    """
    key = Path(directory).resolve() if directory else QUESTIONS_DIR
    if key in _CACHE:
        return _CACHE[key]
    cache = cache_file(key)
    bank = read_cache(cache)
    if bank is None:
        bank, problems = validate_bank(key)
        if problems:
            raise BankError(problems)
        write_cache(cache, bank)
    _CACHE[key] = bank
    return bank


def topic_level(item_id: str, bank: Bank) -> tuple[str, int] | None:
    """The (topic, level) an id such as ``apis-4-pagination`` names, or None.

    Question ids and nbgrader grade_ids share the form ``<topic>-<level>-<slug>``; topics
    may contain hyphens, so the longest known topic that fits wins.
    """
    for topic in sorted((t.id for t in bank.topics()), key=len, reverse=True):
        head, _, rest = item_id.partition(f"{topic}-")
        if head == "" and rest[:1].isdigit() and rest[1:2] == "-" and int(rest[0]) in LEVELS:
            return topic, int(rest[0])
    return None


def questions_by_ids(bank: Bank, ids: Iterable[str]) -> list[Question]:
    """Look up several ids at once, naming every unknown one in a single KeyError."""
    ids = list(ids)
    missing = [i for i in ids if i not in bank.questions]
    if missing:
        raise KeyError(f"no question with id {', '.join(map(repr, missing))} in the bank")
    return [bank.questions[i] for i in ids]
