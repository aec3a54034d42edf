"""The glossary: every technical term the course uses, defined once in plain words.

The terms are data (``pmtech/questions/glossary.yaml``); this module loads and checks them,
writes them as a notebook (``notebooks/glossary.ipynb``, one heading per term so a link can
point at it), and links each notebook's first use of a term to its entry. ``pmtech
sync-glossary`` does the writing and the linking; run twice, it changes nothing.

An entry::

    - term: CDN                              # as the heading shows it; the link's anchor
      also: [content delivery network]       # other names the course uses for it (optional)
      means: >-                              # the definition, in plain words (Markdown)
        ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from pmtech.terms import term_pattern

GLOSSARY_FILE = Path(__file__).parent / "questions" / "glossary.yaml"
NOTEBOOK_NAME = "glossary.ipynb"
_INTRO = (
    "# Glossary\n\n"
    "Every technical term the course uses, in plain words, A to Z. The notebooks link the "
    "first use of each term here. The entries are data, kept in "
    "`pmtech/questions/glossary.yaml`; `pmtech sync` writes this notebook from it."
)


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Entry:
    """One term, its other names, and what it means."""

    term: str
    means: str
    also: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the term goes by, the main one first."""
        return (self.term, *self.also)

    @property
    def hover(self) -> str:
        """The definition as a link title (shown on hover): plain text, no quotes or brackets."""
        text = re.sub(r"[*`_]", "", self.means).replace('"', "'")
        return text.replace("(", "- ").replace(")", " -").replace("[", "").replace("]", "")

    @property
    def anchor(self) -> str:
        """The id JupyterLab and nbconvert give the entry's heading (spaces become '-')."""
        return self.term.replace(" ", "-")


@dataclass(frozen=True)
class Glossary:
    """All entries, A to Z, looked up by any of their names."""

    entries: tuple[Entry, ...]

    def find(self, term: str) -> Entry | None:
        """The entry one of whose names is ``term`` (any case, a plural allowed), or None."""
        for entry in self.entries:
            if any(term_pattern(name).fullmatch(term.strip()) for name in entry.names):
                return entry
        return None


def load_glossary(path: Path | str = GLOSSARY_FILE) -> Glossary:
    """Read and check the glossary; raise GlossaryError naming the entry and field at fault."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, list):
        raise GlossaryError(f"{path.name}: must be a list of entries")
    entries, owner = [], {}
    for i, item in enumerate(raw, 1):
        where = f"{path.name}: entry {i}"
        if not isinstance(item, dict):
            raise GlossaryError(f"{where} is not a mapping")
        term, means, also = item.get("term"), item.get("means"), item.get("also", [])
        unknown = set(item) - {"term", "means", "also"}
        if unknown:
            raise GlossaryError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        if not isinstance(term, str) or not term.strip():
            raise GlossaryError(f"{where}: field 'term' must be a non-empty text")
        where = f"{path.name}: entry {term!r}"
        if not isinstance(means, str) or len(means.split()) < 5:
            raise GlossaryError(f"{where}: field 'means' must define it in a sentence or more")
        if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
            raise GlossaryError(f"{where}: field 'also' must be a list of names")
        entry = Entry(term.strip(), " ".join(means.split()), tuple(a.strip() for a in also))
        for name in entry.names:
            key = name.lower()
            if key in owner:
                raise GlossaryError(f"{where}: the name {name!r} is already {owner[key]!r}'s")
            owner[key] = entry.term
        entries.append(entry)
    return Glossary(tuple(sorted(entries, key=lambda e: e.term.lower())))


def glossary_markdown(glossary: Glossary) -> list[str]:
    """The glossary's cells: the introduction, then one cell per initial letter."""
    cells = [_INTRO]
    by_letter: dict[str, list[Entry]] = {}
    for entry in glossary.entries:
        letter = entry.term[0].upper() if entry.term[0].isalpha() else "0-9"
        by_letter.setdefault(letter, []).append(entry)
    for letter, items in by_letter.items():
        parts = [f"## {letter}"]
        for e in items:
            also = f"\n\n*Also:* {', '.join(e.also)}" if e.also else ""
            parts.append(f"### {e.term}\n\n{e.means}{also}")
        cells.append("\n\n".join(parts))
    return cells


# Markdown that must not gain a link: code, existing links and images, HTML tags, URLs,
# maths, and bold-wrapped link text is fine, so ** is not protected.
_PROTECTED = re.compile(
    r"```.*?```|`[^`\n]*`|!?\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]*>|https?://\S+|\$[^$\n]+\$",
    re.DOTALL,
)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
GLOSSARY_LINK = re.compile(rf'\[([^\]\n]+)\]\({re.escape(NOTEBOOK_NAME)}#[^)\s]+(?: "[^"\n]*")?\)')


def _plain_word(name: str) -> bool:
    """A single lower-case word ("key", "stack", "core"): ambiguous in ordinary prose."""
    return name.islower() and re.fullmatch(r"[a-z]+", name) is not None


def _link_first(text: str, entry: Entry) -> str | None:
    """``text`` with the first use of ``entry`` made a link, or None when it is not used.

    A name that is a single lower-case word is linked only where a lesson sets it in bold,
    as lessons do where they define a term: "the **key**" is the term, "the key question"
    is not. A name in capitals is matched in capitals only.
    """
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue  # headings keep their text: their anchors come from it
        protected = [m.span() for m in _PROTECTED.finditer(line)]
        bold = [m.span(1) for m in _BOLD.finditer(line)]
        best = None
        for name in entry.names:
            for m in term_pattern(name).finditer(line):
                if any(a <= m.start() < b for a, b in protected):
                    continue
                if _plain_word(name) and not any(a <= m.start() < b for a, b in bold):
                    continue
                if (
                    line[m.end() : m.end() + 1] == "-"
                    or line[max(0, m.start() - 1) : m.start()] == "-"
                ):
                    continue  # part of a compound: "LLM-as-judge" is not "LLM"
                if name.isupper() and not m.group(0).startswith(name):
                    continue  # "POST" and "WHERE" are terms; "post" and "where" are prose
                if best is None or m.start() < best.start():
                    best = m
                break
        if best is not None:
            link = f'[{best.group(0)}]({NOTEBOOK_NAME}#{entry.anchor} "{entry.hover}")'
            lines[n] = line[: best.start()] + link + line[best.end() :]
            return "\n".join(lines)
    return None


def unlinked(text: str) -> str:
    """``text`` with its links to the glossary turned back into plain words."""
    return GLOSSARY_LINK.sub(r"\1", text)


def link_notebook(nb, glossary: Glossary) -> bool:
    """Link the first use of every glossary term in one notebook; True if anything changed.

    The links are generated: existing links to the glossary are taken out and every term's
    first use linked afresh, so moving or adding text moves the link to the new first use,
    and running twice changes nothing. Generated cells (``metadata.pmtech`` set: quiz text,
    the schedule table) are never linked.
    """
    cells = [  # generated cells are rewritten by their own sync, never linked
        c for c in nb.cells if c.cell_type == "markdown" and not c.metadata.get("pmtech")
    ]
    before = [c.source for c in cells]
    for cell in cells:
        cell.source = unlinked(cell.source)
    # Longest names first: "sprint retrospective" is linked before "sprint" can split it.
    by_length = sorted(glossary.entries, key=lambda e: -max(len(n) for n in e.names))
    for entry in by_length:
        for cell in cells:
            linked = _link_first(cell.source, entry)
            if linked is not None:
                cell.source = linked
                break
    return [c.source for c in cells] != before


def sync_glossary(notebooks: Path | str, glossary: Glossary | None = None, write=True) -> list:
    """Write ``glossary.ipynb`` and link first uses in every other notebook of the folder.

    Returns the paths that changed (or would change, with ``write=False``).
    """
    glossary = glossary or load_glossary()
    folder = Path(notebooks)
    changed = []
    target = folder / NOTEBOOK_NAME
    wanted = glossary_markdown(glossary)
    current = nbformat.read(target, as_version=4) if target.exists() else None
    if current is None or [c.source for c in current.cells] != wanted:
        changed.append(target)
        if write:
            nb = nbformat.v4.new_notebook()
            nb.metadata = current.metadata if current is not None else _kernel_metadata(folder)
            nb.cells = [nbformat.v4.new_markdown_cell(text) for text in wanted]
            nbformat.write(nb, target)
    for path in sorted(folder.glob("*.ipynb")):
        if path.name == NOTEBOOK_NAME:
            continue
        nb = nbformat.read(path, as_version=4)
        if link_notebook(nb, glossary):
            changed.append(path)
            if write:
                nbformat.write(nb, path)
    return changed


def _kernel_metadata(folder: Path) -> dict:
    """The kernel metadata of the course's first notebook, so the glossary opens alike."""
    for path in sorted(folder.glob("*.ipynb")):
        return dict(nbformat.read(path, as_version=4).metadata)
    return {}
