"""Time to draw the knowledge-edge chart for 1 learner and the cohort chart for 500 learners.

Synthetic attempts are generated with a fixed seed over every question of the bank; the
timings include reading the attempts, computing edges, drawing and writing the PNG.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pmtech.bank import load_bank
from pmtech.chart import draw_cohort_chart, draw_learner_chart, learner_edges, save_figure
from pmtech.edge import topic_edges
from pmtech.progress import Attempt, ProgressStore

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def synthetic_attempts(learner: str, bank, rng: random.Random) -> list[Attempt]:
    """One learner with a random true edge per topic who slips 10% and guesses 25%."""
    attempts = []
    edges = {t.id: rng.randint(0, 5) for t in bank.topics_with_questions()}
    for i, q in enumerate(bank.questions.values()):
        knows = q.level <= edges[q.topic]
        right = rng.random() < (0.9 if knows else 0.25)
        attempts.append(
            Attempt(
                learner=learner,
                question_id=q.id,
                topic=q.topic,
                level=q.level,
                outcome="correct" if right else "incorrect",
                created_at=T0 + timedelta(minutes=i),
            )
        )
    return attempts


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> dict:
    rng = random.Random(7)  # seeded: the same synthetic cohort every run
    bank = load_bank()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = ProgressStore(tmp / "progress.db")
        for a in synthetic_attempts("solo", bank, rng):
            store.record(a)

        def one_learner():
            edges = learner_edges(store, "solo", bank)
            save_figure(draw_learner_chart(edges, bank, "solo"), tmp / "one.png")

        cohort = {
            f"learner-{i:03d}": synthetic_attempts(f"learner-{i:03d}", bank, rng)
            for i in range(500)
        }
        topics = [t.id for t in bank.topics_with_questions()]

        def cohort_chart():
            edges = {name: topic_edges(atts, topics) for name, atts in cohort.items()}
            save_figure(draw_cohort_chart(edges, bank), tmp / "cohort.png")

        one_learner()  # warm matplotlib's font cache
        result = {
            "questions": len(bank.questions),
            "one_learner_s": timed(one_learner, 7),
            "cohort_500_s": timed(cohort_chart, 3),
        }
    print(
        f"1 learner ({result['questions']} attempts): {result['one_learner_s'] * 1000:7.1f} ms "
        "(median of 7: read store, edges, draw, PNG)"
    )
    print(
        f"500 learners cohort chart:           {result['cohort_500_s'] * 1000:7.1f} ms "
        "(median of 3: edges for all, draw, PNG)"
    )
    return result


if __name__ == "__main__":
    main()
