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
    panels,
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


def test_cli_progress_prints_table_and_writes_one_png_per_area(private_home, capsys):
    """``pmtech progress`` writes a chart per area, each at most about a screen tall;
    ``--full`` writes the one chart of every topic instead."""
    store = ProgressStore()
    answer_topic(store, "specs", 1)
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "Knowledge edge of tester" in out
    for area in load_bank().areas:
        png = private_home / f"knowledge-edge-{area.id}.png"
        assert f"  {png}" in out
        assert png_size(png)[1] <= 900
    assert not (private_home / "knowledge-edge.png").exists()
    assert main(["progress", "--full"]) == 0
    assert f"Chart written to {private_home / 'knowledge-edge.png'}" in capsys.readouterr().out
    assert png_size(private_home / "knowledge-edge.png")[1] > 1200


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
    """With evidence in every topic: is each area's chart at most about 800 pixels tall at
    the notebook's 100 dpi, does it hold that area's topics only, and do the panels hold
    every topic once?"""
    store = ProgressStore(tmp_path / "p.db")
    bank = load_bank()
    for n, topic in enumerate(bank.topics_with_questions()):
        answer_topic(store, topic.id, n % 6)
    edges = learner_edges(store, "tester", bank)
    assert all(any(lv.counted for lv in e.levels) for e in edges.values())
    cut = panels(edges, bank)
    assert [name for name, _, _ in cut] == [area.id for area in bank.areas]
    assert sorted(t for _, _, shown in cut for t in shown) == sorted(edges)
    for name, area_id, shown in cut:
        fig = draw_learner_chart(shown, bank, "tester", area_id)
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=100)
        width, height = png_size(path)
        assert height <= 800 and width <= 1200, f"{name}: {width}x{height} px"
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        titles = {t.title for t in bank.area(area_id).topics}
        assert len(labels) == len(shown)
        assert all(label.split("  (edge")[0] in titles for label in labels)
        table = edge_table(shown, bank, "tester", legend=False)
        assert all(bank.topic(t).title in table for t in shown)
    whole = draw_learner_chart(edges, bank, "tester")
    assert len(whole.axes[0].get_yticklabels()) == sum(len(a.topics) for a in bank.areas)


def test_an_area_with_more_topics_than_a_screen_holds_is_cut_in_parts(monkeypatch):
    """An area longer than one panel is drawn in parts, each within the row limit."""
    import pmtech.chart

    monkeypatch.setattr(pmtech.chart, "PANEL_ROWS", 6)
    bank = load_bank()
    edges = {t.id: topic_edges([], [t.id])[t.id] for t in bank.topics_with_questions()}
    cut = panels(edges, bank)
    depth = [(name, shown) for name, area_id, shown in cut if area_id == "depth"]
    assert [name for name, _ in depth] == ["depth-1", "depth-2", "depth-3"]
    assert all(len(shown) <= 6 for _, shown in depth)
    assert sum(len(shown) for _, shown in depth) == len(bank.area("depth").topics)
