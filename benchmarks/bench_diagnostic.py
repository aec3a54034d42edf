"""How exact is the adaptive diagnostic, per mode, and how many questions does it ask?

Simulated learners with a known edge per topic answer the course bank. A question at or below
their edge is right unless they slip; one above it is right only by a guess. Learners:

- slips of 10 % and 15 %;
- ``honest`` guessing: one in the number of possible answers (one in k options for choice;
  for multi, order and number the chance of hitting the exact key by luck, as in
  :func:`pmtech.diagnostic.guess_rate`);
- ``rules out one``: the learner rules out one option before guessing (one in k - 1 for
  choice, one of the options left out of multi and order; number unchanged).

Populations (each learner has a general level per area, uniform 0-5):

- ``related``: each topic's edge is the area's level, or one off it (25 % each side);
- ``a few far``: as related, but each topic is, with probability ``FAR_SHARE``, at least two
  levels away from the area's level (uniform among those levels);
- ``unrelated``: every topic's edge is uniform 0-5 on its own (the worst case for the
  diagnostic's area model).

Reported per mode and population: the share of topics whose edge the diagnostic gets exactly
right and within one level, the questions asked (mean and most; the minutes at
``SECONDS_PER_QUESTION`` each; the share of the bank). ``--reference`` also scores asking
every auto-checked question of the bank, each topic on its own (what the bank can tell).

    .venv/bin/python benchmarks/bench_diagnostic.py [--learners 100] [--seed 1] [--jobs 2]
        [--modes quick full] [--reference]
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import ProcessPoolExecutor

from pmtech.bank import load_bank
from pmtech.diagnostic import (
    EDGES,
    SECONDS_PER_QUESTION,
    Diagnostic,
    _likelihood,
    _normalise,
    guess_rate,
)

POPULATIONS = ("related", "a few far", "unrelated")
FAR_SHARE = 0.1
# (slip, guessing) of the simulated learners
LEARNERS = ((0.10, "honest"), (0.15, "honest"), (0.15, "rules out one"))


def true_edges(bank, rng: random.Random, population: str) -> dict[str, int]:
    """One simulated learner's edge per topic."""
    edges, general = {}, {}
    for topic in bank.topics_with_questions():
        if population == "unrelated":
            edges[topic.id] = rng.randint(0, 5)
            continue
        level = general.setdefault(topic.area, rng.randint(0, 5))
        if population == "a few far" and rng.random() < FAR_SHARE:
            edges[topic.id] = rng.choice([e for e in EDGES if abs(e - level) >= 2])
            continue
        edges[topic.id] = min(5, max(0, level + rng.choices((-1, 0, 1), (1, 2, 1))[0]))
    return edges


def learner_guess(question, guessing: str) -> float:
    """The simulated learner's chance of a lucky right answer above their edge."""
    return guess_rate(question, ruled_out=int(guessing == "rules out one"))


def answers_right(question, edge: int, rng: random.Random, slip: float, guessing: str) -> bool:
    """The simulated learner's answer: slips at or below the edge, guesses above it."""
    if question.level <= edge:
        return rng.random() >= slip
    return rng.random() < learner_guess(question, guessing)


def simulate(
    bank,
    mode: str,
    population: str,
    slip: float,
    guessing: str,
    learners: int,
    seed: int,
    reference: bool = False,
    areas=None,
) -> dict:
    """Run ``learners`` simulated learners through one mode; the tallies."""
    rng = random.Random(f"{seed}:{population}:{slip}:{guessing}")
    exact = within = total = reference_exact = reference_within = 0
    asked = []
    for _ in range(learners):
        edges = true_edges(bank, rng, population)
        answer_rng = random.Random(rng.random())
        diag = Diagnostic.for_areas(bank, areas, mode=mode)
        while (q := diag.next_question()) is not None:
            diag.record(q.id, answers_right(q, edges[q.topic], answer_rng, slip, guessing))
        for est in diag.estimates(every_topic=True):
            exact += est.edge == edges[est.topic]
            within += abs(est.edge - edges[est.topic]) <= 1
            total += 1
        asked.append(diag.asked)
        if reference:  # every auto-checked question, each topic on its own (flat prior)
            for topic in diag.topics:
                items = [q for q in bank.for_topic(topic) if q.kind != "explain"]
                answered = [
                    (q, answers_right(q, edges[topic], answer_rng, slip, guessing)) for q in items
                ]
                post = _normalise(_likelihood(answered))
                best = max(EDGES, key=lambda e: post[e])
                reference_exact += best == edges[topic]
                reference_within += abs(best - edges[topic]) <= 1
    size = sum(1 for q in bank.questions.values() if areas is None or q.area in areas)
    usable = sum(map(len, (diag._usable_questions[t] for t in diag.topics)))
    result = {
        "mode": mode,
        "population": population,
        "slip": slip,
        "guessing": guessing,
        "learners": learners,
        "topics": total // learners,
        "exact": exact / total,
        "within_one": within / total,
        "asked_mean": sum(asked) / learners,
        "asked_max": max(asked),
        "minutes_mean": sum(asked) / learners * SECONDS_PER_QUESTION / 60,
        "share_of_bank": max(asked) / size,
        "bank": size,
        "usable": usable,
        "most_of_usable": max(asked) / usable,
    }
    if reference:
        result["reference_exact"] = reference_exact / total
        result["reference_within_one"] = reference_within / total
    return result


def _simulate(args):
    return simulate(load_bank(), *args)


def configurations(modes=("quick", "full")):
    """Every (mode, population, slip, guessing) the benchmark reports."""
    return [
        (mode, population, slip, guessing)
        for mode in modes
        for population in POPULATIONS
        for slip, guessing in LEARNERS
    ]


COLUMNS = (
    "mode",
    "population",
    "slip",
    "guessing",
    "exact",
    "within 1",
    "asked (mean)",
    "asked (most)",
    "minutes (mean)",
    "most / bank",
    "most / auto-checked",
)


def line(r: dict) -> str:
    """One result as a Markdown table row."""
    cells = [
        r["mode"],
        r["population"],
        f"{r['slip']:.0%}",
        r["guessing"],
        f"{r['exact']:.1%}",
        f"{r['within_one']:.1%}",
        f"{r['asked_mean']:.1f}",
        str(r["asked_max"]),
        f"{r['minutes_mean']:.0f}",
        f"{r['share_of_bank']:.1%}",
        f"{r['most_of_usable']:.1%}",
    ]
    if "reference_exact" in r:
        cells += [f"{r['reference_exact']:.1%}", f"{r['reference_within_one']:.1%}"]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> list[dict]:
    """Print the figures for every configuration and return them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="processes to simulate in")
    parser.add_argument("--modes", nargs="+", default=["quick", "full"])
    parser.add_argument(
        "--reference", action="store_true", help="also score asking every auto-checked question"
    )
    args = parser.parse_args(argv)
    bank = load_bank()
    start = time.perf_counter()
    jobs = [
        (*config, args.learners, args.seed, args.reference)
        for config in configurations(tuple(args.modes))
    ]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(_simulate, jobs))
    else:
        results = [simulate(bank, *job) for job in jobs]
    first = results[0]
    print(
        f"{args.learners} simulated learners per row, {first['topics']} topics, a "
        f"{first['bank']}-question bank ({first['usable']} auto-checked); "
        f"minutes at {SECONDS_PER_QUESTION} s a question"
    )
    columns = list(COLUMNS)
    if args.reference:
        columns += ["every question: exact", "every question: within 1"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in results:
        print(line(r))
    print(f"[{time.perf_counter() - start:.0f} s]")
    return results


if __name__ == "__main__":
    main()
