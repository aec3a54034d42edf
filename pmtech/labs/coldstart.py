"""Cold versus warm: what a serverless cold start costs, measured with real processes.

A "function" here is a Python worker that imports what it needs and then answers one line
per request on stdin/stdout. A cold call starts a new worker for the request (a new process,
a fresh interpreter, imports), the way a serverless platform does after an idle period; a
warm call sends the request to a worker that is already running.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

# The worker's code: import a few standard modules (a function's dependencies), then echo.
_WORKER = """
import json, sqlite3, decimal, email.message, http.client
for line in iter(input, "quit"):
    print(json.dumps({"ok": True, "echo": line}), flush=True)
"""


def _start() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


def _call(worker: subprocess.Popen, payload: str) -> str:
    worker.stdin.write(payload + "\n")
    worker.stdin.flush()
    reply = worker.stdout.readline()
    if not reply:
        raise RuntimeError("the worker exited without answering")
    return reply


def _stop(worker: subprocess.Popen) -> None:
    try:
        worker.stdin.write("quit\n")
        worker.stdin.flush()
    except BrokenPipeError:
        pass
    worker.wait(timeout=10)


@dataclass(frozen=True)
class ColdWarm:
    """Median milliseconds of a cold call and of a warm call."""

    cold_ms: float
    warm_ms: float

    @property
    def ratio(self) -> float:
        """How many warm calls one cold call costs."""
        return self.cold_ms / self.warm_ms


def measure_cold_and_warm(cold_runs: int = 5, warm_runs: int = 200) -> ColdWarm:
    """Time ``cold_runs`` calls that each start a worker and ``warm_runs`` to a running one."""
    if cold_runs < 1 or warm_runs < 1:
        raise ValueError("need at least one cold and one warm run")
    cold = []
    for n in range(cold_runs):
        start = time.perf_counter()
        worker = _start()
        _call(worker, f"cold {n}")
        cold.append((time.perf_counter() - start) * 1000)
        _stop(worker)
    worker = _start()
    try:
        _call(worker, "warm-up")
        warm = []
        for n in range(warm_runs):
            start = time.perf_counter()
            _call(worker, f"warm {n}")
            warm.append((time.perf_counter() - start) * 1000)
    finally:
        _stop(worker)
    return ColdWarm(statistics.median(cold), statistics.median(warm))


def percentile_with_cold_starts(
    warm_ms: float, cold_ms: float, cold_share: float, percentile: float
) -> float:
    """The latency at ``percentile`` (0-100) when a ``cold_share`` of calls start cold.

    A simple two-point model: every warm call takes ``warm_ms`` and every cold one
    ``cold_ms``, so the percentile is cold as soon as more than (100 - percentile)% of
    calls are cold.
    """
    if not 0 <= cold_share <= 1 or not 0 < percentile < 100:
        raise ValueError("cold_share is 0-1 and percentile is between 0 and 100")
    return cold_ms if cold_share * 100 > 100 - percentile else warm_ms
