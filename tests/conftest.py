"""Shared fixtures: a private PMTECH_HOME per test and a small bank folder builder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pmtech.bank import QUESTIONS_DIR

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    """Every test gets its own PMTECH_HOME, so no test touches the learner's real progress."""
    home = tmp_path / "pmtech-home"
    monkeypatch.setenv("PMTECH_HOME", str(home))
    monkeypatch.setenv("PMTECH_LEARNER", "tester")
    return home


def sample_question(**overrides) -> dict:
    """A valid choice question in the `depth` area; overrides replace or delete (None) fields."""
    q = {
        "id": "databases-1-what-is-index",
        "topic": "databases",
        "level": 1,
        "kind": "choice",
        "prompt": "What does an index on a column give a database?",
        "options": ["A faster way to find rows by that column", "A backup", "A cache of pages"],
        "answer": 0,
        "explanation": "An index is a sorted structure that points at rows.",
        "hint": ["Think of a book's index.", "It is about finding, not storing."],
        "source": "SQLite documentation, Query Planning",
    }
    for key, value in overrides.items():
        if value is None:
            q.pop(key, None)
        else:
            q[key] = value
    return q


@pytest.fixture
def bank_dir(tmp_path):
    """A function writing a bank folder with the real areas.yaml and the given files."""

    def make(files: dict[str, object]) -> Path:
        folder = tmp_path / "bank"
        folder.mkdir(exist_ok=True)
        shutil.copy(QUESTIONS_DIR / "areas.yaml", folder / "areas.yaml")
        for name, content in files.items():
            text = content if isinstance(content, str) else yaml.safe_dump(content)
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return make
