"""Time real operations as inputs grow, to see complexity classes instead of reciting them."""

from __future__ import annotations

import operator
import time

from pmtech.labs.figures import BLUE, VERMILLION, new_figure


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


def plot_membership(rows: list[tuple[int, float, float]]):
    """``membership_timings()`` on log-log axes: one lookup's time against n, for a list and
    for a set. Returns a Figure."""
    fig, ax = new_figure()
    sizes = [n for n, _, _ in rows]
    ax.loglog(
        sizes,
        [t * 1e6 for _, t, _ in rows],
        "o-",
        color=VERMILLION,
        label="list: scans every item, O(n)",
        gid="list",
    )
    ax.loglog(
        sizes,
        [t * 1e6 for _, _, t in rows],
        "s--",
        color=BLUE,
        label="set: hashes once, O(1)",
        gid="set",
    )
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.10g}")
    ax.set_xlabel("items (n, log scale)")
    ax.set_ylabel("one lookup (µs, log scale)")
    ax.set_title("Is the item there? A list against a set, timed", loc="left")
    ax.grid(which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def summary_line(rows: list[tuple[int, float, float]]) -> str:
    """The largest size in one line: each lookup's time and how many times faster the set is."""
    n, in_list, in_set = rows[-1]
    return (
        f"At {n:,} items one lookup took {in_list * 1e6:,.0f} µs in a list and "
        f"{in_set * 1e6:.2f} µs in a set: {in_list / in_set:,.0f}x faster."
    )
