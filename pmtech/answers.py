"""Check a learner's response to a question: a pure function, no widgets, no storage.

What a check finds is an :class:`~pmtech.outcome.Outcome`; a blank response is *not
attempted*, never incorrect.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from pmtech.bank import Question
from pmtech.outcome import Outcome

EXPLAIN_PASS_SHARE = 0.75  # share of rubric points a self-rated answer must cover to count
# A written answer shorter than this earns nothing, whatever is ticked: one sentence cannot make
# the points an interviewer listens for (the shortest model answers run to about 80 words).
EXPLAIN_MIN_WORDS = 25


class AnswerFormatError(ValueError):
    """The response cannot be read (for example 'abc' typed as a number)."""


_SUFFIXES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_NUMBER_RE = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([a-z]*)$")


def parse_number(text: str | float | int | None) -> float | None:
    """Read a typed number: '1,200', '3.5k', '2 million', '1e6', '99.9%'. Blank gives None."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise AnswerFormatError("a yes/no value is not a number")
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().lower().replace(",", "").replace("_", "").replace(" ", "")
        cleaned = cleaned.removesuffix("%")
        if cleaned == "":
            return None
        match = _NUMBER_RE.match(cleaned)
        if not match or (match.group(2) and match.group(2) not in _SUFFIXES):
            raise AnswerFormatError(
                f"could not read a number from {text.strip()!r}; type digits such as "
                "1200, 1,200, 1.2k or 1.2e3"
            )
        value = float(match.group(1)) * _SUFFIXES.get(match.group(2), 1.0)
    if not math.isfinite(value):
        raise AnswerFormatError("the number must be finite")
    return value


def within_tolerance(question: Question, value: float) -> bool:
    """True when ``value`` is inside the question's tolerance band around its answer."""
    mode, band = question.tolerance
    target = float(question.answer)
    if mode == "relative":
        return abs(value - target) <= band * abs(target) + 1e-12
    return value > 0 and target / band <= value <= target * band


def _indices(response, n: int) -> list[int]:
    items = list(response)
    for i in items:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise AnswerFormatError(f"{i!r} is not an option number 0-{n - 1}")
    return items


def check_answer(question: Question, response) -> Outcome:
    """Judge ``response`` for ``question``.

    The response per kind: choice, an option index or None; multi, an iterable of indices;
    number, a number or the typed text; order, the option indices in the learner's order, or
    None when the learner has not reordered anything; explain, a mapping with ``text`` (the
    learner's answer) and ``covered`` (indices of rubric points the learner says they made).
    """
    kind = question.kind
    if kind == "choice":
        if response is None:
            return Outcome.NOT_ATTEMPTED
        (index,) = _indices([response], len(question.options))
        return Outcome.CORRECT if index == question.answer else Outcome.INCORRECT
    if kind == "multi":
        chosen = _indices(response or (), len(question.options))
        if not chosen:
            return Outcome.NOT_ATTEMPTED
        return Outcome.CORRECT if set(chosen) == set(question.answer) else Outcome.INCORRECT
    if kind == "number":
        value = parse_number(response)
        if value is None:
            return Outcome.NOT_ATTEMPTED
        return Outcome.CORRECT if within_tolerance(question, value) else Outcome.INCORRECT
    if kind == "order":
        if response is None:
            return Outcome.NOT_ATTEMPTED
        order = _indices(response, len(question.options))
        if sorted(order) != list(range(len(question.options))):
            raise AnswerFormatError("an order must use every item exactly once")
        return Outcome.CORRECT if tuple(order) == tuple(question.answer) else Outcome.INCORRECT
    if kind == "explain":
        if not isinstance(response, Mapping) or not str(response.get("text") or "").strip():
            return Outcome.NOT_ATTEMPTED
        covered = set(_indices(response.get("covered") or (), len(question.rubric)))
        if too_short(str(response.get("text"))):
            return Outcome.INCORRECT
        needed = explain_pass_mark(question)
        return Outcome.CORRECT if len(covered) >= needed else Outcome.INCORRECT
    raise ValueError(f"unknown question kind {kind!r}")


def too_short(text: str) -> bool:
    """True when a written answer has fewer than ``EXPLAIN_MIN_WORDS`` words."""
    return len(text.split()) < EXPLAIN_MIN_WORDS


def explain_pass_mark(question: Question) -> int:
    """How many rubric points a self-rated explain answer must cover to count as correct."""
    return math.ceil(EXPLAIN_PASS_SHARE * len(question.rubric))


def describe_answer(question: Question) -> str:
    """The right answer in words, for feedback after a check."""
    if question.kind == "choice":
        return question.options[question.answer]
    if question.kind == "multi":
        return "; ".join(question.options[i] for i in question.answer)
    if question.kind == "order":
        return " → ".join(question.options[i] for i in question.answer)
    if question.kind == "number":
        mode, band = question.tolerance
        unit = f" {question.unit}" if question.unit else ""
        spread = f"±{band:.0%}" if mode == "relative" else f"within ×/÷{band:g}"
        return f"{_format_number(float(question.answer))}{unit} ({spread} accepted)"
    return question.answer


def _format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"
