"""Cache policies under a skewed workload: measure the hit ratio instead of guessing it."""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from itertools import accumulate

POLICIES = ("lru", "fifo")


def zipf_requests(n: int, keys: int = 10_000, s: float = 1.0, seed: int = 1) -> list[int]:
    """``n`` requests over ``keys`` keys whose popularity follows Zipf's law with exponent s
    (key k is requested in proportion to 1/k**s), as real content popularity roughly does."""
    rng = random.Random(seed)  # seeded: the same workload every run
    weights = [1 / (k**s) for k in range(1, keys + 1)]
    cumulative = list(accumulate(weights))
    return rng.choices(range(keys), cum_weights=cumulative, k=n)


def hit_ratio(policy: str, capacity: int, requests: list[int]) -> float:
    """Share of requests served from a cache of ``capacity`` items under ``policy``.

    lru evicts the least recently used item; fifo evicts the oldest inserted item,
    however often it was used since.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    hits = 0
    if policy == "lru":
        cache: OrderedDict[int, None] = OrderedDict()
        for key in requests:
            if key in cache:
                hits += 1
                cache.move_to_end(key)
            else:
                cache[key] = None
                if len(cache) > capacity:
                    cache.popitem(last=False)
    else:
        present: set[int] = set()
        order: deque[int] = deque()
        for key in requests:
            if key in present:
                hits += 1
            else:
                present.add(key)
                order.append(key)
                if len(order) > capacity:
                    present.discard(order.popleft())
    return hits / len(requests) if requests else 0.0
