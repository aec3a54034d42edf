"""Does the cohort view turn attempt logs into per-learner edges, at the scale of a cohort?"""

from __future__ import annotations

import csv
import random

import pytest

from pmtech.bank import load_bank
from pmtech.cli import main
from pmtech.cohort import CohortError, cohort_edges, read_logs, spreadsheet_safe
from pmtech.progress import Attempt, ProgressStore

from .test_chart_cli import png_size


def synthetic_export(path, learners, seed=5):
    """One export file with every learner answering every question; true edge known."""
    rng = random.Random(seed)  # seeded: the same cohort every run
    bank = load_bank()
    store = ProgressStore(path.with_suffix(".db"))
    truth = {}
    rows = []
    for i in range(learners):
        name = f"learner-{i:03d}"
        truth[name] = edge = rng.randint(0, 5)
        for q in bank.questions.values():
            rows.append(
                Attempt(
                    learner=name,
                    question_id=q.id,
                    topic=q.topic,
                    level=q.level,
                    outcome="correct" if q.level <= edge else "incorrect",
                )
            )
    store._insert(rows, ignore_existing=False)
    store.export_json(path)
    return truth


def test_cohort_of_500_from_logs(tmp_path, capsys):
    """Is every one of 500 learners charted, with the edge their answers show?"""
    truth = synthetic_export(tmp_path / "all.json", 500)
    out = tmp_path / "out"
    assert main(["cohort", "--logs", str(tmp_path / "all.json"), "--out", str(out)]) == 0
    assert "500 learners" in capsys.readouterr().out
    with open(out / "cohort.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    topics = {t.id for t in load_bank().topics_with_questions()}
    assert len(rows) == 500 * len(topics)
    for row in rows[:: len(topics)]:
        assert int(row["edge"]) == truth[row["learner"]]
        assert row["below_bar"] == str(int(int(row["edge"]) < int(row["interview_bar"])))
    width, height = png_size(out / "cohort.png")
    assert width > 400 and height > 300


def test_missing_gradebook_is_said_clearly(tmp_path, capsys):
    assert main(["cohort", "--gradebook", str(tmp_path / "none.db")]) == 2
    assert "no gradebook at" in capsys.readouterr().err


def test_no_evidence_is_said_clearly(tmp_path):
    empty = tmp_path / "empty.json"
    ProgressStore(tmp_path / "e.db").export_json(empty)
    with pytest.raises(CohortError, match="no evidence yet"):
        cohort_edges(None, read_logs([empty])[0])


def test_a_learner_name_cannot_become_a_spreadsheet_formula(tmp_path):
    """Does a name like =HYPERLINK(...) reach cohort.csv as text, not as a formula?"""
    store = ProgressStore(tmp_path / "x.db")
    bank = load_bank()
    question = next(iter(bank.questions.values()))
    hostile = ['=HYPERLINK("http://127.0.0.1/x","click")', "+1+cmd", "@SUM(A1)", "-2+3", "\tx"]
    store._insert(
        [
            Attempt(
                learner=name,
                question_id=question.id,
                topic=question.topic,
                level=question.level,
                outcome="correct",
            )
            for name in [*hostile, "ordinary-learner"]
        ],
        ignore_existing=False,
    )
    store.export_json(tmp_path / "x.json")
    out = tmp_path / "out"
    assert main(["cohort", "--logs", str(tmp_path / "x.json"), "--out", str(out)]) == 0
    with open(out / "cohort.csv", newline="", encoding="utf-8") as f:
        names = {row["learner"] for row in csv.DictReader(f)}
    assert names == {"'" + name for name in hostile} | {"ordinary-learner"}
    assert spreadsheet_safe(3) == 3 and spreadsheet_safe("ada") == "ada"


def test_the_cohort_view_shows_each_learners_calibration_gap(tmp_path, capsys):
    """Learners who export their self-ratings get a row per area in calibration.csv: one
    who predicts 4 and holds 2 in caching is over-rated by 2 in depth."""
    from pmtech.progress import SelfRating

    bank = load_bank()
    store = ProgressStore(tmp_path / "ana.db")
    for q in bank.for_topic("caching"):
        store.record(Attempt("ana", q.id, q.topic, q.level, "correct" if q.level <= 2 else
                             "incorrect"))  # fmt: skip
    store.record_rating(SelfRating("ana", "caching", 4))
    store.export_json(tmp_path / "ana.json", "ana")
    out = tmp_path / "out"
    assert main(["cohort", "--logs", str(tmp_path / "ana.json"), "--out", str(out)]) == 0
    assert f"{out / 'calibration.csv'}" in capsys.readouterr().out
    with open(out / "calibration.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {"learner": "ana", "area": "depth", "topics_compared": "1", "mean_gap": "2.0",
         "mean_abs_gap": "2.0"}
    ]  # fmt: skip
