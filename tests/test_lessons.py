"""Is every question taught before it is asked, in a first pass and a stretch pass, with an
answer a learner can say out loud?"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pmtech.bank import load_bank
from pmtech.lessons import is_section_heading, quiz_cells, untaught_terms

REPO = Path(__file__).resolve().parent.parent
TAUGHT = sorted((REPO / "notebooks").glob("0[0-3]-*.ipynb"))
AREA_NOTEBOOKS = [p for p in TAUGHT if not p.name.startswith("00")]


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.mark.parametrize("path", TAUGHT, ids=lambda p: p.name)
def test_every_question_asked_names_its_key_terms(path, bank):
    """Can the lesson check run at all: does each question a notebook asks list its terms?"""
    bare = [qid for quiz in quiz_cells(path) for qid in quiz.ids if not bank[qid].terms]
    assert not bare, f"{path.name}: questions without terms: {bare}"


@pytest.mark.parametrize("path", TAUGHT, ids=lambda p: p.name)
def test_every_key_term_is_taught_in_the_lesson_above_its_quiz(path, bank):
    """Does the lesson above each quiz use every key term of every question it asks?"""
    missing = untaught_terms(path, bank)
    assert not missing, "\n".join(str(m) for m in missing)


def _new_notebook(tmp_path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_lesson_check_finds_a_term_taught_only_elsewhere(tmp_path, bank):
    """Is a term counted only when it is in this section's lesson, not in a quiz-text copy or
    in another section?"""
    qid = "databases-1-what-is-an-index"
    term = bank[qid].terms[0]
    md = nbformat.v4.new_markdown_cell
    path = _new_notebook(
        tmp_path,
        [
            md(f"## Earlier section\n\nAll about {term}."),
            md("## This section\n\nNothing relevant here."),
            md(f"1. a question about {term}", metadata={"pmtech": "quiz-text"}),
            nbformat.v4.new_code_cell(f'quiz(["{qid}"], title="x")'),
        ],
    )
    missing = untaught_terms(path, bank)
    assert term in {m.term for m in missing}
    assert all(m.section == "## This section" for m in missing)
    taught = " ".join(f"the {t}s" for t in bank[qid].terms)  # plurals count too
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, md(f"Today: {taught}."))
    nbformat.write(nb, path)
    assert untaught_terms(path, bank) == []


@pytest.mark.parametrize("path", AREA_NOTEBOOKS, ids=lambda p: p.name)
def test_levels_one_to_three_come_first_and_four_to_five_in_a_stretch_pass(path, bank):
    """Does each quiz hold one pass only, with the stretch quiz after a stretch lesson?"""
    nb = nbformat.read(path, as_version=4)
    stretch_heading_seen = False
    for quiz in quiz_cells(path):
        if quiz.practice:
            continue
        levels = {bank[qid].level for qid in quiz.ids}
        assert levels <= {1, 2, 3} or levels <= {4, 5}, (
            f"{path.name}, {quiz.section}: one quiz mixes the first pass and the stretch pass"
        )
        if levels <= {4, 5}:
            above = nb.cells[: quiz.index]
            section_start = max(i for i, c in enumerate(above) if is_section_heading(c))
            stretch_heading_seen = any(
                c.cell_type == "markdown" and c.source.startswith("#### Stretch pass")
                for c in above[section_start:]
            )
            assert stretch_heading_seen, f"{path.name}, {quiz.section}: no stretch lesson above"


@pytest.mark.parametrize("path", AREA_NOTEBOOKS, ids=lambda p: p.name)
def test_every_section_ends_with_an_answer_to_say_out_loud(path):
    """Does every section with a quiz offer one spoken model answer?"""
    nb = nbformat.read(path, as_version=4)
    sections, spoken, current = set(), set(), ""
    for cell in nb.cells:
        if is_section_heading(cell):
            current = cell.source.splitlines()[0]
        if cell.cell_type == "markdown" and cell.source.startswith("#### Say it out loud"):
            assert "**The question:**" in cell.source and "\n> " in cell.source
            spoken.add(current)
    sections = {quiz.section for quiz in quiz_cells(path) if not quiz.practice}
    assert sections <= spoken, f"{path.name}: no spoken answer in {sorted(sections - spoken)}"


def test_depth_has_spoken_templates_and_a_whole_interview_in_two_versions():
    """Does 02 teach how to say a trade-off, an estimate and "I don't know", and show one
    system-design interview answered well and badly?"""
    nb = nbformat.read(REPO / "notebooks" / "02-technical-depth.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in (
        "## Answers you can say out loud",
        "### A trade-off question",
        "### An estimate out loud",
        "## A whole system-design interview, strong and weak",
        "### The strong answer",
        "### The weak answer",
    ):
        assert heading in text
    assert "I don't know" in text
