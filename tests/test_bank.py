"""Does the bank loader accept good questions and name file, id and field for every bad one?"""

from __future__ import annotations

import pytest

from pmtech.bank import BankError, load_bank, validate_bank
from pmtech.cli import main

from .conftest import sample_question


def problems_for(bank_dir, questions, name="depth.yaml"):
    _, problems = validate_bank(bank_dir({name: questions}))
    return problems


def test_valid_question_loads(bank_dir):
    bank, problems = validate_bank(bank_dir({"depth.yaml": [sample_question()]}))
    assert problems == []
    q = bank["databases-1-what-is-index"]
    assert (q.topic, q.area, q.level, q.kind, q.answer) == ("databases", "depth", 1, "choice", 0)
    assert q.hints == ("Think of a book's index.", "It is about finding, not storing.")


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"source": None}, "source", "is missing"),
        ({"explanation": None}, "explanation", "is missing"),
        ({"topic": "astrology"}, "topic", "'astrology' is not a topic of area 'depth'"),
        ({"topic": "specs", "id": "specs-1-x"}, "topic", "belongs to area 'engineers'"),
        ({"level": 7, "id": "databases-7-x"}, "level", "must be a whole number 1-5, got 7"),
        ({"level": "two"}, "level", "got 'two'"),
        ({"answer": 3}, "answer", "must be an option index 0-2, got 3"),
        ({"answer": -1}, "answer", "got -1"),
        ({"kind": "essay"}, "kind", "must be one of"),
        ({"id": "databases-2-wrong-level"}, "id", "must start with 'databases-1-'"),
        ({"id": "Bad Id"}, "id", "lower-case words"),
        ({"explaination": "typo"}, "explaination", "not a known field"),
        ({"options": ["only one"]}, "options", "at least two options"),
        ({"options": ["same", "same"]}, "options", "two options are the same"),
        ({"hint": []}, "hint", "list of non-empty texts"),
        ({"prompt": "   "}, "prompt", "non-empty text"),
        ({"tolerance": {"relative": 0.1}}, "tolerance", "only number questions"),
        ({"kind": "multi", "answer": [0, 0]}, "answer", "distinct option indices"),
        ({"kind": "multi", "answer": []}, "answer", "non-empty list"),
        ({"kind": "order", "answer": [0, 1, 2]}, "answer", "list the options scrambled"),
        ({"kind": "order", "answer": [2, 0]}, "answer", "every option index 0-2 once"),
        (
            {"kind": "number", "options": None, "answer": "lots", "tolerance": {"relative": 0.1}},
            "answer",
            "must be a number",
        ),
        ({"kind": "number", "options": None, "answer": 10}, "tolerance", "needs {relative"),
        (
            {"kind": "number", "options": None, "answer": 10, "tolerance": {"relative": 2}},
            "tolerance",
            "use relative (0 < r < 1) or factor (f > 1)",
        ),
        ({"kind": "explain", "options": None, "answer": "model"}, "rubric", "at least two"),
        (
            {"kind": "explain", "options": None, "answer": "", "rubric": ["a", "b"]},
            "answer",
            "model answer",
        ),
        ({"red_flags": ["blames engineers"]}, "red_flags", "only explain questions"),
        (
            {
                "kind": "explain",
                "options": None,
                "answer": "m",
                "rubric": ["a", "b"],
                "red_flags": "x",
            },
            "red_flags",
            "list of non-empty texts",
        ),
        ({"slips": [3]}, "slips", "for number questions"),
        (
            {
                "kind": "number",
                "options": None,
                "answer": 10,
                "tolerance": {"relative": 0.1},
                "slips": ["a lot"],
            },
            "slips",
            "list of numbers",
        ),  # fmt: skip
    ],
)
def test_each_bad_field_is_named(bank_dir, overrides, field, words):
    """Does every kind of mistake give one problem naming file, question and field?"""
    problems = problems_for(bank_dir, [sample_question(**overrides)])
    assert problems, "the bad question was accepted"
    matching = [p for p in problems if p.field == field]
    assert matching, [str(p) for p in problems]
    text = str(matching[0])
    assert text.startswith("depth.yaml: question ")
    assert f"field {field!r}" in text
    assert words in text


def test_duplicate_id_names_both_places(bank_dir):
    problems = problems_for(bank_dir, [sample_question(), sample_question()])
    assert [p.field for p in problems] == ["id"]
    assert "duplicate id" in str(problems[0])


def test_bad_yaml_gives_line_and_column_not_a_traceback(bank_dir):
    problems = problems_for(bank_dir, "- id: a\n  prompt: [unclosed\n  level: 1\n")
    assert len(problems) == 1
    assert str(problems[0]).startswith("depth.yaml: is not valid YAML at line")


def test_key_given_twice_is_reported(bank_dir):
    text = "- id: databases-1-a\n  level: 1\n  level: 2\n"
    problems = problems_for(bank_dir, text)
    assert "'level' is given twice" in str(problems[0])


def test_file_not_named_after_an_area(bank_dir):
    problems = problems_for(bank_dir, [sample_question()], name="misc.yaml")
    assert "is not named after an area" in str(problems[0])


def test_entry_that_is_not_a_mapping(bank_dir):
    problems = problems_for(bank_dir, ["just a string"])
    assert "entry 1 is not a mapping" in str(problems[0])


def test_load_bank_raises_with_every_problem(bank_dir):
    folder = bank_dir(
        {"depth.yaml": [sample_question(level=9), sample_question(id="x", source=None)]}
    )
    with pytest.raises(BankError) as err:
        load_bank(folder)
    assert len(err.value.problems) >= 3
    assert "problem(s)" in str(err.value)


def test_cli_validate_reports_problems_and_exit_code(bank_dir, capsys):
    folder = bank_dir({"depth.yaml": [sample_question(answer=5)]})
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "depth.yaml: question 'databases-1-what-is-index': field 'answer'" in err
    assert "Traceback" not in err


def test_course_bank_is_valid():
    """Does the bank shipped with the course validate?"""
    bank, problems = validate_bank()
    assert problems == [], "\n".join(map(str, problems))
    assert len(bank.questions) >= 40


def test_cached_bank_equals_a_fresh_validation(private_home):
    """Does the on-disk cache give back exactly the validated bank?"""
    from pmtech import bank as bank_module

    bank_module._CACHE.clear()
    first = load_bank()  # validates and writes the cache
    cached = list((private_home / "cache").glob("bank-*.json"))
    assert len(cached) == 1
    bank_module._CACHE.clear()
    again = load_bank()  # read from the cache
    fresh, problems = validate_bank()
    assert problems == []
    assert again == fresh == first
    assert (
        again["databases-1-what-is-an-index"].options
        == fresh["databases-1-what-is-an-index"].options
    )


def test_corrupt_cache_is_ignored_and_rebuilt(private_home):
    from pmtech import bank as bank_module

    bank_module._CACHE.clear()
    load_bank()
    (cache,) = (private_home / "cache").glob("bank-*.json")
    cache.write_text("{broken")
    bank_module._CACHE.clear()
    assert len(load_bank().questions) >= 40
    assert cache.read_text().startswith("{")
    assert '"questions"' in cache.read_text()


def test_a_changed_bank_file_is_validated_again(bank_dir, private_home):
    folder = bank_dir({"depth.yaml": [sample_question()]})
    assert list(load_bank(folder).questions) == ["databases-1-what-is-index"]
    from pmtech import bank as bank_module

    bank_module._CACHE.clear()
    (folder / "depth.yaml").write_text("- just: wrong\n")
    with pytest.raises(BankError):
        load_bank(folder)


# Minimum questions per level for every topic that has questions: depth is the area where
# candidates fail, so it needs more evidence per level to place an edge reliably.
MIN_PER_LEVEL = {"engineers": 2, "depth": 3, "bridging": 2}


def test_every_topic_has_its_minimum_per_level():
    """Does each level of every topic of every area have enough questions to judge it?"""
    bank = load_bank()
    short = []
    for topic in bank.topics():
        need = MIN_PER_LEVEL[topic.area]
        for level in range(1, 6):
            have = len(bank.for_topic(topic.id, level))
            if have < need:
                short.append(f"{topic.id} level {level}: {have} of {need}")
    assert short == []


def test_every_kind_is_used_in_every_area():
    bank = load_bank()
    for area in bank.areas:
        kinds = {q.kind for q in bank.questions.values() if q.area == area.id}
        assert kinds == {"choice", "multi", "number", "order", "explain"}, area.id


def test_red_flags_load_with_an_explain_question(bank_dir):
    q = sample_question(
        kind="explain", options=None, answer="model", rubric=["a", "b"], red_flags=["no numbers"]
    )
    bank, problems = validate_bank(bank_dir({"depth.yaml": [q]}))
    assert problems == []
    assert bank[q["id"]].red_flags == ("no numbers",)


def test_choice_questions_do_not_give_the_answer_away_by_length():
    """The right option must not stand out as the longest, most hedged one: a learner who
    always picks the longest option would otherwise look like they know the topic."""
    bank = load_bank()
    longest_by_area: dict[str, list[bool]] = {}
    too_long = []
    for q in bank.questions.values():
        if q.kind != "choice":
            continue
        right = len(q.options[q.answer])
        longest_wrong = max(len(o) for i, o in enumerate(q.options) if i != q.answer)
        if right > 1.3 * longest_wrong:
            too_long.append(q.id)
        longest_by_area.setdefault(q.area, []).append(right >= longest_wrong)
    assert too_long == [], f"right option over 1.3x the longest wrong one: {too_long}"
    for area, flags in longest_by_area.items():
        share = sum(flags) / len(flags)
        assert share <= 0.4, f"{area}: the right option is the longest in {share:.0%} of questions"


def test_every_engineers_topic_has_a_behavioural_prompt_with_red_flags():
    """Area 1 is tested with "tell me about a time" questions: practise one per topic."""
    bank = load_bank()
    missing = [
        t.id
        for t in bank.area("engineers").topics
        if not any(q.kind == "explain" and q.red_flags for q in bank.for_topic(t.id))
    ]
    assert missing == []


def test_an_unquoted_topic_title_with_commas_is_reported(bank_dir):
    folder = bank_dir({"depth.yaml": [sample_question()]})
    areas = folder / "areas.yaml"
    areas.write_text(
        areas.read_text().replace(
            '{id: client-server, title: "Client/server, frontend vs backend, web vs native"}',
            "{id: client-server, title: Client/server, frontend vs backend}",
        )
    )
    _, problems = validate_bank(folder)
    assert any("quote a title with commas" in p.message for p in problems), problems


def test_every_named_slip_is_rejected_and_every_key_accepted():
    """Does each number question's tolerance accept its key and reject each slip its
    explanation names (listed in ``slips``)?"""
    from pmtech.answers import within_tolerance

    numbers = [q for q in load_bank().questions.values() if q.kind == "number"]
    with_slips = [q for q in numbers if q.slips]
    assert len(with_slips) >= 15
    for q in numbers:
        assert within_tolerance(q, float(q.answer)), q.id
        for slip in q.slips:
            assert not within_tolerance(q, slip), f"{q.id}: the slip {slip:g} is accepted"


def test_every_topic_can_reach_levels_four_and_five_with_open_answers():
    """The edge rule holds levels 4-5 only with a correct open answer: does every topic offer
    at least two open questions (number, order, written) at each of those levels?"""
    bank = load_bank()
    short = [
        (t.id, level)
        for t in bank.topics_with_questions()
        for level in (4, 5)
        if sum(q.id in bank.open_question_ids() for q in bank.for_topic(t.id, level)) < 2
    ]
    assert not short, f"topics and levels with fewer than two open questions: {short}"


def test_every_topic_has_enough_questions_per_level_to_measure_it():
    """At least 4 questions per level in every depth topic and 3 in every other topic, so a
    slip leaves fresh questions to answer at that level."""
    bank = load_bank()
    short = [
        (t.id, level, len(bank.for_topic(t.id, level)))
        for area in bank.areas
        for t in area.topics
        for level in range(1, 6)
        if len(bank.for_topic(t.id, level)) < (4 if area.id == "depth" else 3)
    ]
    assert not short, f"(topic, level, questions) below the minimum: {short}"
