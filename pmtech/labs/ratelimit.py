"""Rate limiters on the same traffic: fixed window, sliding window (log and counter), token
bucket.

Every limiter here allows "20 requests per second" and is fed the same seeded timeline:
light background traffic, one burst inside a window, and one burst that straddles a window
boundary (half just before it, half just after).

- Fixed window counts requests per calendar second and resets at each boundary. A client that
  spends its limit just before a boundary and again just after gets twice the limit through
  in a moment.
- Sliding window log keeps the time of every admitted request and admits a new one only if
  fewer than the limit fall in the last second: exact, at one stored timestamp per request.
- Sliding window counter keeps two counts (this window, the previous one) and weights the
  previous count by how much of it still overlaps the last second, as Cloudflare describes
  ("How we built rate limiting capable of scaling to millions of domains", 2017): two
  numbers per client, and an approximation.
- Token bucket (the committed-burst bucket of RFC 2697) holds up to ``capacity`` tokens,
  refills at ``rate`` tokens per second, and spends one per request. In any span of s
  seconds it admits at most capacity + rate * s: bursts up to the capacity, then the rate.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from pmtech.labs.figures import BLUE, GREEN, ORANGE, VERMILLION

ALGORITHMS = ("fixed_window", "token_bucket", "sliding_log", "sliding_counter")

NAMES = {
    "fixed_window": "fixed window",
    "sliding_log": "sliding window log",
    "sliding_counter": "sliding window counter",
    "token_bucket": "token bucket",
}


class FixedWindow:
    """At most ``limit`` requests in each window [k * window, (k + 1) * window)."""

    def __init__(self, limit: int, window_ms: float):
        self.limit, self.window_ms = limit, window_ms
        self._window, self._count = None, 0

    def allow(self, t_ms: float) -> bool:
        """Admit (True) or reject a request arriving at ``t_ms``; times must not decrease."""
        window = int(t_ms // self.window_ms)
        if window != self._window:
            self._window, self._count = window, 0
        if self._count < self.limit:
            self._count += 1
            return True
        return False


class SlidingLog:
    """At most ``limit`` admitted requests in any ``window_ms``: one timestamp kept per
    admitted request in the last window (memory grows with the limit)."""

    def __init__(self, limit: int, window_ms: float):
        self.limit, self.window_ms = limit, window_ms
        self._admitted: deque[float] = deque()

    def allow(self, t_ms: float) -> bool:
        """Admit (True) or reject a request arriving at ``t_ms``; times must not decrease."""
        while self._admitted and self._admitted[0] <= t_ms - self.window_ms:
            self._admitted.popleft()
        if len(self._admitted) < self.limit:
            self._admitted.append(t_ms)
            return True
        return False


class SlidingCounter:
    """Two counters per client; the previous window's count is weighted by the share of it
    that still lies inside the last ``window_ms``. Assumes the previous window's requests
    were spread evenly, so it can err either way when they were not."""

    def __init__(self, limit: int, window_ms: float):
        self.limit, self.window_ms = limit, window_ms
        self._window, self._current, self._previous = None, 0, 0

    def allow(self, t_ms: float) -> bool:
        """Admit (True) or reject a request arriving at ``t_ms``; times must not decrease."""
        window = int(t_ms // self.window_ms)
        if window != self._window:
            follows = self._window is not None and window == self._window + 1
            self._previous = self._current if follows else 0
            self._window, self._current = window, 0
        overlap = 1 - (t_ms % self.window_ms) / self.window_ms
        if self._previous * overlap + self._current < self.limit:
            self._current += 1
            return True
        return False


class TokenBucket:
    """Starts full with ``capacity`` tokens, gains ``rate_per_s`` tokens a second up to the
    capacity, and admits a request if a whole token is there to spend."""

    def __init__(self, capacity: float, rate_per_s: float):
        self.capacity, self.rate_per_ms = capacity, rate_per_s / 1000
        self._tokens, self._last = float(capacity), None

    def allow(self, t_ms: float) -> bool:
        """Admit (True) or reject a request arriving at ``t_ms``; times must not decrease."""
        if self._last is not None:
            refill = (t_ms - self._last) * self.rate_per_ms
            self._tokens = min(self.capacity, self._tokens + refill)
        self._last = t_ms
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


def make_limiter(algorithm: str, limit: int, window_ms: float, capacity: float | None = None):
    """A fresh limiter allowing ``limit`` requests per ``window_ms``. The token bucket refills
    at the same average rate and holds ``capacity`` tokens (by default the limit)."""
    if limit < 1 or window_ms <= 0:
        raise ValueError("limit must be at least 1 and the window positive")
    if algorithm == "fixed_window":
        return FixedWindow(limit, window_ms)
    if algorithm == "sliding_log":
        return SlidingLog(limit, window_ms)
    if algorithm == "sliding_counter":
        return SlidingCounter(limit, window_ms)
    if algorithm == "token_bucket":
        return TokenBucket(limit if capacity is None else capacity, limit / window_ms * 1000)
    raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")


def request_timeline(
    duration_ms: float = 3_000,
    background_per_s: float = 5,
    bursts: Sequence[tuple[float, float, int]] = ((400, 100, 30), (1900, 100, 25), (2000, 100, 25)),
    seed: int = 1,
) -> list[float]:
    """Arrival times (ms, sorted) of one client's requests: Poisson background traffic at
    ``background_per_s``, plus each burst (start ms, length ms, count) spread at random over
    its span. The default puts one burst inside the first window and one across the 2 s
    boundary."""
    rng = random.Random(seed)  # seeded: the same timeline every run
    times, t = [], 0.0
    while True:
        t += rng.expovariate(background_per_s / 1000)
        if t >= duration_ms:
            break
        times.append(t)
    for start, length, count in bursts:
        times.extend(start + rng.random() * length for _ in range(count))
    return sorted(times)


def admitted(limiter, times: Sequence[float]) -> list[float]:
    """The arrival times, of those given in order, that ``limiter`` admits."""
    return [t for t in times if limiter.allow(t)]


def max_in_span(times: Sequence[float], span_ms: float) -> int:
    """The most of the sorted ``times`` that fall in any interval [a, a + span_ms)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - span_ms:
            start += 1
        best = max(best, end - start + 1)
    return best


def _per_bin(times: Sequence[float], bin_ms: float, bins: int) -> tuple[int, ...]:
    counts = [0] * bins
    for t in times:
        counts[min(bins - 1, int(t // bin_ms))] += 1
    return tuple(counts)


@dataclass(frozen=True)
class RateLimitResult:
    """What each limiter admitted from one timeline."""

    limit: int  # requests per window
    window_ms: float
    capacity: float  # token bucket size; it refills at limit / window
    duration_ms: float
    bin_ms: float
    offered: int
    offered_per_bin: tuple[int, ...]
    algorithms: tuple[str, ...]
    admitted: dict[str, int]
    admitted_per_bin: dict[str, tuple[int, ...]]
    spans_ms: tuple[float, ...]
    max_in_span: dict[str, tuple[int, ...]]  # most admitted in any span of each length

    @property
    def rate_per_s(self) -> float:
        """The long-run rate every limiter allows, per second."""
        return self.limit / self.window_ms * 1000

    def rejected(self, algorithm: str) -> int:
        """How many of the offered requests ``algorithm`` turned away."""
        return self.offered - self.admitted[algorithm]

    def bucket_bound(self, span_ms: float) -> float:
        """The most a token bucket can admit in ``span_ms``: capacity + rate * span."""
        return self.capacity + self.rate_per_s * span_ms / 1000


def run_ratelimit(
    limit: int = 20,
    window_ms: float = 1_000,
    capacity: float | None = None,
    algorithms: Sequence[str] = ALGORITHMS,
    times: Sequence[float] | None = None,
    duration_ms: float = 3_000,
    bin_ms: float = 100,
    spans_ms: Sequence[float] = (100, 200, 1_000),
) -> RateLimitResult:
    """Feed each limiter the same timeline (``request_timeline()`` by default) and count
    what it admits: in total, per ``bin_ms``, and at most in any span of each length."""
    times = request_timeline(duration_ms) if times is None else sorted(times)
    if times and times[-1] >= duration_ms:
        raise ValueError("every request must arrive before duration_ms")
    bins = int(-(-duration_ms // bin_ms))
    kept = {a: admitted(make_limiter(a, limit, window_ms, capacity), times) for a in algorithms}
    spans = tuple(spans_ms)
    return RateLimitResult(
        limit,
        window_ms,
        limit if capacity is None else capacity,
        duration_ms,
        bin_ms,
        len(times),
        _per_bin(times, bin_ms, bins),
        tuple(algorithms),
        {a: len(k) for a, k in kept.items()},
        {a: _per_bin(k, bin_ms, bins) for a, k in kept.items()},
        spans,
        {a: tuple(max_in_span(k, s) for s in spans) for a, k in kept.items()},
    )


def _per(window_ms: float) -> str:
    return "per second" if window_ms == 1_000 else f"per {window_ms / 1000:g} s"


_STYLES = {  # algorithm -> colour, hatch
    "fixed_window": (VERMILLION, None),
    "sliding_log": (BLUE, "///"),
    "sliding_counter": (GREEN, "..."),
    "token_bucket": (ORANGE, "xx"),
}


def plot_ratelimit(result: RateLimitResult):
    """One row per limiter: requests admitted per ``bin_ms`` as bars, over the offered
    requests in grey, with window boundaries and the limit's even share per bin marked.
    Returns a Figure."""
    from matplotlib.figure import Figure

    from pmtech.labs.figures import BLACK, GREY, SIZE

    rows = len(result.algorithms)
    fig = Figure(figsize=(SIZE[0], max(SIZE[1], 0.85 * rows + 0.8)), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    lefts = [i * result.bin_ms for i in range(len(result.offered_per_bin))]
    share = result.limit * result.bin_ms / result.window_ms
    boundaries = [
        k * result.window_ms for k in range(1, int(result.duration_ms // result.window_ms) + 1)
    ]
    for ax, algorithm in zip(axes, result.algorithms, strict=True):
        colour, hatch = _STYLES.get(algorithm, (GREY, None))
        ax.bar(lefts, result.offered_per_bin, result.bin_ms, align="edge", color="#DDDDDD")
        ax.bar(
            lefts,
            result.admitted_per_bin[algorithm],
            result.bin_ms * 0.8,
            align="edge",
            color=colour,
            hatch=hatch,
            edgecolor="white",
            gid=algorithm,
        )
        ax.axhline(share, color=BLACK, linestyle="--", linewidth=1)
        for b in boundaries:
            ax.axvline(b, color=BLACK, linestyle=":", linewidth=1)
        ax.text(
            0.005,
            0.93,
            f"{NAMES.get(algorithm, algorithm)}: admitted {result.admitted[algorithm]}, "
            f"rejected {result.rejected(algorithm)}",
            transform=ax.transAxes,
            va="top",
            fontsize=8,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1),
        )
        ax.set_ylabel("requests", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel(
        f"time (ms); grey: offered per {result.bin_ms:g} ms; dotted: window boundaries; "
        f"dashed: the limit spread evenly ({share:g} per {result.bin_ms:g} ms)",
        fontsize=8,
    )
    axes[-1].set_xlim(0, result.duration_ms)
    axes[-1].set_ylim(0, max(result.offered_per_bin) * 1.5)  # room for each row's caption
    axes[0].set_title(
        f"Requests admitted per {result.bin_ms:g} ms, "
        f"limit {result.limit} {_per(result.window_ms)}",
        loc="left",
        fontsize=10,
    )
    return fig


def summary_line(result: RateLimitResult) -> str:
    """The most each limiter let through in any short span (about two bins), against the
    limit, with the token bucket's bound for that span."""
    span = min(result.spans_ms, key=lambda s: abs(s - 2 * result.bin_ms))
    i = result.spans_ms.index(span)
    most = {a: result.max_in_span[a][i] for a in result.algorithms}
    first, *others = result.algorithms
    line = (
        f"With a limit of {result.limit} {_per(result.window_ms)}, the "
        f"{NAMES.get(first, first)} let {most[first]} requests through in {span:g} ms "
        f"({most[first] / result.limit:.2f}x the per-window limit)"
    )
    for a in others:
        line += f", the {NAMES.get(a, a)} at most {most[a]}"
        if a == "token_bucket":
            line += (
                f" (bound {result.capacity:g} + {result.rate_per_s:g}/s x {span / 1000:g} s "
                f"= {result.bucket_bound(span):g})"
            )
    return line + "."
