"""Cache policies under a skewed workload: measure the hit ratio instead of guessing it."""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from pmtech.labs.figures import BLACK, BLUE, GREY, ORANGE, new_figure

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


@dataclass(frozen=True)
class HitRatioCurve:
    """Measured hit ratios of each policy at each cache size, on one workload."""

    capacities: tuple[int, ...]
    ratios: dict[str, tuple[float, ...]]  # policy -> hit ratio at each capacity
    keys: int  # distinct items that could be requested (the catalogue)
    requests: int

    def headline(self) -> tuple[int, dict[str, float]]:
        """The smallest cache size at which the first policy (LRU by default) serves at least
        half of the requests, or the largest size if none does, with every policy's hit
        ratio there."""
        first = next(iter(self.ratios.values()))
        at = next((i for i, r in enumerate(first) if r >= 0.5), len(self.capacities) - 1)
        return self.capacities[at], {p: r[at] for p, r in self.ratios.items()}


def hit_ratio_curve(
    requests: list[int],
    capacities: Sequence[int],
    policies: Sequence[str] = POLICIES,
    keys: int | None = None,
) -> HitRatioCurve:
    """Run every policy at every capacity on the same ``requests``.

    ``keys`` is the size of the catalogue the requests draw from (``zipf_requests``'s
    ``keys``); by default, the number of distinct keys requested.
    """
    capacities = tuple(sorted(capacities))
    if not capacities or not policies:
        raise ValueError("give at least one capacity and one policy")
    return HitRatioCurve(
        capacities,
        {p: tuple(hit_ratio(p, c, requests) for c in capacities) for p in policies},
        keys if keys is not None else len(set(requests)),
        len(requests),
    )


_POLICY_STYLE = {  # policy -> (label, colour, line style, marker)
    "lru": ("LRU (evicts the least recently used)", BLUE, "-", "o"),
    "fifo": ("FIFO (evicts the oldest inserted)", ORANGE, "--", "s"),
}


def plot_hit_ratios(curve: HitRatioCurve):
    """Hit ratio against cache size (log axis), one line per policy. Returns a Figure."""
    from matplotlib.ticker import FixedLocator, NullFormatter, PercentFormatter

    fig, ax = new_figure()
    for policy, ratios in curve.ratios.items():
        label, colour, style, marker = _POLICY_STYLE.get(policy, (policy, GREY, ":", "^"))
        ax.plot(
            curve.capacities,
            [r * 100 for r in ratios],
            linestyle=style,
            marker=marker,
            color=colour,
            label=label,
            gid=policy,
        )
    size, ratios = curve.headline()
    first, ratio = next(iter(ratios.items()))
    at_left_edge = size == curve.capacities[0]  # no room for the text on its left
    ax.annotate(
        f"{first.upper()}: {ratio:.0%} of requests\nfrom {size / curve.keys:.0%} of the keys",
        (size, ratio * 100),
        xytext=(12, -44) if at_left_edge else (-12, 28),
        textcoords="offset points",
        ha="left" if at_left_edge else "right",
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": BLACK},
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(curve.capacities))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}\n{v / curve.keys:.0%}")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"cache size (items, log scale; share of the {curve.keys:,} keys below)")
    ax.set_ylabel("hit ratio (% of requests)")
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Cache hit ratio on a Zipf workload ({curve.requests:,} requests)", loc="left")
    return fig


def summary_line(curve: HitRatioCurve) -> str:
    """The curve in one line: how small a cache serves half the requests, by policy."""
    size, ratios = curve.headline()
    (first, ratio), *others = ratios.items()
    line = (
        f"With {first.upper()}, a cache of {size:,} items ({size / curve.keys:.0%} of the "
        f"{curve.keys:,} keys) serves {ratio:.0%} of requests"
    )
    if others:
        line += "; " + ", ".join(f"{p.upper()} {r:.0%}" for p, r in others) + " at that size"
    return line + "."
