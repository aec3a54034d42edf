"""Self-study with the nbgrader assignments: start a working copy, check it, record evidence.

``start_assignment`` copies ``release/<name>/`` into ``assignments/<name>/`` and never
overwrites a file that is already there. ``check_assignment`` runs a *copy* of the learner's
notebooks top to bottom (the learner's files are never written), reads which visible test
cells passed, and records one attempt per graded cell in the progress store as exercise
evidence for the cell's topic and level (from its ``grade_id``).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmtech.bank import Bank, load_bank, topic_level
from pmtech.nbcells import grade_id, is_graded, is_solution, nbgrader_meta
from pmtech.outcome import Outcome
from pmtech.progress import Attempt, ProgressStore, default_learner

if TYPE_CHECKING:
    import nbformat

CELL_TIMEOUT_S = 60
BLANK_WRITTEN = "YOUR ANSWER HERE"


class AssignmentError(Exception):
    """An assignment cannot be started or checked; the message says why."""


def course_root(start: Path | str | None = None) -> Path:
    """The course folder: the nearest folder at or above ``start`` with nbgrader_config.py."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").exists() and (folder / "release").is_dir():
            return folder
    raise AssignmentError(
        f"no course folder (with nbgrader_config.py and release/) at or above {here}; "
        "run this from inside the course"
    )


def list_assignments(root: Path) -> list[str]:
    """Assignment names available in ``release/``."""
    return sorted(p.name for p in (root / "release").iterdir() if p.is_dir())


def _release_dir(root: Path, name: str) -> Path:
    folder = root / "release" / name
    if not folder.is_dir():
        known = ", ".join(list_assignments(root)) or "none"
        raise AssignmentError(f"no assignment {name!r} in release/; available: {known}")
    return folder


@dataclass(frozen=True)
class StartResult:
    """Where the working copy is, and which files were copied or left alone."""

    folder: Path
    copied: list[str]
    kept: list[str]


def start_assignment(name: str, root: Path | None = None) -> StartResult:
    """Copy an assignment into ``assignments/<name>/``; files already there are kept as they are."""
    root = root or course_root()
    source = _release_dir(root, name)
    target = root / "assignments" / name
    copied, kept = [], []
    for path in sorted(source.rglob("*")):
        if path.is_dir() or ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(source)
        dest = target / rel
        if dest.exists():
            kept.append(str(rel))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        copied.append(str(rel))
    return StartResult(target, copied, kept)


# What a check can say of a cell besides an answer's outcome.
NEEDS_GRADING = "needs_grading"  # a written answer: an instructor grades it
GRADER_ONLY = "grader_only"  # a test with no visible code: only the grader can run it


@dataclass(frozen=True)
class CellResult:
    """The check of one graded cell."""

    notebook: str
    grade_id: str
    points: float
    outcome: str  # an Outcome (correct, incorrect, not attempted), NEEDS_GRADING or GRADER_ONLY
    message: str = ""
    written: bool = False  # a written answer, graded by an instructor


def _error_text(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return ""


def _has_code(source: str) -> bool:
    """True when a cell holds a statement, not only comments and blank lines."""
    return any(ln.strip() and not ln.strip().startswith("#") for ln in source.splitlines())


def _answers_of(nb) -> dict[str, str | None]:
    """Each code test cell's answer: the nearest code answer cell above it."""
    answer_of, last = {}, None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            last = grade_id(cell)
        elif is_graded(cell):
            answer_of[grade_id(cell)] = last
    return answer_of


def _judge(nb, release_nb, notebook: str) -> list[CellResult]:
    """The result of every graded cell of an executed notebook.

    A test cell belongs to the nearest answer cell above it; while that answer is as
    released, the test is not attempted. A test whose visible part holds no code (a timing
    test on a large input, a hidden set of bugs for the learner's own tests) is checked by
    the grader only: it is listed, never recorded as evidence.
    """
    released = {grade_id(c): c.source for c in release_nb.cells if is_solution(c)}
    mine = {grade_id(c): c.source for c in nb.cells if is_solution(c)}
    answer_of = _answers_of(release_nb)
    results = []
    for cell in nb.cells:
        if not is_graded(cell):
            continue
        meta = nbgrader_meta(cell)
        cell_id, points = meta.get("grade_id", "?"), float(meta.get("points", 0))
        if cell.cell_type == "markdown":
            blank = cell.source.strip() in ("", BLANK_WRITTEN)
            outcome = Outcome.NOT_ATTEMPTED if blank else NEEDS_GRADING
            results.append(CellResult(notebook, cell_id, points, outcome, "", written=True))
            continue
        if not _has_code(cell.source):
            results.append(CellResult(notebook, cell_id, points, GRADER_ONLY))
            continue
        answer_id = answer_of.get(cell_id)
        if answer_id in released and mine.get(answer_id, "").strip() == released[answer_id].strip():
            results.append(CellResult(notebook, cell_id, points, Outcome.NOT_ATTEMPTED))
            continue
        error = _error_text(cell)
        results.append(
            CellResult(
                notebook, cell_id, points, Outcome.INCORRECT if error else Outcome.CORRECT, error
            )
        )
    return results


def _execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def check_assignment(
    name: str,
    root: Path | None = None,
    store: ProgressStore | None = None,
    learner: str | None = None,
    bank: Bank | None = None,
) -> list[CellResult]:
    """Run the visible tests of the learner's working copy and record each graded cell.

    Test cells that pass count as correct, failing ones as incorrect, and cells whose answer
    was never changed as not attempted. Written answers, and tests only the grader can run,
    are listed but not scored.
    """
    root = root or course_root()
    release = _release_dir(root, name)
    work = root / "assignments" / name
    notebooks = sorted(work.glob("*.ipynb"))
    if not notebooks:
        raise AssignmentError(
            f"no notebooks in {work}; start the assignment first: pmtech start {name}"
        )
    import nbformat  # here, not at the top: importing it takes ~1.8 s, too slow for every command

    bank = bank or load_bank()
    store = store or ProgressStore()
    learner = learner or default_learner()
    results: list[CellResult] = []
    with tempfile.TemporaryDirectory(prefix="pmtech-check-") as tmp:
        scratch = Path(tmp) / name
        shutil.copytree(work, scratch, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for path in notebooks:
            release_path = release / path.name
            if not release_path.exists():
                continue  # a learner's own extra notebook
            try:
                executed = _execute(scratch / path.name, scratch)
            except nbformat.reader.NotJSONError as exc:
                raise AssignmentError(f"{path} is not a readable notebook: {exc}") from exc
            release_nb = nbformat.read(release_path, as_version=4)
            results.extend(_judge(executed, release_nb, path.name))
    for r in results:
        where = topic_level(r.grade_id, bank)
        if where is None or r.written or r.outcome == GRADER_ONLY:
            continue
        topic, level = where
        store.record(
            Attempt(
                learner=learner,
                question_id=r.grade_id,
                topic=topic,
                level=level,
                outcome=r.outcome,
                answer={"assignment": name, "notebook": r.notebook, "message": r.message},
                source="exercise",
            )
        )
    return results


def format_report(name: str, results: list[CellResult]) -> str:
    """The check as a plain-text table with a points summary."""
    words = {
        Outcome.CORRECT: "✓ passes the visible tests",
        Outcome.INCORRECT: "✗ fails a visible test",
        Outcome.NOT_ATTEMPTED: "○ not attempted",
        NEEDS_GRADING: "… written, graded by your instructor",
        GRADER_ONLY: "· checked by the grader only (a large input or hidden cases)",
    }
    width = max([len(r.grade_id) for r in results] + [10])
    lines = [f"Check of {name}", ""]
    for r in results:
        detail = f"  ({r.message})" if r.outcome == Outcome.INCORRECT and r.message else ""
        lines.append(f"  {r.grade_id:<{width}}  {r.points:>4g} pt  {words[r.outcome]}{detail}")
    passing = sum(r.points for r in results if r.outcome == Outcome.CORRECT)
    total = sum(r.points for r in results if not r.written)
    lines += [
        "",
        f"Visible tests pass on {passing:g} of {total:g} autograded points. "
        "The grader runs more tests than you can see, so treat this as a lower bar.",
    ]
    return "\n".join(lines)
