"""Does every notebook run top to bottom, ship clean, and show its quizzes as text?"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from pmtech.quiztext import MARKER, quiz_ids, sync_notebook

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["00-start-here.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_headless(path, tmp_path, private_home):
    """Does the notebook run top to bottom without error in a fresh kernel?"""
    work = tmp_path / path.name
    shutil.copy(path, work)
    nb = nbformat.read(work, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    if any(c.cell_type == "code" for c in nb.cells):  # the glossary is reading only
        assert (private_home / "progress.db").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert dirty == [], f"cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_quiz_has_an_up_to_date_text_copy(path):
    """Before running (and on GitHub), does each quiz cell have its questions as text above?"""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and quiz_ids(cell.source):
            above = nb.cells[i - 1]
            assert above.metadata.get("pmtech") == MARKER, f"cell {i} has no text copy above"
    assert not sync_notebook(path, write=False), (
        f"{path.name}: quiz text is stale; run `pmtech sync`"
    )
