"""Do the table, the charts and the CLI show what the store holds?"""

from __future__ import annotations

import json
import struct

from pmtech.bank import load_bank
from pmtech.chart import (
    draw_cohort_chart,
    draw_learner_chart,
    edge_table,
    learner_edges,
    save_figure,
)
from pmtech.cli import main
from pmtech.edge import topic_edges
from pmtech.progress import Attempt, ProgressStore


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def answer_topic(store, topic, up_to_level, learner="tester"):
    """Answer every question of a topic: right up to a level, wrong above it."""
    for q in load_bank().for_topic(topic):
        outcome = "correct" if q.level <= up_to_level else "incorrect"
        store.record(
            Attempt(
                learner=learner, question_id=q.id, topic=q.topic, level=q.level, outcome=outcome
            )
        )


def test_table_shows_levels_edge_and_bar(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    answer_topic(store, "specs", 2)
    edges = learner_edges(store, "tester")
    assert edges["specs"].edge == 2
    table = edge_table(edges, learner="tester")
    line = next(ln for ln in table.splitlines() if "Specifying features" in ln)
    assert line.count("✓ held") == 2 and line.count("✗ failed") == 3
    assert "<- below the bar" in line  # edge 2 < the engineers bar of 3
    assert "How you work with engineers (interview bar: level 3)" in table
    unknown = next(ln for ln in table.splitlines() if "Performance and latency" in ln)
    assert unknown.count("? unknown") == 5


def test_learner_chart_png(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    answer_topic(store, "code-lifecycle", 4)
    fig = draw_learner_chart(learner_edges(store, "tester"), learner="tester")
    width, height = png_size(save_figure(fig, tmp_path / "chart.png"))
    assert width > 800 and height > 200
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("Code lifecycle" in t and "(edge 4)" in t for t in labels)


def test_cohort_chart_for_many_learners(tmp_path):
    bank = load_bank()
    topics = [t.id for t in bank.topics_with_questions()]
    edges = {f"l{i}": topic_edges([], topics) for i in range(80)}
    fig = draw_cohort_chart(edges, bank)
    png_size(save_figure(fig, tmp_path / "cohort.png"))
    assert fig.axes[0].get_ylabel() == "80 learners"


def test_cli_progress_prints_table_and_writes_png(private_home, capsys):
    store = ProgressStore()
    answer_topic(store, "specs", 1)
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "Knowledge edge of tester" in out
    png = private_home / "knowledge-edge.png"
    assert f"Chart written to {png}" in out
    png_size(png)


def test_cli_export_import_round_trip(tmp_path, capsys):
    src, dst = tmp_path / "a.db", tmp_path / "b.db"
    answer_topic(ProgressStore(src), "specs", 5)
    out = tmp_path / "mine.json"
    assert main(["export", str(out), "--store", str(src)]) == 0
    assert json.loads(out.read_text())["learner"] == "tester"
    assert main(["import", str(out), "--store", str(dst)]) == 0
    assert main(["import", str(out), "--store", str(dst)]) == 0
    text = capsys.readouterr().out
    n = len(load_bank().for_topic("specs"))
    assert f"Imported {n} attempts (0 were already there)." in text
    assert f"Imported 0 attempts ({n} were already there)." in text


def test_cli_reports_a_bad_import_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert main(["import", str(bad), "--store", str(tmp_path / "p.db")]) == 2
    err = capsys.readouterr().err
    assert "is not valid JSON" in err and "Traceback" not in err


def test_one_chart_per_area_fits_a_laptop_screen(tmp_path):
    """Is each area's chart at most about 800 pixels tall at the notebook's 100 dpi, and does
    it hold that area's topics only?"""
    store = ProgressStore(tmp_path / "p.db")
    answer_topic(store, "caching", 3)
    bank = load_bank()
    edges = learner_edges(store, "tester", bank)
    for area in bank.areas:
        fig = draw_learner_chart(edges, bank, "tester", area.id)
        path = tmp_path / f"{area.id}.png"
        fig.savefig(path, dpi=100)
        width, height = png_size(path)
        assert height <= 800, f"{area.id}: {height} px"
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert len(labels) == len(area.topics)
        titles = {t.title for t in area.topics}
        assert all(label.split("  (edge")[0] in titles for label in labels)
    whole = draw_learner_chart(edges, bank, "tester")
    assert len(whole.axes[0].get_yticklabels()) == sum(len(a.topics) for a in bank.areas)
