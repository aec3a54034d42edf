"""The study schedule: the course as evenings of about 90 minutes, and where a learner is in it.

The schedule is data (``pmtech/questions/schedule.yaml``). Each evening lists steps:

- ``first: <notebook> / <section>``: the first pass of a ``## `` section (read the lesson,
  answer its level 1-3 quiz); ``stretch: <notebook> / <section>``: its level 4-5 pass;
- ``read: <notebook> / <section>`` (or a whole ``<notebook>``): reading and hands-on work
  with no quiz of its own (the diagnostic, a primer, the worked system-design cases);
- ``assignment: <name>``: an nbgrader assignment, with ``pmtech start`` and ``pmtech check``.

A pass is *done* when every question it asks has an answer or a Show me in the learner's
store; the *next evening* is the first with a pass not done (reading and assignments cannot
be seen from the store, so they never hold a learner back). Minutes are estimated from the
content itself: words of lesson at ``READING_WPM``, plus a time per question by kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from pmtech.bank import Bank, load_bank
from pmtech.glossary import unlinked
from pmtech.lessons import is_section_heading
from pmtech.outcome import Outcome
from pmtech.quiztext import MARKER, quiz_ids

SCHEDULE_FILE = Path(__file__).parent / "questions" / "schedule.yaml"
READING_WPM = 130  # technical prose read carefully, with the labs' output to look at
MINUTES_PER_QUESTION = {"choice": 1.5, "multi": 2.0, "number": 3.0, "order": 2.0, "explain": 6.0}
MINUTES_PER_CODE_CELL = 1.0  # run it and read what it printed or drew
MINUTES_PER_ASSIGNMENT = {"04-coding-round": 120}
DEFAULT_ASSIGNMENT_MINUTES = 90
# Work the content does not show: the adaptive diagnostic asks its questions one by one.
MINUTES_EXTRA = {("00-start-here", ""): 30}
KINDS = ("first", "stretch", "read", "assignment")
SCHEDULE_MARKER = "schedule"  # metadata.pmtech of the generated table in 00-start-here


class ScheduleError(ValueError):
    """The schedule names something the course does not have; the message says what."""


@dataclass(frozen=True)
class Step:
    """One thing to do in an evening."""

    kind: str  # first | stretch | read | assignment
    notebook: str  # notebook stem, or the assignment's name
    section: str = ""  # a ``## `` heading's text without the hashes ("" for all of it)

    def __str__(self) -> str:
        if self.kind == "assignment":
            return f"assignment {self.notebook} (pmtech start {self.notebook})"
        where = f"{self.notebook}, {self.section}" if self.section else self.notebook
        label = {"first": "first pass", "stretch": "stretch pass", "read": "read"}[self.kind]
        return f"{label}: {where}"


@dataclass(frozen=True)
class Evening:
    """One evening of study."""

    number: int
    title: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class SectionContent:
    """What one ``## `` section holds: its words, code cells and quiz ids by pass."""

    words: int  # of the first pass (everything but the stretch lessons)
    code_cells: int
    first: tuple[str, ...]
    stretch: tuple[str, ...]
    stretch_words: int = 0  # of the stretch and practice lessons, read in the stretch pass


def load_schedule(path: Path | str = SCHEDULE_FILE) -> tuple[Evening, ...]:
    """Read the schedule, raising ScheduleError naming the evening and step at fault."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScheduleError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise ScheduleError(f"{path.name}: must be a list of evenings")
    evenings = []
    for n, item in enumerate(raw, 1):
        where = f"{path.name}: evening {n}"
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise ScheduleError(f"{where} needs a title and steps")
        steps = []
        for k, step in enumerate(item.get("steps") or (), 1):
            if not isinstance(step, dict) or len(step) != 1 or next(iter(step)) not in KINDS:
                raise ScheduleError(f"{where}, step {k}: one of {', '.join(KINDS)}, with a value")
            ((kind, value),) = step.items()
            notebook, _, section = str(value).partition(" / ")
            steps.append(Step(kind, notebook.strip(), section.strip()))
        if not steps:
            raise ScheduleError(f"{where} has no steps")
        evenings.append(Evening(n, item["title"], tuple(steps)))
    return tuple(evenings)


@dataclass(frozen=True)
class NotebookContent:
    """A notebook's sections (and parts) by title, and the whole notebook counted once."""

    sections: dict[str, SectionContent]
    whole: SectionContent


_CONTENT_SEEN: dict[tuple, NotebookContent] = {}


def notebook_content(notebook: Path, bank: Bank) -> NotebookContent:
    """What a notebook holds, read once per version of the file."""
    notebook = Path(notebook)
    key = (notebook, notebook.stat().st_mtime_ns, id(bank))
    if key not in _CONTENT_SEEN:
        _CONTENT_SEEN[key] = _read_content(notebook, bank)
    return _CONTENT_SEEN[key]


def _read_content(path: Path, bank: Bank) -> NotebookContent:
    """Sections by title (``""`` holds what comes before the first); a part (a ``# ``
    heading after the notebook's title) is a section too, holding everything up to the next
    part; ``whole`` counts every cell once."""
    nb = nbformat.read(path, as_version=4)
    found: dict[str, dict] = {}

    def tally() -> dict:
        return {"words": 0, "stretch_words": 0, "code": 0, "first": [], "stretch": []}

    whole = tally()
    current, part = found.setdefault("", tally()), None
    for n, cell in enumerate(nb.cells):
        first_line = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
        if cell.cell_type == "markdown" and n and re.match(r"#\s", first_line):
            current = part = found.setdefault(first_line[1:].strip(), tally())
        elif is_section_heading(cell):
            current = found.setdefault(re.sub(r"^##\s+", "", first_line).strip(), tally())
        for target in {id(t): t for t in (whole, current, part) if t is not None}.values():
            generated = cell.metadata.get("pmtech") in (MARKER, SCHEDULE_MARKER)
            if cell.cell_type == "markdown" and not generated:
                later = first_line.startswith(("#### Stretch", "#### More to practise"))
                kind = "stretch_words" if later else "words"
                target[kind] += len(unlinked(cell.source).split())  # not the hover text
            elif cell.cell_type == "code":
                ids = quiz_ids(cell.source)
                if ids is None:
                    target["code"] += 1
                for qid in ids or ():
                    target["first" if bank[qid].level <= 3 else "stretch"].append(qid)

    def content(v: dict) -> SectionContent:
        return SectionContent(
            v["words"], v["code"], tuple(v["first"]), tuple(v["stretch"]), v["stretch_words"]
        )

    return NotebookContent({title: content(v) for title, v in found.items()}, content(whole))


def _step_content(step: Step, root: Path, bank: Bank) -> SectionContent | None:
    if step.kind == "assignment":
        if not (root / "release" / step.notebook).is_dir():
            raise ScheduleError(f"the schedule names assignment {step.notebook!r}, not in release/")
        return None
    path = root / "notebooks" / f"{step.notebook}.ipynb"
    if not path.exists():
        raise ScheduleError(f"the schedule names notebook {step.notebook!r}, not in notebooks/")
    found = notebook_content(path, bank)
    if not step.section:
        return found.whole
    if step.section not in found.sections:
        raise ScheduleError(f"{step.notebook} has no section '## {step.section}'")
    return found.sections[step.section]


def step_questions(step: Step, root: Path, bank: Bank) -> tuple[str, ...]:
    """The questions a pass asks (none for reading and assignments)."""
    content = _step_content(step, root, bank)
    if content is None or step.kind == "read":
        return ()
    return content.first if step.kind == "first" else content.stretch


def step_minutes(step: Step, root: Path, bank: Bank) -> float:
    """Estimated minutes: reading (first passes and reading), code cells, and questions."""
    content = _step_content(step, root, bank)
    if content is None:
        return MINUTES_PER_ASSIGNMENT.get(step.notebook, DEFAULT_ASSIGNMENT_MINUTES)
    questions = step_questions(step, root, bank)
    minutes = sum(MINUTES_PER_QUESTION[bank[q].kind] for q in questions)
    if step.kind == "stretch":
        return minutes + content.stretch_words / READING_WPM
    words = content.words + (content.stretch_words if step.kind == "read" else 0)
    minutes += words / READING_WPM + content.code_cells * MINUTES_PER_CODE_CELL
    return minutes + MINUTES_EXTRA.get((step.notebook, step.section), 0)


def evening_minutes(evening: Evening, root: Path, bank: Bank) -> float:
    """The estimated length of one evening, in minutes."""
    return sum(step_minutes(s, root, bank) for s in evening.steps)


def pass_done(step: Step, touched: set[str], root: Path, bank: Bank) -> bool:
    """True when every question of the pass has an answer or a Show me (reading: True)."""
    return all(q in touched for q in step_questions(step, root, bank))


def next_evening(
    attempts: Iterable, schedule: tuple[Evening, ...], root: Path, bank: Bank | None = None
) -> tuple[Evening, list[Step]] | None:
    """The first evening with a pass not done, and its steps still to do; None when all done."""
    bank = bank or load_bank()
    touched = {a.question_id for a in attempts if a.outcome is not Outcome.NOT_ATTEMPTED}
    for evening in schedule:
        open_steps = [s for s in evening.steps if not pass_done(s, touched, root, bank)]
        if open_steps:
            return evening, open_steps
    return None


def schedule_markdown(schedule: tuple[Evening, ...], root: Path, bank: Bank) -> str:
    """The schedule as a Markdown table for ``00-start-here`` (generated, kept in sync)."""
    total = sum(evening_minutes(e, root, bank) for e in schedule)
    lines = [
        f"**The course in {len(schedule)} evenings** (about {total / 60:.0f} hours; the minutes "
        "are estimated from the words to read, the cells to run and the questions to answer).",
        "",
        "| evening | what | steps | minutes |",
        "|---|---|---|---|",
    ]
    for e in schedule:
        steps = "<br>".join(str(s) for s in e.steps)
        lines.append(f"| {e.number} | {e.title} | {steps} | {evening_minutes(e, root, bank):.0f} |")
    return "\n".join(lines)


def sync_schedule_cell(path: Path | str, root: Path, bank: Bank | None = None, write=True) -> bool:
    """Rewrite the notebook's schedule cell (``metadata.pmtech = "schedule"``) from the data.

    Returns True when it changed (or would, with ``write=False``). A notebook without such a
    cell is left alone.
    """
    bank = bank or load_bank()
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("pmtech") == SCHEDULE_MARKER]
    if not cells:
        return False
    text = schedule_markdown(load_schedule(), root, bank)
    if all(c.source == text for c in cells):
        return False
    if write:
        for c in cells:
            c.source = text
        nbformat.write(nb, path)
    return True
