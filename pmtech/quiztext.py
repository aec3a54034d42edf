"""Keep a text copy of every quiz above its cell, so no quiz reads as blank before it runs.

A quiz cell is a code cell that calls ``quiz([...ids...], ...)`` with a literal list of ids.
The markdown cell right above it, marked with ``metadata.pmtech = "quiz-text"``, holds the
questions as text (for GitHub, ``nbconvert --to html`` and anyone who has not run the cell).
:func:`sync_notebook` rewrites those cells from the bank; running it twice changes nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from pmtech.bank import LEVEL_NAMES, Bank, load_bank, questions_by_ids

MARKER = "quiz-text"


def quiz_ids(source: str) -> list[str] | None:
    """The ids a code cell's ``quiz(...)`` call asks for, or None if it is not a quiz cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "quiz"
            and node.args
        ):
            try:
                value = ast.literal_eval(node.args[0])
            except ValueError:
                return None
            return [value] if isinstance(value, str) else list(value)
    return None


def _literal_dollars(text: str) -> str:
    """Escape dollar signs: JupyterLab and GitHub read a pair of bare $ as a formula."""
    return text.replace("\\$", "$").replace("$", "\\$")


def quiz_markdown(ids: list[str], bank: Bank) -> str:
    """The text version of a quiz, one sentence per line where the prompts allow."""
    lines = [
        "**The questions of the quiz below, as text.** "
        "Run the next cell to answer them, get feedback and save your progress.",
        "",
    ]
    for n, q in enumerate(questions_by_ids(bank, ids), 1):
        prompt = _literal_dollars(" ".join(q.prompt.split()))
        topic = bank.topic(q.topic).title
        lines.append(f"{n}. *{topic}, level {q.level} ({LEVEL_NAMES[q.level]})*: {prompt}")
        if q.kind in ("choice", "multi", "order"):
            verb = {"choice": "pick one", "multi": "pick all that apply", "order": "put in order"}[
                q.kind
            ]
            lines.append(f"   ({verb})")
            lines.extend(f"   - {_literal_dollars(opt)}" for opt in q.options)
        elif q.kind == "number":
            lines.append(f"   (a number{', in ' + q.unit if q.unit else ''})")
        else:
            lines.append(
                "   (a free answer: grade it against the rubric, then see the model answer)"
            )
    return "\n".join(lines)


def sync_notebook(path: Path | str, bank: Bank | None = None, write: bool = True) -> bool:
    """Rewrite the quiz-text cells of one notebook; return True if anything changed."""
    bank = bank or load_bank()
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    changed = False
    cells = []
    for cell in nb.cells:
        ids = quiz_ids(cell.source) if cell.cell_type == "code" else None
        if ids is not None:
            text = quiz_markdown(ids, bank)
            previous = cells[-1] if cells else None
            if previous is not None and previous.metadata.get("pmtech") == MARKER:
                if previous.source != text:
                    previous.source = text
                    changed = True
            else:
                new = nbformat.v4.new_markdown_cell(text, metadata={"pmtech": MARKER})
                cells.append(new)
                changed = True
        cells.append(cell)
    if changed and write:
        nb.cells = cells
        nbformat.write(nb, path)
    return changed
