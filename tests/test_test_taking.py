"""Can a learner who knows nothing but test-taking habits beat chance on the bank?

Each habit below is one that coaching for multiple-choice exams teaches: pick the longest
option, avoid absolutes and prefer hedged wording, pick the option that repeats the
prompt's words, pick the odd one out. A guesser that follows one habit (or all of them
together) answers every choice and multi question of the bank; it must not do better than
chance by more than 10 points, or a level could be "held" by habit instead of knowledge.
Add any habit you find.
"""

from __future__ import annotations

import re
import statistics

import pytest

from pmtech.bank import load_bank

ABSOLUTE = re.compile(
    r"\b(always|never|every|all|none|only|guarantees?|guaranteed|cannot|can't|impossible|must)\b",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"\b(usually|often|can|may|might|most|some|typically|likely|depends|could)\b", re.IGNORECASE
)
WORD = re.compile(r"[a-z]{4,}")
MARGIN = 0.10  # points above chance a habit may reach


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def _z(values: list[float]) -> list[float]:
    mean, spread = statistics.mean(values), statistics.pstdev(values) or 1.0
    return [(v - mean) / spread for v in values]


def habit_scores(question) -> dict[str, list[float]]:
    """How much each habit likes each option of ``question`` (higher: more likely picked)."""
    options = list(question.options)
    prompt = _words(question.prompt)
    sets = [_words(o) for o in options]
    odd = []
    for i, mine in enumerate(sets):
        alike = [len(mine & other) / max(1, len(mine | other)) for j, other in enumerate(sets)]
        del alike[i]
        odd.append(-statistics.mean(alike))
    habits = {
        "longest": [float(len(o)) for o in options],
        "hedged, not absolute": [
            float(len(HEDGE.findall(o)) - len(ABSOLUTE.findall(o))) for o in options
        ],
        "repeats the prompt": [float(len(s & prompt)) for s in sets],
        "odd one out": odd,
    }
    habits["all habits together"] = [sum(v) for v in zip(*map(_z, habits.values()), strict=True)]
    return habits


def guess_score(question, liked: list[float]) -> float:
    """Choice: the share of a point for picking the most liked option (ties split it).
    Multi: the share of options classified right when those above the median are ticked."""
    if question.kind == "choice":
        best = max(liked)
        tops = [i for i, v in enumerate(liked) if v == best]
        return 1 / len(tops) if question.answer in tops else 0.0
    cut = statistics.median(liked)
    key = set(question.answer)
    return statistics.mean((liked[i] > cut) == (i in key) for i in range(len(liked)))


def chance(question) -> float:
    """What blind guessing scores on average by the same measure."""
    return 1 / len(question.options) if question.kind == "choice" else 0.5


QUESTIONS = [q for q in load_bank().questions.values() if q.kind in ("choice", "multi")]
HABITS = list(habit_scores(QUESTIONS[0]))


@pytest.mark.parametrize("habit", HABITS)
@pytest.mark.parametrize("levels", [(1, 2, 3), (4, 5)], ids=["levels 1-3", "levels 4-5"])
def test_a_test_taking_habit_does_not_beat_chance(habit, levels):
    chosen = [q for q in QUESTIONS if q.level in levels]
    assert len(chosen) >= 40  # enough for a 10-point margin to mean something
    got = statistics.mean(guess_score(q, habit_scores(q)[habit]) for q in chosen)
    blind = statistics.mean(chance(q) for q in chosen)
    assert got <= blind + MARGIN, (
        f"'{habit}' scores {got:.1%} on levels {levels}, chance is {blind:.1%}"
    )


def test_the_guesser_can_tell_a_giveaway():
    """Could the guard fail? On a question whose key is the long hedged one, it does."""
    from .factories import make_question

    giveaway = make_question(
        "choice",
        0,
        options=(
            "It usually depends on the workload, and can often help when most reads repeat.",
            "Never.",
            "Always.",
            "Only on Tuesdays.",
        ),
    )
    for habit in ("longest", "hedged, not absolute", "all habits together"):
        assert guess_score(giveaway, habit_scores(giveaway)[habit]) == 1.0
