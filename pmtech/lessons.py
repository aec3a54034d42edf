"""Is every question a notebook asks taught above it? The lesson check, as plain functions.

A notebook's *lesson* for a quiz cell is the Markdown of its section up to that cell: every
markdown cell from the nearest ``## `` heading above the quiz down to the quiz, leaving out the
generated quiz-text copies (they hold the questions themselves, so they would teach nothing).
Each question carries ``terms`` in the bank; each term must appear in the lesson above every
quiz that asks the question (:func:`pmtech.terms.mentions`). A practice cell at the end of a
topic's section asks every question of that topic, so all of them must be taught there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from pmtech.bank import Bank, load_bank
from pmtech.glossary import unlinked
from pmtech.quiztext import MARKER, quiz_ids
from pmtech.terms import mentions

_PRACTICE = re.compile(r'^practice\(\s*"([a-z0-9-]+)"')


@dataclass(frozen=True)
class QuizCell:
    """One quiz cell of a notebook and the lesson text above it."""

    notebook: str
    index: int  # the cell's position in the notebook
    section: str  # the ``## `` heading the quiz belongs to ("" before the first one)
    ids: tuple[str, ...]
    lesson: str
    practice: bool = False  # a practice cell: it can serve any question of its topic


@dataclass(frozen=True)
class UntaughtTerm:
    """A question's key term that its lesson never uses."""

    notebook: str
    section: str
    question_id: str
    term: str

    def __str__(self) -> str:
        where = f"{self.notebook}, {self.section or 'before the first section'}"
        return f"{where}: {self.question_id} needs {self.term!r}, which the lesson never uses"


def is_section_heading(cell) -> bool:
    """A markdown cell that opens a section (its first line is a ``## `` heading)."""
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("## ")


def practice_topic(source: str) -> str | None:
    """The topic a practice cell (``practice("<topic>")``) serves, or None."""
    match = _PRACTICE.match(source.strip())
    return match.group(1) if match else None


def quiz_cells(path: Path | str, bank: Bank | None = None) -> list[QuizCell]:
    """Every cell that asks questions, each with the lesson above it.

    A quiz cell asks its literal list of ids, its lesson being its ``## `` section's text.
    A practice cell asks every question of its topic (from ``bank``), so its lesson runs from
    the first section of the notebook whose quizzes ask that topic down to the cell.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    bank = bank or load_bank()
    found, lessons = [], []  # lessons: (section, text) of every lesson cell so far
    section = ""
    topic_starts: dict[str, int] = {}  # topic -> index in lessons where its section starts
    section_start = 0
    for index, cell in enumerate(nb.cells):
        if is_section_heading(cell):
            section, section_start = cell.source.lstrip().splitlines()[0], len(lessons)
        if cell.cell_type == "markdown" and cell.metadata.get("pmtech") != MARKER:
            lessons.append(unlinked(cell.source))  # "[index](glossary.ipynb#index)" is "index"
        if cell.cell_type != "code":
            continue
        ids = quiz_ids(cell.source)
        topic = practice_topic(cell.source)
        if ids:
            for qid in ids:
                topic_starts.setdefault(bank[qid].topic, section_start)
            text = "\n\n".join(lessons[section_start:])
            found.append(QuizCell(path.name, index, section, tuple(ids), text))
        elif topic is not None:
            start = topic_starts.get(topic, section_start)
            asked = tuple(q.id for q in bank.questions.values() if q.topic == topic)
            text = "\n\n".join(lessons[start:])
            found.append(QuizCell(path.name, index, section, asked, text, practice=True))
    return found


def untaught_terms(path: Path | str, bank: Bank | None = None) -> list[UntaughtTerm]:
    """Each (question, term) of a notebook's quizzes that the lesson above the quiz lacks."""
    bank = bank or load_bank()
    missing = []
    for quiz in quiz_cells(path, bank):
        for qid in quiz.ids:
            for term in bank[qid].terms:
                if not mentions(quiz.lesson, term):
                    missing.append(UntaughtTerm(quiz.notebook, quiz.section, qid, term))
    return missing


def lesson_words(path: Path | str) -> dict[str, int]:
    """Words of lesson per ``## `` section (markdown cells, quiz-text copies left out)."""
    nb = nbformat.read(Path(path), as_version=4)
    words: dict[str, int] = {}
    section = ""
    for cell in nb.cells:
        if is_section_heading(cell):
            section = cell.source.lstrip().splitlines()[0]
        if cell.cell_type == "markdown" and cell.metadata.get("pmtech") != MARKER:
            words[section] = words.get(section, 0) + len(unlinked(cell.source).split())
    return words
