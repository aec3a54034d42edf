"""Grade what can be graded when a learner's notebook carries honest accidents.

Copying a cell in JupyterLab copies its nbgrader metadata, so a learner who duplicates a
solution cell hands in two cells with one grade id; a cell pasted from another notebook
carries a grade id this assignment does not know; a notebook saved by older tools may carry
an older nbgrader metadata format. Stock nbgrader fails the whole submission on each of
these (its own ``DeduplicateIds`` leaves an empty metadata block that the final check then
rejects as an outdated format).

This sanitising step takes the place of ``DeduplicateIds``: it upgrades old metadata, keeps
the last copy of each graded cell (as nbgrader does), and turns every other copy and every
cell the gradebook does not know into an ordinary cell: its code still runs, it is simply not
graded. The locked originals are still restored from the gradebook by ``OverwriteCells``
afterwards, so none of this can earn a point. What was found is written into a note at the
top of the notebook, which the learner sees in their feedback and ``pmtech grade`` repeats in
its summary.
"""

from __future__ import annotations

import contextlib

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import SchemaMismatchError
from nbgrader.preprocessors import NbGraderPreprocessor

NOTE_HEADING = "**Note from the grader.**"
NOTE_INTRO = (
    " Some cells of this notebook were set aside while it was graded: their code still ran, "
    "but they are not graded themselves (cell numbers count the notebook you handed in)."
)


def _roles(meta: dict) -> bool:
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked") or meta.get("task"))


def shown(grade_id) -> str:
    """A learner-chosen grade id as it may appear in a note: printable, short, no markup."""
    text = "".join(ch for ch in str(grade_id) if ch.isalnum() or ch in "-_. ")[:60]
    return f"'{text}'"


def note_cell(notes: list[str], with_id: bool) -> NotebookNode:
    """The markdown cell that tells the learner what was set aside, one line per cell."""
    lines = [NOTE_HEADING + NOTE_INTRO, ""] + [f"- {note}" for note in notes]
    cell = NotebookNode(cell_type="markdown", metadata={}, source="\n".join(lines))
    if with_id:
        import uuid

        cell["id"] = "pmtech-grading-note-" + uuid.uuid4().hex[:8]
    return cell


def grading_notes(nb) -> list[str]:
    """The notes :class:`NeutraliseStrayCells` left at the top of a graded notebook."""
    if not nb.cells:
        return []
    first = nb.cells[0]
    if first.get("cell_type") != "markdown" or not first.source.startswith(NOTE_HEADING):
        return []
    return [line[2:] for line in first.source.splitlines() if line.startswith("- ")]


class NeutraliseStrayCells(NbGraderPreprocessor):
    """Set aside duplicated, unknown and id-less graded cells, with a note saying so."""

    def preprocess(self, nb, resources):
        """Repair the notebook's nbgrader metadata against the gradebook."""
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                known = {cell.name for cell in source.source_cells}
            except MissingEntry:
                known = set()
        validator = MetadataValidator()
        notes: list[tuple[int, str]] = []
        kept: set[str] = set()
        for index in range(len(nb.cells) - 1, -1, -1):
            cell = nb.cells[index]
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            where = f"cell {index + 1}"
            if not isinstance(meta, dict):
                reason = "its grading information was unreadable"
            else:
                # What cannot be upgraded is left for nbgrader's own check, which names it.
                with contextlib.suppress(SchemaMismatchError, KeyError, TypeError, ValueError):
                    validator.upgrade_cell_metadata(cell)
                meta = cell.metadata.get("nbgrader", {})
                grade_id = meta.get("grade_id")
                if not _roles(meta) and not grade_id:
                    reason = ""  # an empty block (older nbgrader's own leftover): drop quietly
                elif not grade_id:
                    reason = "it was marked for grading but has no grade id"
                elif grade_id not in known:
                    reason = f"{shown(grade_id)} is not a graded cell of this notebook"
                elif grade_id in kept:
                    reason = (
                        f"it is a copy of the graded cell {shown(grade_id)} (the last copy is "
                        "graded)"
                    )
                else:
                    kept.add(grade_id)
                    continue
            del cell.metadata["nbgrader"]
            if reason:
                notes.append((index, f"{where}: {reason}."))
        if notes:
            text = [note for _, note in sorted(notes)]
            for note in text:
                self.log.warning("Set aside %s", note)
            nb.cells.insert(0, note_cell(text, with_id=nb.get("nbformat_minor", 0) >= 5))
        return nb, resources
