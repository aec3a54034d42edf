"""Is every kind of answer judged right, and is a blank answer never counted as wrong?"""

from __future__ import annotations

import pytest

from pmtech.answers import AnswerFormatError, check_answer, parse_number
from pmtech.outcome import Outcome

from .factories import make_question


def make(kind, answer, **extra):
    return make_question(kind, answer, **extra)


CHOICE = make("choice", 2, options=("a", "b", "c"))
MULTI = make("multi", (0, 2), options=("a", "b", "c"))
NUMBER = make("number", 8.76, tolerance=("relative", 0.05))
ESTIMATE = make("number", 1000, tolerance=("factor", 3))
ORDER = make("order", (2, 0, 1), options=("a", "b", "c"))
EXPLAIN = make("explain", "model", rubric=("p1", "p2", "p3", "p4"))
LONG = " ".join(["word"] * 30)


@pytest.mark.parametrize(
    ("question", "blank", "wrong", "right"),
    [
        (CHOICE, None, 0, 2),
        (MULTI, [], [0], [2, 0]),
        (NUMBER, "  ", "9.5", "8.9"),
        (ESTIMATE, "", "200", "2,500"),
        (ORDER, None, [0, 1, 2], [2, 0, 1]),
        (
            EXPLAIN,
            {"text": " ", "covered": [0, 1, 2]},
            {"text": LONG, "covered": [0, 1]},
            {"text": LONG, "covered": [0, 1, 3]},
        ),
    ],
)
def test_three_outcomes_per_kind(question, blank, wrong, right):
    assert check_answer(question, blank) is Outcome.NOT_ATTEMPTED
    assert check_answer(question, wrong) is Outcome.INCORRECT
    assert check_answer(question, right) is Outcome.CORRECT


def test_relative_band_edges():
    assert check_answer(NUMBER, 8.76 * 1.05) is Outcome.CORRECT
    assert check_answer(NUMBER, 8.76 * 1.051) is Outcome.INCORRECT
    assert check_answer(NUMBER, 8.76 * 0.95) is Outcome.CORRECT


def test_factor_band_edges():
    assert check_answer(ESTIMATE, 334) is Outcome.CORRECT
    assert check_answer(ESTIMATE, 3000) is Outcome.CORRECT
    assert check_answer(ESTIMATE, 3001) is Outcome.INCORRECT
    assert check_answer(ESTIMATE, -1000) is Outcome.INCORRECT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,200", 1200),
        ("1.2k", 1200),
        ("2 million", 2e6),
        ("1e6", 1e6),
        ("99.9%", 99.9),
        ("-3", -3),
        (".5", 0.5),
        ("3B", 3e9),
        (42, 42.0),
        ("", None),
        (None, None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "12 apples", "1.2.3", "nan", "inf", True])
def test_unreadable_number_is_a_format_error_not_wrong(text):
    with pytest.raises(AnswerFormatError):
        check_answer(NUMBER, text)


def test_out_of_range_choice_is_a_format_error():
    with pytest.raises(AnswerFormatError):
        check_answer(CHOICE, 7)


def test_order_must_be_a_permutation():
    with pytest.raises(AnswerFormatError):
        check_answer(ORDER, [0, 0, 1])


def test_a_very_short_written_answer_earns_nothing_whatever_is_ticked():
    """Can one sentence and four ticks reach "correct"? It must not."""
    short = {"text": "Caches make it faster but can be stale.", "covered": [0, 1, 2, 3]}
    assert check_answer(EXPLAIN, short) is Outcome.INCORRECT
    assert check_answer(EXPLAIN, {**short, "text": LONG}) is Outcome.CORRECT
