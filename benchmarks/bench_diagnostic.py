"""How exact is the adaptive diagnostic, and how many questions does it need?

Simulated learners with a known true edge per topic answer the course bank: a question at or
below their edge is right unless they slip (10 %), one above it is right only by a guess
(25 % on choice questions; for multi, order and number the chance of hitting the exact key
by luck, as in :func:`pmtech.diagnostic.guess_rate`). Two populations:

- ``related``: each learner has a general level per area (uniform 0-5) and each topic's edge
  is that level, or one off it (25 % each side), clipped to 0-5.
- ``independent``: every topic's edge is uniform 0-5 on its own (the worst case for the
  diagnostic's area prior).

Reported: the share of topics whose edge the diagnostic gets exactly right, the questions it
asked as a share of the whole bank, and the same exactness when every auto-checked question
of the bank is asked (the reference).

    .venv/bin/python benchmarks/bench_diagnostic.py [--learners 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from pmtech.bank import load_bank
from pmtech.diagnostic import EDGES, SLIP, Diagnostic, _likelihood, _normalise

CHOICE_GUESS = 0.25


def true_edges(bank, rng: random.Random, population: str) -> dict[str, int]:
    """One simulated learner's edge per topic."""
    edges, general = {}, {}
    for topic in bank.topics_with_questions():
        if population == "independent":
            edges[topic.id] = rng.randint(0, 5)
            continue
        level = general.setdefault(topic.area, rng.randint(0, 5))
        edges[topic.id] = min(5, max(0, level + rng.choices((-1, 0, 1), (1, 2, 1))[0]))
    return edges


def answers_right(question, edge: int, rng: random.Random) -> bool:
    """The simulated learner's answer: slips below the edge, guesses above it."""
    from pmtech.diagnostic import guess_rate

    if question.level <= edge:
        return rng.random() >= SLIP
    guess = CHOICE_GUESS if question.kind == "choice" else guess_rate(question)
    return rng.random() < guess


def run(bank, learners: int, population: str, seed: int, **options) -> dict:
    """Simulate ``learners`` through the diagnostic and through the whole bank."""
    rng = random.Random(seed)
    exact = asked = total = reference_exact = 0
    for _ in range(learners):
        edges = true_edges(bank, rng, population)
        diag = Diagnostic.for_areas(bank, **options)
        while (q := diag.next_question()) is not None:
            diag.record(q.id, answers_right(q, edges[q.topic], rng))
        for est in diag.estimates():
            exact += est.edge == edges[est.topic]
            total += 1
        asked += diag.asked
        for topic in diag.topics:  # the reference: every auto-checked question, flat prior
            items = [q for q in bank.for_topic(topic) if q.kind != "explain"]
            answered = [(q, answers_right(q, edges[topic], rng)) for q in items]
            post = _normalise(_likelihood(answered))
            reference_exact += max(EDGES, key=lambda e: post[e]) == edges[topic]
    size = len(bank.questions)
    return {
        "population": population,
        "exact": exact / total,
        "asked_per_learner": asked / learners,
        "share_of_bank": asked / learners / size,
        "reference_exact": reference_exact / total,
        "bank": size,
        "topics": total // learners,
    }


def main(argv: list[str] | None = None) -> dict:
    """Print the figures for both populations and return them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    bank = load_bank()
    results = {}
    for population in ("related", "independent"):
        start = time.perf_counter()
        r = run(bank, args.learners, population, args.seed)
        print(
            f"{population:>11}: exact {r['exact']:.1%} with {r['asked_per_learner']:.1f} questions "
            f"per learner = {r['share_of_bank']:.1%} of the {r['bank']}-question bank "
            f"({r['topics']} topics); asking every auto-checked question: "
            f"exact {r['reference_exact']:.1%}  [{time.perf_counter() - start:.1f} s]"
        )
        results[population] = r
    return results


if __name__ == "__main__":
    main()
