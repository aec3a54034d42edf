"""Does the glossary define every term the course uses, and do the notebooks link to it?"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from pmtech.bank import load_bank
from pmtech.glossary import (
    NOTEBOOK_NAME,
    Entry,
    Glossary,
    GlossaryError,
    link_notebook,
    load_glossary,
    sync_glossary,
    unlinked,
)
from pmtech.quiztext import MARKER

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
WORDLIST = REPO / "pmtech" / "questions" / "terms-to-define.yaml"
ACRONYM = re.compile(r"(?<![\w/.-])([A-Z][A-Z0-9]{1,5}(?:/[0-9.]+)?)(?![\w-])")


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.fixture(scope="module")
def wordlist():
    return yaml.safe_load(WORDLIST.read_text(encoding="utf-8"))


def _course_text() -> str:
    """Every lesson and every question a learner reads."""
    parts = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name == NOTEBOOK_NAME:
            continue
        nb = nbformat.read(path, as_version=4)
        parts += [
            unlinked(c.source)  # a link's hover text is the glossary's own words
            for c in nb.cells
            if c.cell_type == "markdown" and c.metadata.get("pmtech") != MARKER
        ]
    for q in load_bank().questions.values():
        parts += [q.prompt, *q.options]
    return "\n".join(parts)


def test_every_key_term_of_every_question_is_in_the_glossary(glossary):
    """Can a learner look up every term a question hinges on?"""
    missing = sorted(
        {t for q in load_bank().questions.values() for t in q.terms if glossary.find(t) is None}
    )
    assert not missing, f"add to pmtech/questions/glossary.yaml: {missing}"


def test_every_glossary_worthy_term_the_course_uses_is_defined(glossary, wordlist):
    """Is every listed technical term, and every acronym a lesson or question uses, defined?

    ``terms-to-define.yaml`` keeps the list as data: ``define`` holds terms that need an
    entry whenever the course uses them; ``plain`` holds capitalised words that are not
    jargon (a role, a currency, a country)."""
    text = re.sub(r"```.*?```|`[^`\n]*`", " ", _course_text(), flags=re.DOTALL)  # code is not prose
    plain = {p.lower() for p in wordlist["plain"]}
    used = {t for t in wordlist["define"] if re.search(rf"(?i)\b{re.escape(t)}", text)}
    used |= {m.group(1) for m in ACRONYM.finditer(text) if m.group(1).lower() not in plain}
    missing = sorted(t for t in used if glossary.find(t) is None)
    assert not missing, f"define these in glossary.yaml, or list plain words as plain: {missing}"


def test_the_glossary_notebook_and_the_links_to_it_are_up_to_date(tmp_path):
    """Is glossary.ipynb written from the data, with each notebook's first uses linked?"""
    stale = sync_glossary(NOTEBOOKS, write=False)
    assert not stale, f"run `pmtech sync`: {[p.name for p in stale]}"


def test_every_glossary_link_points_at_an_entry(glossary):
    anchors = {e.anchor for e in glossary.entries}
    links = 0
    for path in sorted(NOTEBOOKS.glob("0*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        for anchor in re.findall(rf"\]\({re.escape(NOTEBOOK_NAME)}#([^)\s]+)", text):
            assert anchor in anchors, f"{path.name} links to a missing entry {anchor!r}"
            links += 1
    assert links > 100


def _linked(cells: list[str]) -> list[str]:
    glossary = Glossary(
        (
            Entry("CDN", "A network of servers near users.", ("content delivery network",)),
            Entry("load balancer", "It spreads requests over servers."),
            Entry("POST", "The HTTP method that asks the server to process something."),
        )
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c) for c in cells]
    link_notebook(nb, glossary)
    return [c.source for c in nb.cells]


def test_the_first_use_is_linked_once_and_code_headings_and_links_are_left_alone():
    cells = _linked(
        [
            "## What a CDN does",
            "Use `CDN_URL` and [our CDN](https://example.com/cdn) docs.",
            "A **content delivery network** (CDN) sits in front. Load balancers too.",
            "Another CDN mention.",
            "A blog post is not a POST request.",
        ]
    )
    assert cells[0] == "## What a CDN does"
    assert cells[1] == "Use `CDN_URL` and [our CDN](https://example.com/cdn) docs."
    assert cells[2] == (
        'A **[content delivery network](glossary.ipynb#CDN "A network of servers near users.")** '
        '(CDN) sits in front. [Load balancers](glossary.ipynb#load-balancer "It spreads requests '
        'over servers.") too.'
    )
    assert cells[3] == "Another CDN mention."
    assert cells[4].startswith("A blog post is not a [POST](glossary.ipynb#POST ")
    assert _linked(cells) == cells  # running twice changes nothing


def test_a_single_common_word_is_linked_only_where_a_lesson_defines_it_in_bold():
    glossary = Glossary((Entry("key", "A value that identifies a record in a store."),))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("The key question is cost."),
        nbformat.v4.new_markdown_cell("Each row has a **key**, and the key is unique."),
    ]
    link_notebook(nb, glossary)
    assert nb.cells[0].source == "The key question is cost."
    linked = (
        'Each row has a **[key](glossary.ipynb#key "A value that identifies a record in a '
        'store.")**, and the key is unique.'
    )
    assert nb.cells[1].source == linked


def test_a_link_shows_the_definition_on_hover_without_breaking_the_markdown():
    entry = Entry("CDN", 'Servers (called "edges") near users, with *copies*.')
    assert entry.hover == "Servers - called 'edges' - near users, with copies."


def test_a_malformed_entry_is_named_with_its_field(tmp_path):
    bad = tmp_path / "glossary.yaml"
    bad.write_text("- term: CDN\n  means: short\n")
    with pytest.raises(GlossaryError, match="entry 'CDN': field 'means'"):
        load_glossary(bad)
    bad.write_text(
        "- term: CDN\n  means: a network of servers near users\n"
        "- term: edge network\n  also: [cdn]\n  means: the same thing by another name\n"
    )
    with pytest.raises(GlossaryError, match="the name 'cdn' is already 'CDN'"):
        load_glossary(bad)
