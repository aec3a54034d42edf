"""Replication with quorums: how often a read is stale, and what each guarantee costs.

N replicas hold a value. A write goes to all N; each replica applies it after its own random
replication delay, and the write is acknowledged once W replicas have applied it. A read asks
all N and uses the first R answers, returning the newest version among them. These are the
N, R, W of Amazon's Dynamo (DeCandia et al. 2007, section 4.5), where R + W > N makes every
read set overlap every write set.

The simulation runs that mechanism many times on seeded exponential delays. After the ack,
W replicas have the new version; a read misses it only if all R replicas it hears from are
among the N - W others and have not applied it yet. If R + W > N that cannot happen (any R
replicas include one of the W), so stale reads after the ack drop to zero, in this model
with no failed replicas. (Dynamo's "sloppy quorum" counts stand-in nodes during failures, so
there even R + W > N can read stale data.) The cost: the ack waits for the W-th fastest
replica and the read for the R-th fastest answer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb, exp

from pmtech.labs.figures import BLUE, GREEN, ORANGE, PURPLE, VERMILLION

Quorum = tuple[int, int, int]  # (N, R, W)

QUORUMS: tuple[Quorum, ...] = ((3, 1, 1), (3, 1, 2), (3, 2, 2), (3, 1, 3), (3, 3, 1))


def _check(quorum: Quorum) -> None:
    n, r, w = quorum
    if n < 1 or not (1 <= r <= n and 1 <= w <= n):
        raise ValueError(f"need 1 <= R, W <= N, got N={n} R={r} W={w}")


def expected_kth_fastest_ms(k: int, n: int, mean_ms: float) -> float:
    """Mean time until the k-th of n replicas answers, each after an exponential delay with
    mean ``mean_ms``: mean_ms * (1/n + 1/(n-1) + ... + 1/(n-k+1)).

    The first of n answers comes after mean/n on average; from then on the n - 1 still
    pending race again (exponential delays have no memory), and so on. For n = 3:
    k = 1, 2, 3 give 0.33, 0.83 and 1.83 times the mean.
    """
    if not 1 <= k <= n:
        raise ValueError("need 1 <= k <= n")
    return mean_ms * sum(1 / (n - i) for i in range(k))


def expected_stale_rate(quorum: Quorum, delay_ms: float, mean_ms: float) -> float:
    """The chance that a read issued ``delay_ms`` after the write's ack returns the old
    version, by formula.

    At the ack, W replicas have the write and N - W do not; each of those still lacks it
    ``delay_ms`` later with probability q = exp(-delay/mean) (no memory again). With k
    replicas lacking it, a read of R random replicas is stale with probability
    C(k, R) / C(N, R), which is 0 whenever R > N - W, that is R + W > N.
    """
    _check(quorum)
    n, r, w = quorum
    q = exp(-delay_ms / mean_ms)
    behind = n - w
    return sum(
        comb(behind, k) * q**k * (1 - q) ** (behind - k) * comb(k, r) / comb(n, r)
        for k in range(behind + 1)
    )


@dataclass(frozen=True)
class QuorumRuns:
    """What one quorum did over many simulated writes, each followed by reads."""

    quorum: Quorum
    stale: tuple[float, ...]  # share of stale reads at each read delay
    write_ack_ms: tuple[float, ...]  # each write's time to acknowledgement
    read_ms: tuple[float, ...]  # each read's time to its R-th answer


def simulate_quorum(
    quorum: Quorum,
    read_delays_ms: Sequence[float],
    trials: int = 4_000,
    mean_ms: float = 10.0,
    seed: int = 1,
) -> QuorumRuns:
    """Simulate ``trials`` writes under ``quorum`` = (N, R, W), each followed by one read at
    every delay in ``read_delays_ms`` after its ack; count the reads that return the old
    version. Replication and answer delays are exponential with mean ``mean_ms``."""
    _check(quorum)
    if trials < 1:
        raise ValueError("trials must be at least 1")
    n, r, w = quorum
    rng = random.Random(seed)  # seeded: the same delays every run, for every quorum
    rate = 1 / mean_ms
    stale = [0] * len(read_delays_ms)
    acks, reads = [], []
    for _ in range(trials):
        applied_at = [rng.expovariate(rate) for _ in range(n)]  # write sent at time 0
        ack = sorted(applied_at)[w - 1]
        answer_after = [rng.expovariate(rate) for _ in range(n)]
        # The read uses the first R answers; their delays are independent of the replication
        # delays, so these R replicas are a uniformly random choice, as in the model.
        first = sorted(range(n), key=answer_after.__getitem__)[:r]
        acks.append(ack)
        reads.append(answer_after[first[r - 1]])
        for i, delay in enumerate(read_delays_ms):
            t = ack + delay
            if all(applied_at[j] > t for j in first):  # none of them has the new version
                stale[i] += 1
    return QuorumRuns(quorum, tuple(s / trials for s in stale), tuple(acks), tuple(reads))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


@dataclass(frozen=True)
class QuorumResult:
    """Stale-read rates and latency costs of several quorums, on the same seeded delays."""

    mean_delay_ms: float
    trials: int
    read_delays_ms: tuple[float, ...]
    quorums: tuple[Quorum, ...]
    stale: dict[Quorum, tuple[float, ...]]  # measured share of stale reads at each delay
    expected_stale: dict[Quorum, tuple[float, ...]]  # the same by formula
    write_ack_mean_ms: dict[Quorum, float]
    write_ack_p99_ms: dict[Quorum, float]
    read_mean_ms: dict[Quorum, float]
    read_p99_ms: dict[Quorum, float]


def run_quorum(
    quorums: Sequence[Quorum] = QUORUMS,
    read_delays_ms: Sequence[float] = tuple(2.5 * i for i in range(17)),
    trials: int = 4_000,
    mean_ms: float = 10.0,
    seed: int = 1,
) -> QuorumResult:
    """Run ``simulate_quorum`` for each quorum with the same seed and collect stale-read
    rates (measured and by formula) and write and read latencies.

    ``mean_ms`` is the mean replication delay, an input chosen for teaching, not a measured
    figure; every time in the result scales with it.
    """
    delays = tuple(float(d) for d in read_delays_ms)
    if not delays or min(delays) < 0:
        raise ValueError("give read delays of 0 ms or more")
    runs = [simulate_quorum(q, delays, trials, mean_ms, seed) for q in quorums]
    return QuorumResult(
        mean_ms,
        trials,
        delays,
        tuple(quorums),
        {run.quorum: run.stale for run in runs},
        {q: tuple(expected_stale_rate(q, d, mean_ms) for d in delays) for q in quorums},
        {run.quorum: _mean(run.write_ack_ms) for run in runs},
        {run.quorum: _p99(run.write_ack_ms) for run in runs},
        {run.quorum: _mean(run.read_ms) for run in runs},
        {run.quorum: _p99(run.read_ms) for run in runs},
    )


def label(quorum: Quorum) -> str:
    """``(3, 2, 2)`` as ``"N=3 R=2 W=2"``."""
    n, r, w = quorum
    return f"N={n} R={r} W={w}"


_STYLES = (  # colour, line style, marker: one per quorum, in order
    (VERMILLION, "-", "o"),
    (ORANGE, "--", "s"),
    (BLUE, "-.", "^"),
    (GREEN, ":", "D"),
    (PURPLE, (0, (5, 1, 1, 1)), "v"),
)


def plot_quorum(result: QuorumResult):
    """Left: measured share of stale reads against the read's delay after the write's ack,
    one line per quorum, the formula dotted in black. Right: mean write-ack and read time per
    quorum. Returns a Figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from pmtech.labs.figures import BLACK, GREY, SIZE

    fig = Figure(figsize=SIZE, layout="constrained")
    stale_ax, cost_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    formula_label = "formula"
    for i, q in enumerate(result.quorums):
        colour, style, marker = _STYLES[i % len(_STYLES)]
        n, r, w = q
        sign = ">" if r + w > n else "<="
        stale_ax.plot(
            result.read_delays_ms,
            [s * 100 for s in result.stale[q]],
            linestyle=style,
            marker=marker,
            markersize=5,
            markevery=(i % 3, 3),  # staggered, so lines that all sit at 0% stay visible
            color=colour,
            label=f"{label(q)} (R+W {sign} N)",
            gid=label(q),
        )
        if r + w <= n:
            stale_ax.plot(
                result.read_delays_ms,
                [s * 100 for s in result.expected_stale[q]],
                ":",
                color=BLACK,
                linewidth=1,
                label=formula_label,
            )
            formula_label = None  # one legend entry for all the formula lines
    stale_ax.yaxis.set_major_formatter(PercentFormatter())
    stale_ax.set_ylim(-2, None)
    stale_ax.set_xlabel("read issued after the write's ack (ms)")
    stale_ax.set_ylabel(f"stale reads (% of {result.trials:,})")
    stale_ax.set_title(
        f"Stale reads, replication delay mean {result.mean_delay_ms:g} ms", loc="left", fontsize=10
    )
    stale_ax.legend(fontsize=7, loc="upper right")
    stale_ax.grid(alpha=0.3)

    y = list(range(len(result.quorums)))
    acks = [result.write_ack_mean_ms[q] for q in result.quorums]
    reads = [result.read_mean_ms[q] for q in result.quorums]
    height = 0.4
    write_bars = cost_ax.barh(
        [v - height / 2 for v in y], acks, height, color=BLUE, label="write ack", gid="write ack"
    )
    read_bars = cost_ax.barh(
        [v + height / 2 for v in y],
        reads,
        height,
        color="white",
        edgecolor=GREY,
        hatch="///",
        label="read",
        gid="read",
    )
    cost_ax.bar_label(write_bars, fmt="%.1f", fontsize=7, padding=2)
    cost_ax.bar_label(read_bars, fmt="%.1f", fontsize=7, padding=2)
    cost_ax.set_yticks(y, [label(q) for q in result.quorums], fontsize=8)
    cost_ax.invert_yaxis()
    cost_ax.set_xlim(0, max(acks + reads) * 1.25)
    cost_ax.set_xlabel("mean time (ms)")
    cost_ax.set_title("What it costs: mean latency", loc="left", fontsize=10)
    cost_ax.legend(fontsize=7, loc="upper right")
    cost_ax.grid(alpha=0.3, axis="x")
    return fig


def summary_line(result: QuorumResult) -> str:
    """Stale reads at the ack for the weakest quorum with R + W <= N against none for
    R + W > N, and the write latency that the strongest write quorum pays."""
    first = result.read_delays_ms[0]
    weak = [q for q in result.quorums if q[1] + q[2] <= q[0]]
    strong = [q for q in result.quorums if q[1] + q[2] > q[0]]
    parts = []
    if weak:
        q = max(weak, key=lambda q: result.stale[q][0])
        parts.append(
            f"reads {first:g} ms after the write's ack were stale "
            f"{result.stale[q][0]:.0%} of the time with {label(q)} "
            f"(formula {result.expected_stale[q][0]:.0%})"
        )
    if strong:
        worst = round(max(max(result.stale[q]) for q in strong) * result.trials)
        parts.append(f"{worst:,} of {result.trials:,} reads at any delay whenever R + W > N")
    line = "In simulation, " + " and ".join(parts) if parts else "No quorums were run"
    slow = max(result.quorums, key=lambda q: (q[2], -q[1]))
    fast = min(result.quorums, key=lambda q: (q[2], q[1]))
    line += (
        f"; the price: {label(slow)} acknowledges a write after "
        f"{result.write_ack_mean_ms[slow]:.1f} ms on average, {label(fast)} after "
        f"{result.write_ack_mean_ms[fast]:.1f} ms (mean replication delay "
        f"{result.mean_delay_ms:g} ms)."
    )
    return line
