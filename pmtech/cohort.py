"""The cohort view: where each learner's knowledge runs out, from nbgrader and attempt logs.

Three kinds of evidence are merged per learner: graded cells in nbgrader's gradebook (each
``grade_id`` names a topic and level), the attempt logs learners export with ``pmtech
export``, and the logs they hand in through nbgrader's exchange on a hub (credited to the
account that handed them in). All become attempts for the same edge rule the learner sees.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from pmtech.bank import Bank, load_bank, topic_level
from pmtech.edge import TopicEdge, topic_edges
from pmtech.hub.evidence import handed_in_attempts
from pmtech.outcome import Outcome
from pmtech.progress import Attempt, read_export_file

# A graded cell counts as correct when it earned at least this share of its points.
CORRECT_SHARE = 0.75


class CohortError(Exception):
    """The cohort cannot be read; the message says what is missing."""


def gradebook_attempts(db: Path | str, bank: Bank) -> dict[str, list[Attempt]]:
    """Attempts per learner from every graded cell in an nbgrader gradebook (a SQLite file,
    or a database URL).

    Cells still waiting for a manual grade are left out (no evidence yet); cells whose
    grade_id names no known topic and level are ignored.
    """
    from nbgrader.api import Gradebook

    if "://" in str(db):
        url = str(db)  # a database server's URL (PostgreSQL), as nbgrader_config.py takes it
    else:
        db = Path(db)
        if not db.exists():
            raise CohortError(
                f"no gradebook at {db}; run `nbgrader autograde <assignment>` first, "
                "or pass --gradebook with the right path"
            )
        url = f"sqlite:///{db.resolve()}"
    result: dict[str, list[Attempt]] = {}
    with Gradebook(url) as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                learner = submission.student.id
                when = submission.timestamp or datetime.now(timezone.utc)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        where = topic_level(grade.name, bank)
                        if where is None or grade.needs_manual_grade or not grade.max_score:
                            continue
                        share = (grade.score or 0) / grade.max_score
                        result.setdefault(learner, []).append(
                            Attempt(
                                learner=learner,
                                question_id=grade.name,
                                topic=where[0],
                                level=where[1],
                                outcome=Outcome.CORRECT
                                if share >= CORRECT_SHARE
                                else Outcome.INCORRECT,
                                answer={"assignment": assignment.name, "score": grade.score},
                                source="exercise",
                                created_at=when,
                            )
                        )
    return result


def read_logs(
    paths: Iterable[Path | str],
) -> tuple[dict[str, list[Attempt]], dict[str, dict[str, int]]]:
    """From exported attempt logs (files, or folders of ``*.json``), each read once: the
    attempts per learner, and per learner each topic's latest self-rating."""
    attempts: dict[str, list[Attempt]] = {}
    ratings = []
    for path in paths:
        path = Path(path)
        for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            found, rated = read_export_file(file)
            for attempt in found:
                attempts.setdefault(attempt.learner, []).append(attempt)
            ratings += rated
    latest: dict[str, dict[str, int]] = {}
    for rating in sorted(ratings, key=lambda r: r.created_at):
        latest.setdefault(rating.learner, {})[rating.topic] = rating.level
    return attempts, latest


def write_calibration_csv(
    edges_by_learner: dict[str, dict[str, TopicEdge]],
    ratings_by_learner: dict[str, dict[str, int]],
    path: Path | str,
    bank: Bank,
) -> Path:
    """One row per learner and area: topics compared, and the mean gap between the level
    the learner predicted and the edge they showed (above 0: over-rated)."""
    from pmtech.calibration import topic_gaps

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "area", "topics_compared", "mean_gap", "mean_abs_gap"])
        for learner in sorted(ratings_by_learner):
            gaps = topic_gaps(ratings_by_learner[learner], edges_by_learner.get(learner, {}), bank)
            for area in bank.areas:
                mine = [g.gap for g in gaps if g.area == area.id]
                if not mine:
                    continue
                mean = round(sum(mine) / len(mine), 2)
                spread = round(sum(abs(g) for g in mine) / len(mine), 2)
                row = [learner, area.id, len(mine), mean, spread]
                writer.writerow([spreadsheet_safe(cell) for cell in row])
    return path


def cohort_edges(
    gradebook: Path | str | None = None,
    logged: Mapping[str, list[Attempt]] | None = None,
    bank: Bank | None = None,
    course: Path | str | None = None,
) -> dict[str, dict[str, TopicEdge]]:
    """Per learner, per topic edge from the gradebook, attempts from logs (see
    :func:`read_logs`) and the quiz evidence learners handed in through the exchange
    (collected into ``course``)."""
    bank = bank or load_bank()
    merged: dict[str, list[Attempt]] = {}
    sources = []
    if gradebook is not None:
        sources.append(gradebook_attempts(gradebook, bank))
    sources.append(dict(logged or {}))
    if course is not None:
        sources.append(handed_in_attempts(Path(course)))
    for source in sources:
        for learner, attempts in source.items():
            merged.setdefault(learner, []).extend(attempts)
    if not merged:
        raise CohortError(
            "no evidence yet: the gradebook has no graded submissions and no attempt logs "
            "were given"
        )
    topics = [t.id for t in bank.topics_with_questions()]
    open_ids = bank.open_question_ids()
    return {
        learner: topic_edges(attempts, topics, open_questions=open_ids)
        for learner, attempts in merged.items()
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text, never runs as a formula.

    Learner names are chosen by learners; ``=HYPERLINK(...)`` in a CSV cell would run when
    the instructor opens the file. As OWASP advises for CSV files, a text cell that starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe.
    Numbers are left as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_cohort_csv(
    edges_by_learner: dict[str, dict[str, TopicEdge]], path: Path | str, bank: Bank
) -> Path:
    """One row per learner and topic: area, edge, the area's bar, and whether it is below.
    Every text cell goes through :func:`spreadsheet_safe`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "area", "topic", "edge", "interview_bar", "below_bar"])
        for learner in sorted(edges_by_learner):
            for topic, edge in edges_by_learner[learner].items():
                try:
                    area = bank.area_of(topic)
                except KeyError:
                    continue
                row = [learner, area.id, topic, edge.edge, area.bar, int(edge.edge < area.bar)]
                writer.writerow([spreadsheet_safe(cell) for cell in row])
    return path
