"""A page's load time from its API calls: one after another, or all at once.

Uses the loopback API of the depth labs with a fixed server-side delay per request, so each
call takes a known, real time; the cell measures how long the page's calls take when the
client waits for each before sending the next, and when it sends them together.

Real visits differ: ``measure_visits`` loads the page for many visitors, each on a network
with its own round trip, and reports the spread, judged at the 75th percentile as Google's
Core Web Vitals judge a page.
"""

from __future__ import annotations

import math
import random
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pmtech.labs.api import MAX_WORK_MS, LocalAPI
from pmtech.labs.figures import BLUE, VERMILLION, new_figure


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status


def load_page(api: LocalAPI, paths: Sequence[str], parallel: bool) -> float:
    """Seconds to fetch every path: sequentially, or all at once (one thread per call)."""
    if not paths:
        raise ValueError("a page needs at least one call")
    urls = [api.url + p for p in paths]
    start = time.perf_counter()
    if parallel:
        with ThreadPoolExecutor(max_workers=len(urls)) as pool:
            statuses = list(pool.map(_get, urls))
    else:
        statuses = [_get(u) for u in urls]
    elapsed = time.perf_counter() - start
    if any(s != 200 for s in statuses):
        raise RuntimeError(f"the API answered {statuses}")
    return elapsed


def predicted_seconds(call_ms: Sequence[float], parallel: bool) -> float:
    """The load time the simple model predicts: the sum of the calls, or the slowest one."""
    if not call_ms:
        raise ValueError("a page needs at least one call")
    return (max(call_ms) if parallel else sum(call_ms)) / 1000


@dataclass(frozen=True)
class Visits:
    """Measured load times of many visits to one page, its calls loaded one way."""

    parallel: bool
    load_s: tuple[float, ...]  # one per visit, in visit order
    round_trip_ms: tuple[float, ...]  # each visit's network round trip, same order

    @property
    def style(self) -> str:
        """How the page loaded its calls, in words."""
        return "all at once" if self.parallel else "one after another"

    def percentile(self, p: float) -> float:
        """The load time (s) that ``p`` percent of visits met or beat (nearest rank: the
        smallest measured value with at least p% of visits at or below it)."""
        if not 0 < p <= 100:
            raise ValueError(f"p is a percentage in (0, 100], got {p}")
        ordered = sorted(self.load_s)
        return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]

    @property
    def p75(self) -> float:
        """The 75th-percentile load time in seconds, the visit Core Web Vitals judge."""
        return self.percentile(75)

    @property
    def median(self) -> float:
        """The median load time in seconds (nearest rank)."""
        return self.percentile(50)


def measure_visits(
    api: LocalAPI,
    call_ms: Sequence[float],
    parallel: bool,
    visits: int = 30,
    round_trip_ms: float = 100,
    spread: float = 0.6,
    seed: int = 11,
    at_once: int = 15,
) -> Visits:
    """Load a page of calls (server work ``call_ms`` each) for ``visits`` visitors.

    Each visitor's network round trip is drawn from a log-normal distribution (median
    ``round_trip_ms``, shape ``spread``): most connections are near the median and a few are
    much slower, as on real mobile networks. The loopback has no wire, so the server waits
    that round trip on each call, on top of the call's work. ``at_once`` visitors load at the
    same time, as real visitors do, which also keeps the lab short.
    """
    if visits < 1 or at_once < 1 or round_trip_ms < 0 or spread < 0:
        raise ValueError("need visits >= 1, at_once >= 1, round_trip_ms >= 0, spread >= 0")
    if not call_ms:
        raise ValueError("a page needs at least one call")
    rng = random.Random(seed)  # seeded: the same visitors every run
    ceiling = MAX_WORK_MS - max(call_ms) - 1  # the API refuses more work than MAX_WORK_MS
    trips = [
        min(rng.lognormvariate(math.log(max(round_trip_ms, 1e-3)), spread), ceiling)
        if round_trip_ms
        else 0.0
        for _ in range(visits)
    ]

    def visit(trip_ms: float) -> float:
        paths = [f"/orders?limit=5&work_ms={ms + trip_ms:.1f}" for ms in call_ms]
        return load_page(api, paths, parallel)

    with ThreadPoolExecutor(max_workers=min(at_once, visits)) as pool:
        loads = list(pool.map(visit, trips))
    return Visits(parallel, tuple(loads), tuple(trips))


def plot_load_times(runs: Sequence[Visits]):
    """A histogram of load times per way of loading, each with its 75th percentile marked.
    Returns a Figure."""
    styles = {False: (VERMILLION, "//", "--"), True: (BLUE, None, "-")}
    fig, ax = new_figure()
    every = [t for run in runs for t in run.load_s]
    low, high = min(every), max(every)
    width = (high - low) / 24 or 0.01
    bins = [low + width * i for i in range(25)]
    tallest = 0.0
    for run in runs:
        colour, hatch, line = styles[run.parallel]
        counts, _, _ = ax.hist(
            run.load_s,
            bins=bins,
            facecolor="none" if hatch else colour,
            alpha=1 if hatch else 0.55,
            edgecolor=colour,
            hatch=hatch,
            linewidth=1.2,
            label=f"{run.style} ({len(run.load_s)} visits)",
        )
        tallest = max(tallest, max(counts))
        ax.axvline(run.p75, color=colour, linestyle=line, linewidth=2, gid=f"p75 {run.style}")
        ax.annotate(
            f"p75 {run.p75:.2f} s",
            (run.p75, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            fontsize=9,
            color=colour,
            fontweight="bold",
        )
    ax.set_ylim(0, tallest * 1.3)  # room above the bars for the p75 labels
    ax.set_xlabel("page load time (s)")
    ax.set_ylabel("visits")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="best", fontsize=8)
    ax.set_title("Page load per visit, each visitor on their own network; p75 marked", loc="left")
    return fig


def summary_line(runs: Sequence[Visits]) -> str:
    """The 75th-percentile load of each way of loading, and how many times faster the
    fastest is than the slowest."""
    parts = [f"{run.p75:.2f} s {run.style}" for run in runs]
    line = f"p75 page load over {len(runs[0].load_s)} visits: " + ", ".join(parts)
    slow, fast = max(runs, key=lambda r: r.p75), min(runs, key=lambda r: r.p75)
    if len(runs) > 1 and fast.p75 > 0:
        line += f" ({fast.style} is {slow.p75 / fast.p75:.1f}x faster)"
    return line + "."
