"""The coding round's worked example, timed: "find two numbers that add up to a target".

The brute force tries every pair, about n²/2 checks; the hash-map version walks the list
once and asks a dict "have I seen target − x?", about n checks. Timing both on the same
input on this machine, then extrapolating with the growth class, is exactly the argument an
interviewer wants to hear when you say "the brute force is O(n²), so at 100,000 items it
takes minutes; the dict makes it O(n)".
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass


def two_sum_pairs(numbers: list[int], target: int) -> tuple[int, int] | None:
    """Brute force: try every pair (i, j), i < j, smallest j first. O(n²) time, O(1) space."""
    for j in range(len(numbers)):
        for i in range(j):
            if numbers[i] + numbers[j] == target:
                return (i, j)
    return None


def two_sum_dict(numbers: list[int], target: int) -> tuple[int, int] | None:
    """One pass with a dict of first positions: the same answer in O(n) time, O(n) space."""
    first_position: dict[int, int] = {}
    for j, value in enumerate(numbers):
        i = first_position.get(target - value)
        if i is not None:
            return (i, j)
        first_position.setdefault(value, j)
    return None


@dataclass(frozen=True)
class TwoSumTiming:
    """Both versions timed on the same worst-case input (no pair adds up)."""

    n: int
    pairs_s: float
    dict_s: float

    def extrapolate(self, n: int) -> tuple[float, float]:
        """Seconds each version would take for ``n`` items, by its growth class."""
        return self.pairs_s * (n / self.n) ** 2, self.dict_s * (n / self.n)


def time_two_sum(n: int = 2_000, seed: int = 7) -> TwoSumTiming:
    """Time both versions on ``n`` distinct numbers with a target no pair reaches."""
    rng = random.Random(seed)  # seeded: the same input on every run
    numbers = rng.sample(range(10 * n), n)
    target = -1  # no pair of non-negative numbers adds up to -1: the worst case for both
    start = time.perf_counter()
    assert two_sum_pairs(numbers, target) is None
    middle = time.perf_counter()
    assert two_sum_dict(numbers, target) is None
    end = time.perf_counter()
    return TwoSumTiming(n, middle - start, end - middle)


def deepest_recursion(depth: int) -> str:
    """Recurse ``depth`` calls deep; say whether Python allowed it. The limit is a setting,
    ``sys.getrecursionlimit()`` (1,000 in plain Python; notebooks may set it higher), that
    keeps runaway recursion from overflowing the interpreter's own stack."""

    def down(level: int) -> int:
        return level if level == 0 else down(level - 1)

    try:
        down(depth)
    except RecursionError as exc:
        limit = sys.getrecursionlimit()
        return f"{depth:,} calls deep: RecursionError ({exc}); the limit is {limit:,}"
    return f"{depth:,} calls deep: fine (the limit is {sys.getrecursionlimit():,})"
