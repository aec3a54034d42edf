"""Is every question a notebook asks taught above it? The lesson check, as plain functions.

A notebook's *lesson* for a quiz cell is the Markdown of its section up to that cell: every
markdown cell from the nearest ``## `` heading above the quiz down to the quiz, leaving out the
generated quiz-text copies (they hold the questions themselves, so they would teach nothing).
Each question carries ``terms`` in the bank; each term must appear in the lesson above every
quiz that asks the question (:func:`pmtech.terms.mentions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from pmtech.bank import Bank, load_bank
from pmtech.quiztext import MARKER, quiz_ids
from pmtech.terms import mentions


@dataclass(frozen=True)
class QuizCell:
    """One quiz cell of a notebook and the lesson text above it."""

    notebook: str
    index: int  # the cell's position in the notebook
    section: str  # the ``## `` heading the quiz belongs to ("" before the first one)
    ids: tuple[str, ...]
    lesson: str


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


def quiz_cells(path: Path | str) -> list[QuizCell]:
    """Every quiz cell with a literal list of ids, each with the lesson above it."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    found = []
    section, lesson = "", []
    for index, cell in enumerate(nb.cells):
        if is_section_heading(cell):
            section, lesson = cell.source.lstrip().splitlines()[0], []
        if cell.cell_type == "markdown" and cell.metadata.get("pmtech") != MARKER:
            lesson.append(cell.source)
        ids = quiz_ids(cell.source) if cell.cell_type == "code" else None
        if ids:
            found.append(QuizCell(path.name, index, section, tuple(ids), "\n\n".join(lesson)))
    return found


def untaught_terms(path: Path | str, bank: Bank | None = None) -> list[UntaughtTerm]:
    """Each (question, term) of a notebook's quizzes that the lesson above the quiz lacks."""
    bank = bank or load_bank()
    missing = []
    for quiz in quiz_cells(path):
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
            words[section] = words.get(section, 0) + len(cell.source.split())
    return words
