"""Follow-up ladders, the mock interview and calibration: ladders checked like the bank, the
stop rule, the scorecard and the calibration figures on constructed learners, the widgets
driven as a learner would, and the calibration chart looked at as a PNG."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import yaml

from pmtech.bank import load_bank
from pmtech.calibration import area_gaps, calibration_table, overrated, topic_gaps
from pmtech.chart import draw_calibration_chart, learner_edges
from pmtech.cli import main
from pmtech.edge import topic_edges
from pmtech.interview import (
    AREA_LADDERS,
    AT,
    BELOW,
    STRONG,
    LadderRun,
    draw_interview,
    scorecard,
    verdict,
)
from pmtech.ladder_ui import LadderWidget, MockInterview, SelfRatingGrid, clock_text
from pmtech.ladders import LADDERS_FILE, load_ladders, validate_ladders
from pmtech.outcome import Outcome
from pmtech.progress import Attempt, ProgressStore, SelfRating
from pmtech.studyplan import learner_plan

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
BANK = load_bank()
LADDERS = load_ladders(BANK)


def holds(store: ProgressStore, topic: str, level: int, learner: str = "ana") -> None:
    """A learner who holds ``level`` in ``topic``: every question right up to it, wrong above."""
    for q in BANK.for_topic(topic):
        store.record(
            Attempt(learner, q.id, q.topic, q.level,
                    "correct" if q.level <= level else "incorrect")
        )  # fmt: skip


def run_as_holder(ladder, level: int, practice: bool = False) -> LadderRun:
    """Run a ladder as a learner who holds ``level`` answers: right up to it, wrong above."""
    run = LadderRun(ladder, practice)
    while run.current is not None:
        run.answer(Outcome.CORRECT if run.current.level <= level else Outcome.INCORRECT)
    return run


# -- the ladders themselves ----------------------------------------------------------------


def test_the_course_ladders_cover_every_depth_topic_and_ten_more():
    """At least one ladder per depth topic, at least ten across engineers and bridging, each
    five steps of one topic climbing one level at a time, every step sourced."""
    depth_topics = {t.id for t in BANK.area("depth").topics}
    assert depth_topics <= {lad.topic for lad in LADDERS.values() if lad.area == "depth"}
    assert sum(lad.area in ("engineers", "bridging") for lad in LADDERS.values()) >= 10
    for lad in LADDERS.values():
        assert [s.level for s in lad.steps] == [1, 2, 3, 4, 5]
        assert {s.question.topic for s in lad.steps} == {lad.topic}
        assert all(s.question.source and s.ask for s in lad.steps)


def bad_ladder(**change) -> dict:
    good = {
        "id": "ladder-caching-test",
        "topic": "caching",
        "title": "A test",
        "scenario": "A shop with a cache.",
        "steps": [
            {"ask": f"Step {n}?", "question": BANK.for_topic("caching", n)[0].id}
            for n in range(1, 6)
        ],
    }
    good.update(change)
    return good


def problems_of(tmp_path, entries) -> list[str]:
    path = tmp_path / LADDERS_FILE
    path.write_text(yaml.safe_dump(entries))
    return [str(p) for p in validate_ladders(BANK, path)[1]]


def test_a_good_ladder_validates(tmp_path):
    """The reference ladder has no problem (so each test below changes one thing)."""
    assert problems_of(tmp_path, [bad_ladder()]) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"topic": "caches"}, "ladder 'ladder-caching-test': field 'topic': 'caches' is not a"),
        ({"scenario": " "}, "field 'scenario': must be non-empty text"),
        ({"steps": []}, "field 'steps': must be a list of exactly 5 steps"),
        ({"colour": "red"}, "field 'colour': is not a ladder field"),
    ],
)
def test_a_bad_ladder_is_named_with_its_field(tmp_path, change, expected):
    """Errors name the file, the ladder and the field."""
    found = problems_of(tmp_path, [bad_ladder(**change)])
    assert any(p.startswith(f"{LADDERS_FILE}: ") and expected in p for p in found), found


def test_a_bad_step_is_named_with_its_step(tmp_path):
    """A step at the wrong level, from another topic, unknown, or without an ask."""
    steps = bad_ladder()["steps"]
    steps[1]["question"] = BANK.for_topic("caching", 3)[0].id  # level 3 at step 2
    steps[2]["question"] = BANK.for_topic("databases", 3)[0].id  # another topic
    steps[3]["question"] = "caching-4-no-such-question"
    steps[4]["ask"] = ""
    found = problems_of(tmp_path, [bad_ladder(steps=steps)])
    assert any("field 'steps[2].question'" in p and "step 2 needs level 2" in p for p in found)
    assert any("field 'steps[3].question'" in p and "not the ladder's 'caching'" in p
               for p in found)  # fmt: skip
    assert any("field 'steps[4].question'" in p and "is not a question of the bank" in p
               for p in found)  # fmt: skip
    assert any("field 'steps[5].ask': must be non-empty text" in p for p in found)


def test_two_ladders_with_one_id_or_one_question_are_refused(tmp_path):
    """A ladder id given twice, and a question used by two ladders."""
    found = problems_of(tmp_path, [bad_ladder(), bad_ladder()])
    assert any("ladder 'ladder-caching-test': field 'id': is given twice" in p for p in found)
    found = problems_of(tmp_path, [bad_ladder(), bad_ladder(id="ladder-caching-again")])
    assert any("is already step of ladder ladder-caching-test" in p for p in found)


def test_pmtech_validate_reports_a_bad_ladder_file(bank_dir, capsys):
    """``pmtech validate`` checks the ladders beside the bank and names what is wrong."""
    from pmtech.bankmodel import QUESTIONS_DIR

    files = {p.name: p.read_text() for p in QUESTIONS_DIR.glob("*.yaml") if p.name != "areas.yaml"}
    files[LADDERS_FILE] = yaml.safe_dump([bad_ladder(topic="caches")])
    folder = bank_dir(files)
    assert main(["validate", str(folder)]) == 1
    assert "ladder 'ladder-caching-test': field 'topic'" in capsys.readouterr().err


# -- the stop rule and the scorecard --------------------------------------------------------


def test_a_learner_who_holds_level_3_stops_at_step_4():
    ladder = next(lad for lad in LADDERS.values() if lad.area == "depth")
    run = run_as_holder(ladder, 3)
    assert run.finished and run.outcomes[-1] is Outcome.INCORRECT
    assert len(run.outcomes) == 4
    assert run.reached == 3 and run.ran_out_at.level == 4
    with pytest.raises(ValueError, match="finished"):
        run.answer(Outcome.CORRECT)


def test_a_blank_waits_and_show_me_stops_and_practice_goes_on():
    ladder = next(iter(LADDERS.values()))
    run = LadderRun(ladder)
    assert run.answer(Outcome.NOT_ATTEMPTED).level == 1  # no answer: the step waits
    assert run.answer(Outcome.SEEN) is None and run.reached == 0
    practice = run_as_holder(ladder, 2, practice=True)
    assert len(practice.outcomes) == 5 and practice.reached == 2
    assert practice.ran_out_at.level == 3
    assert run_as_holder(ladder, 5).ran_out_at is None


def test_the_scorecard_puts_a_level_3_learner_below_the_bar_in_depth():
    """Holding level 3 everywhere: below the bar in depth (bar 5) and bridging (bar 4), at
    the bar in engineers (bar 3); study first names two depth topics."""
    plan = draw_interview(LADDERS.values(), seed=1)
    card = scorecard([run_as_holder(lad, 3) for lad in plan], BANK)
    assert card.verdict("depth") == BELOW
    assert card.verdict("engineers") == AT
    assert card.verdict("bridging") == BELOW
    assert len(card.study_first) == 2
    assert all(BANK.topic(t).area == "depth" for t in card.study_first)
    depth = next(a for a in card.areas if a.area == "depth")
    assert len(depth.evidence) == 4 and all("ran out at step 4" in e for e in depth.evidence)
    text = "\n".join(card.lines(BANK))
    assert "Depth of technical knowledge (bar: level 5): below the bar" in text


def test_verdicts_against_the_bar():
    assert verdict([5, 5, 5, 5], 5) == STRONG
    assert verdict([5, 5, 5, 4], 5) == AT
    assert verdict([5, 4, 4, 4], 5) == BELOW
    assert verdict([4], 3) == STRONG and verdict([3], 3) == AT and verdict([2], 3) == BELOW
    with pytest.raises(ValueError):
        verdict([], 3)


def test_a_mock_interview_draws_across_areas_and_repeats_with_other_ladders():
    first = draw_interview(LADDERS.values(), seed=7)
    areas = [lad.area for lad in first]
    assert {a: areas.count(a) for a in AREA_LADDERS} == AREA_LADDERS
    assert len({lad.topic for lad in first}) == len(first)
    again = draw_interview(LADDERS.values(), seed=8, done_before=[lad.id for lad in first])
    fresh_depth = {lad.id for lad in again if lad.area == "depth"}
    assert not fresh_depth & {lad.id for lad in first}


# -- calibration ---------------------------------------------------------------------------


def test_a_learner_who_predicts_4_and_holds_2_is_over_rated_by_2(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    holds(store, "caching", 2)
    holds(store, "databases", 4)
    store.record_rating(SelfRating("ana", "caching", 4))
    store.record_rating(SelfRating("ana", "databases", 5))
    store.record_rating(SelfRating("ana", "databases", 3, "ladder:x"))  # the latest counts
    store.record_rating(SelfRating("ana", "apis", 5))  # no evidence: not compared
    edges = learner_edges(store, "ana", BANK)
    gaps = topic_gaps(store.latest_ratings("ana"), edges, BANK)
    assert [(g.topic, g.gap) for g in gaps] == [("databases", -1), ("caching", 2)]
    assert area_gaps(gaps, BANK) == {"depth": 0.5}
    assert overrated(gaps) == {"caching": 2}
    table = calibration_table(gaps, BANK)
    assert "over-rate yourself by 0.5 levels" in table and "+2" in table and "-1" in table
    plan = learner_plan(store, "ana", BANK)
    assert plan.steps[0].topic == "caching" and plan.steps[0].overrated_by == 2
    assert "you rated yourself 2 above it" in str(plan)


def test_self_ratings_travel_with_an_export_and_bad_ones_are_refused(tmp_path):
    from pmtech.progress import StoreError

    store = ProgressStore(tmp_path / "a.db")
    store.record_rating(SelfRating("ana", "caching", 4))
    store.export_json(tmp_path / "ana.json", "ana")
    other = ProgressStore(tmp_path / "b.db")
    other.import_json(tmp_path / "ana.json")
    other.import_json(tmp_path / "ana.json")
    assert [r.level for r in other.ratings("ana")] == [4]
    with pytest.raises(StoreError, match="level 0-5"):
        SelfRating("ana", "caching", 6)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_calibration_chart_per_area(tmp_path):
    """One figure per area, each about a screen tall at most; saved for a look."""
    store = ProgressStore(tmp_path / "p.db")
    for n, topic in enumerate(t.id for t in BANK.topics()):
        holds(store, topic, n % 5)
        store.record_rating(SelfRating("ana", topic, (n * 2) % 6))
    gaps = topic_gaps(store.latest_ratings("ana"), learner_edges(store, "ana", BANK), BANK)
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    for area in BANK.areas:
        fig = draw_calibration_chart(gaps, BANK, area.id, "ana")
        path = ARTIFACTS_DIR / f"calibration-{area.id}.png"
        fig.savefig(path, dpi=100)
        width, height = png_size(path)
        assert height <= 800 and width <= 1000
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == [g.title for g in gaps if g.area == area.id]


# -- the widgets, driven as a learner would ---------------------------------------------------


def answer_step(widget: LadderWidget, right: bool) -> None:
    """Answer the current step of a ladder widget right or wrong, as a learner would."""
    item = widget.steps[-1]
    q = item.question
    if q.kind == "choice":
        item.set_response(q.answer if right else (q.answer + 1) % len(q.options))
    elif q.kind == "number":
        item.set_response(str(q.answer if right else q.answer * 100 + 7))
    elif q.kind == "multi":
        item.set_response([i for i in range(len(q.options)) if (i in q.answer) == right])
    elif q.kind == "order":
        item.set_response(list(q.answer) if right else list(reversed(q.answer)))
    else:  # explain: a long answer, then the self-rating against the rubric
        item.text.value = "word " * 80
        item.check()
        for box in item.rubric_boxes:
            box.value = right
        item.rate()
        return
    item.check()


def test_a_ladder_widget_asks_one_step_at_a_time_and_stops_where_knowledge_ends(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    ladder = LADDERS["ladder-caching-sale-ready"]
    widget = LadderWidget(ladder, store, "ana", BANK)
    assert widget.steps == []  # the self-rating comes first
    widget.rating.value = 4
    widget.start()
    assert store.latest_ratings("ana") == {"caching": 4}
    for level in (1, 2, 3):
        assert len(widget.steps) == level
        answer_step(widget, right=True)
    assert len(widget.steps) == 4 and widget.end.value == ""
    answer_step(widget, right=False)
    assert len(widget.steps) == 4  # stopped: no fifth step
    assert "Your knowledge ran out here" in widget.end.value
    assert "follow-up 4 of 5" in widget.end.value and "Read next" in widget.end.value
    attempts = store.attempts("ana")
    assert [(a.level, a.outcome) for a in attempts if a.outcome.answered] == [
        (1, Outcome.CORRECT), (2, Outcome.CORRECT), (3, Outcome.CORRECT),
        (4, Outcome.INCORRECT),
    ]  # fmt: skip


def test_a_mock_interview_runs_to_a_scorecard(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    mock = MockInterview(store, "ana", BANK, seed=3)
    for _ in mock.plan:
        current = mock.current
        current.start()
        while not current.run.finished:
            answer_step(current, right=current.run.current.level <= 2)
    assert len(mock.runs) == len(mock.plan) == sum(AREA_LADDERS.values())
    assert "The interviewer's scorecard" in mock.card.value
    assert mock.card.value.count("below the bar") == 3  # level 2 is below every bar
    first = {lad.id for lad in mock.plan}
    mock.new_interview()
    assert {lad.id for lad in mock.plan if lad.area == "depth"}.isdisjoint(first)


def test_the_self_rating_grid_saves_and_shows_the_latest(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    grid = SelfRatingGrid(store, "ana", BANK)
    grid.pickers["caching"].value = 3
    grid.pickers["apis"].value = 0
    assert grid.save() == 2
    assert store.latest_ratings("ana") == {"caching": 3, "apis": 0}
    assert SelfRatingGrid(store, "ana", BANK).pickers["caching"].value == 3


def test_the_clock_paces_without_cutting_off():
    assert clock_text(42, 120) == "Time on this step: 0:42 · aim for about 2:00"
    assert "past 2:00" in clock_text(130, 120) and "take your time" in clock_text(130, 120)


def test_topic_edges_of_a_topic_without_answers_are_not_compared():
    edges = topic_edges([], ["caching"])
    assert topic_gaps({"caching": 3}, edges, BANK) == []
