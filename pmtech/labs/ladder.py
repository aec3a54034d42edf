"""The latency ladder, measured on this machine.

Published tables (J. Dean and P. Norvig's "Latency numbers every programmer should know",
as tabulated in donnemartin/system-design-primer) date from around 2010 and disagree in
their digits; the *ratios* between rungs are what last. Each rung here is a real operation.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time

import numpy as np

from pmtech.labs.figures import BLACK, BLUE, new_figure

# Published figures, in nanoseconds (system-design-primer, sd_appendix).
PUBLISHED_NS = {
    "cache_reference": 0.5,  # L1 cache reference
    "memory_reference": 100,  # main memory reference
    "read_1mb_memory": 250_000,  # read 1 MB sequentially from memory
    "datacenter_round_trip": 500_000,  # round trip within the same datacenter
}


def _per_access_ns(array_bytes: int, accesses: int = 2_000_000, seed: int = 3) -> float:
    """Average ns per random read from an array of ``array_bytes`` (numpy gather)."""
    rng = np.random.default_rng(seed)  # seeded: the same access pattern every run
    data = np.ones(array_bytes // 8, dtype=np.int64)
    index = rng.integers(0, len(data), size=accesses)
    data[index].sum()  # warm up
    start = time.perf_counter()
    data[index].sum()
    return (time.perf_counter() - start) / accesses * 1e9


def cache_vs_memory_ns() -> tuple[float, float]:
    """ns per random read from a 16 KB array (fits in L1/L2 cache) and from a 512 MB one
    (does not fit in any cache, so most reads go to main memory).

    Both include numpy's per-element overhead, and the CPU overlaps independent misses,
    so these are throughput figures: the gap between them is smaller than the published
    latency ratio (about 200x), which measures one read waiting for the one before.
    """
    return _per_access_ns(16 * 1024), _per_access_ns(512 * 1024 * 1024)


def read_1mb_memory_ns() -> float:
    """ns to copy 1 MB that is already in memory (best of 20)."""
    data = np.ones(1_000_000, dtype=np.uint8)
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        data.copy()
        best = min(best, time.perf_counter() - start)
    return best * 1e9


def loopback_round_trip_ns(trips: int = 2_000) -> float:
    """Median ns for a 1-byte TCP message to 127.0.0.1 and back (no network card involved;
    a real round trip between machines adds the wire)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo():
        conn, _ = server.accept()
        with conn:
            while data := conn.recv(1):
                conn.sendall(data)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    client = socket.create_connection(("127.0.0.1", port))
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    for _ in range(trips):
        start = time.perf_counter_ns()
        client.sendall(b"x")
        client.recv(1)
        samples.append(time.perf_counter_ns() - start)
    client.close()
    server.close()
    thread.join(timeout=2)
    samples.sort()
    return float(samples[len(samples) // 2])


def durable_write_ns(writes: int = 20) -> float:
    """Median ns to write 4 KB and fsync it: the wait for storage to confirm it is safe."""
    samples = []
    with tempfile.NamedTemporaryFile() as f:
        block = os.urandom(4096)
        for _ in range(writes):
            start = time.perf_counter_ns()
            f.write(block)
            f.flush()
            os.fsync(f.fileno())
            samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return float(samples[len(samples) // 2])


def measure_ladder() -> dict[str, float]:
    """Every rung, in nanoseconds, measured now on this machine."""
    cache, memory = cache_vs_memory_ns()
    return {
        "cache_reference": cache,
        "memory_reference": memory,
        "read_1mb_memory": read_1mb_memory_ns(),
        "loopback_round_trip": loopback_round_trip_ns(),
        "durable_write_4kb": durable_write_ns(),
    }


# How each rung reads on a chart, fastest first.
RUNG_LABELS = {
    "cache_reference": "read from CPU cache\n(16 KB array)",
    "memory_reference": "read from main memory\n(512 MB array)",
    "read_1mb_memory": "copy 1 MB in memory",
    "loopback_round_trip": "TCP round trip\non 127.0.0.1",
    "durable_write_4kb": "write 4 KB and fsync",
}


def human_time(ns: float) -> str:
    """A duration in nanoseconds in the unit that reads best: 2.7 ns, 17 µs, 1.2 ms, 3 s."""
    for unit, size in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= size:
            return f"{ns / size:.3g} {unit}"
    return f"{ns:.3g} ns"


def plot_ladder(measured: dict[str, float]):
    """The rungs of ``measure_ladder()`` on a log axis, fastest at the top: a dot per rung as
    measured here, and a diamond for the published figure where the published table has the
    same operation. Returns a matplotlib Figure."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    rungs = sorted(measured, key=measured.get)
    values = [measured[r] for r in rungs]
    y = list(range(len(rungs)))
    fig, ax = new_figure((7.0, 3.8))
    ax.plot(values, y, "o", markersize=9, color=BLUE, label="measured here", zorder=3)
    for i, value in enumerate(values):
        ax.annotate(
            human_time(value),
            (value, i),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            color=BLUE,
        )
    published = [(i, PUBLISHED_NS[r]) for i, r in enumerate(rungs) if r in PUBLISHED_NS]
    if published:
        ax.plot(
            [p for _, p in published],
            [i for i, _ in published],
            "D",
            markersize=7,
            markerfacecolor="white",
            markeredgecolor=BLACK,
            markeredgewidth=1.5,
            label="published (c. 2010 table)",
            zorder=3,
        )
    ax.set_xscale("log")
    ax.set_yticks(y, [RUNG_LABELS.get(r, r) for r in rungs], fontsize=9)
    ax.set_ylim(len(rungs) - 0.5, -0.8)  # fastest at the top, room for the top label
    low = min(values + [p for _, p in published]) / 3
    high = max(values + [p for _, p in published]) * 3
    ax.set_xlim(low, high)
    decades = [10.0**k for k in range(-1, 12) if low <= 10.0**k <= high]
    ax.xaxis.set_major_locator(FixedLocator(decades))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: human_time(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("time per operation (log scale: each step is 10x)")
    ax.set_title("The latency ladder on this machine", loc="left")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def summary_line(measured: dict[str, float]) -> str:
    """The ladder in one line: a durable write priced in main-memory reads."""
    write, memory = measured["durable_write_4kb"], measured["memory_reference"]
    return (
        f"A durable 4 KB write took {human_time(write)} here: "
        f"as long as {write / memory:,.0f} main-memory reads ({human_time(memory)} each)."
    )
