"""The validated bank kept on disk as JSON, keyed by a digest of the bank files' bytes."""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import asdict
from pathlib import Path

from pmtech.bankmodel import Area, Bank, Question, Topic
from pmtech.paths import default_home

CACHE_FORMAT = 1


def digest(directory: Path) -> str:
    """A fingerprint of every bank file's name and bytes (and of this loader's format).

    CRC-32 plus the total length is enough to notice an edited file; the cache guards
    against staleness, not against an attacker, and zlib is far cheaper to import than
    hashlib on the quiz's start-up path.
    """
    crc, length = zlib.crc32(f"pmtech-bank-{CACHE_FORMAT}".encode()), 0
    for path in sorted(directory.glob("*.yaml")):
        data = path.name.encode() + b"\0" + path.read_bytes()
        crc, length = zlib.crc32(data, crc), length + len(data)
    return f"{crc:08x}{length:x}"


def _bank_to_json(bank: Bank) -> dict:
    return {
        "areas": [asdict(a) for a in bank.areas],
        "questions": [asdict(q) for q in bank.questions.values()],
    }


def _bank_from_json(data: dict) -> Bank:
    def tuples(value):
        return tuple(value) if isinstance(value, list) else value

    areas = tuple(
        Area(a["id"], a["title"], a["bar"], tuple(Topic(**t) for t in a["topics"]))
        for a in data["areas"]
    )
    bank = Bank(areas=areas)
    for raw in data["questions"]:
        fields = {k: tuples(v) for k, v in raw.items()}
        bank.questions[fields["id"]] = Question(**fields)
    return bank


def cache_file(directory: Path) -> Path:
    """Where the checked bank of ``directory`` is kept, named by its files' digest."""
    return default_home() / "cache" / f"bank-{digest(directory)}.json"


def read_cache(path: Path) -> Bank | None:
    """The bank kept at ``path``, or None when it is absent, unreadable or of another format."""
    try:
        return _bank_from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable or from another version: validate afresh


def write_cache(path: Path, bank: Bank) -> None:
    """Keep ``bank`` at ``path`` (atomic replace); a read-only home only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_bank_to_json(bank)), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache is an optimisation; a read-only home only costs speed
