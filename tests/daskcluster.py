"""A real Dask cluster for the tests: ``dask scheduler`` and ``dask worker`` processes on
loopback, started from this environment's own ``dask`` command."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .servers import free_port, stop

DASK = Path(sys.executable).parent / "dask"


class Cluster:
    """A scheduler and its workers; workers can be added and killed by the tests."""

    def __init__(self, workdir: Path, env: dict):
        self.workdir, self.env = workdir, env
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1",
                                  "--port", str(self.port), "--no-dashboard"])  # fmt: skip

    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("a")
        proc = subprocess.Popen(
            cmd, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str) -> subprocess.Popen:
        """Start one single-threaded worker process (no nanny, so killing it kills it)."""
        proc = self._start(name, [
            str(DASK), "worker", self.address, "--name", name, "--nthreads", "1",
            "--no-nanny", "--no-dashboard", "--local-directory", str(self.workdir / name),
        ])  # fmt: skip
        self.workers[name] = proc
        return proc

    def wait_for_workers(self, count: int, timeout: float = 90) -> None:
        """Block until the scheduler knows ``count`` workers."""
        from distributed import Client

        with Client(self.address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)

    def log(self, name: str) -> str:
        """What one process of the cluster printed."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        """Stop every process of the cluster."""
        for proc in reversed(self.procs):
            stop(proc, 10)


@contextlib.contextmanager
def dask_cluster(workdir: Path, workers: int, env: dict):
    """A scheduler and ``workers`` workers, all with ``env``, until the block ends."""
    if not DASK.exists():
        pytest.skip("dask is not installed: pip install -r requirements-scale.txt")
    cluster = Cluster(workdir, dict(os.environ, **env))
    try:
        for n in range(workers):
            cluster.add_worker(f"worker-{n}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and cluster.procs[0].poll() is None:
            if "Scheduler at" in cluster.log("scheduler"):
                break
            time.sleep(0.2)
        cluster.wait_for_workers(workers)
        yield cluster
    finally:
        cluster.close()
