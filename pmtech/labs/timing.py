"""Time real operations as inputs grow, to see complexity classes instead of reciting them."""

from __future__ import annotations

import operator
import time


def best_time(fn, *args, repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs of ``fn(*args)``, in seconds (least disturbed by noise)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def membership_timings(sizes=(1_000, 10_000, 100_000, 1_000_000)) -> list[tuple[int, float, float]]:
    """(n, seconds to test membership in a list, in a set) for a missing item, per size.

    The item is absent, so the list is scanned end to end (the worst case) while the set
    hashes once.
    """
    rows = []
    for n in sizes:
        items = list(range(n))
        as_set = set(items)
        rows.append(
            (n, best_time(operator.contains, items, -1), best_time(operator.contains, as_set, -1))
        )
    return rows
