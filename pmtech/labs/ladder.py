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
