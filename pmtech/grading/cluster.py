"""Grading on a Dask cluster: one task per (assignment, learner), graded by Dask's workers.

``pmtech grade --scheduler tcp://HOST:8786`` hands the same tasks the local pool would grade
to a Dask distributed scheduler. Each task runs :func:`grade_task` in a worker process: nbgrader
loaded once per process, the learner's kernel confined as it is locally, results written to
the course's shared gradebook and folder (which every worker must see at the same path).

What Dask gives for free and this module relies on:

- A task's key names the course, the assignment and the learner, and the scheduler never runs
  two tasks with one key at once, so a learner is never graded twice at the same time, even
  by two ``pmtech grade`` commands sharing a scheduler.
- When a worker dies mid-task, the scheduler gives the task to another worker; nbgrader's
  autograde replaces a learner's grades rather than adding rows, so a regraded learner leaves
  no duplicates. A task that kills every worker it meets (three by default, the scheduler's
  ``distributed.scheduler.allowed-failures``) fails that learner alone.

The gradebook URL never travels with a task (it may hold a password): each worker reads it from
its own ``PMTECH_GRADEBOOK_URL``, and a task only compares digests, so a worker pointed at
another gradebook fails its tasks with a clear reason instead of grading into the wrong one.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from pmtech.grading import GradingError
from pmtech.grading.summary import LearnerResult

CONNECT_SECONDS = 15
WORKER_WAIT_SECONDS = 60
SCHEDULER_VARIABLE = "PMTECH_DASK_SCHEDULER"

# nbgrader changes the process's working folder while it converts: one learner at a time per
# worker process, however many threads the worker was started with.
_ONE_AT_A_TIME = threading.Lock()


def task_key(course_id: str, assignment: str, student: str) -> str:
    """The Dask key of grading one learner's assignment."""
    return f"pmtech-grade/{course_id}/{assignment}/{student}"


def grade_task(
    course: str, overrides: dict, feedback: bool, digest: str, assignment: str, student: str
) -> LearnerResult:
    """On a Dask worker: grade one learner exactly as a local worker does; never raises."""
    start = time.perf_counter()
    with _ONE_AT_A_TIME:
        from pmtech.grading.slots import claim_slot
        from pmtech.grading.worker import (
            grade_one,
            load_api,
            loaded_gradebook_digest,
            skip_slow_format_checker,
        )

        if not (Path(course) / "nbgrader_config.py").is_file():
            return LearnerResult(
                student,
                False,
                time.perf_counter() - start,
                f"worker {_worker_name()} cannot see the course folder {course}: mount the "
                "course's shared storage at the same path on every worker",
            )
        claim_slot()
        skip_slow_format_checker()
        load_api(course, overrides)
        if loaded_gradebook_digest() != digest:
            return LearnerResult(
                student,
                False,
                time.perf_counter() - start,
                f"worker {_worker_name()} writes to another gradebook: start every worker "
                "with the same PMTECH_GRADEBOOK_URL as 'pmtech grade'",
            )
        return grade_one(course, assignment, student, feedback)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def connect(address: str):
    """A client of the scheduler at ``address``, with at least one worker; a clear error
    when it cannot be reached or has no workers."""
    try:
        from distributed import Client
    except ImportError:
        raise GradingError(
            "grading on a cluster needs Dask: pip install -r requirements-scale.txt"
        ) from None
    refused = _refused(address)
    if refused:
        raise _unreachable(address, refused)
    try:
        client = Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "no answer"
        raise _unreachable(address, f"{type(exc).__name__}: {first}") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except (TimeoutError, OSError):
        client.close()
        raise GradingError(
            f"the Dask scheduler at {address} has no workers after {WORKER_WAIT_SECONDS} s: "
            f"start them with 'dask worker {address} --nthreads 1'"
        ) from None
    return client


def _why_not_confined_here() -> str | None:
    from pmtech.grading.sandbox import why_not_confined

    return why_not_confined()


def unconfined_workers(client) -> dict[str, str]:
    """Workers that cannot confine learners' kernels, by name, with the reason."""
    names = {addr: info.get("name", addr)
             for addr, info in client.scheduler_info()["workers"].items()}  # fmt: skip
    found = client.run(_why_not_confined_here)
    return {str(names.get(addr, addr)): why for addr, why in found.items() if why}


def _unreachable(address: str, why: str) -> GradingError:
    return GradingError(
        f"cannot reach the Dask scheduler at {address} ({why}): is 'dask scheduler' running "
        "there, and is the address right?"
    )


def _refused(address: str) -> str | None:
    """Why a plain ``tcp://host:port`` scheduler address cannot be connected to at all, or
    None. Dask would retry a refused connection until its timeout; this says it at once."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return None  # tls:// and other transports: let Dask connect and report
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        return f"not an address: {exc}"
    if not host or not port:
        return "the address needs a host and a port, like tcp://10.0.0.5:8786"
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


class ClusterRunner:
    """Grade tasks on a Dask cluster; the same ``run``/``close`` as the local pool."""

    def __init__(self, client, course: Path, course_id: str, feedback: bool, overrides: dict,
                 digest: str):  # fmt: skip
        self.client = client
        self.args = (str(course), overrides, feedback, digest)
        self.course_id = course_id

    def run(self, tasks: list[tuple[str, str]], finish) -> bool:
        """Grade every task, calling ``finish(assignment, outcome)``; True if interrupted."""
        from distributed import as_completed

        futures = {}
        for assignment, student in tasks:
            future = self.client.submit(
                grade_task,
                *self.args,
                assignment,
                student,
                key=task_key(self.course_id, assignment, student),
                pure=False,
            )
            futures[future] = (assignment, student, time.perf_counter())
        try:
            for future in as_completed(futures, loop=self.client.loop):
                assignment, student, started = futures.pop(future)
                finish(assignment, self._outcome(future, student, started))
                future.release()
            return False
        except KeyboardInterrupt:
            self.client.cancel(list(futures))
            return True

    @staticmethod
    def _outcome(future, student: str, started: float) -> LearnerResult:
        if future.status == "finished":
            return future.result()
        seconds = time.perf_counter() - started
        if future.status == "cancelled":
            return LearnerResult(student, False, seconds, "the task was cancelled on the cluster")
        error = future.exception()
        if type(error).__name__ == "KilledWorker":
            reason = (
                "every worker that graded this learner died (out of memory, or killed); "
                "the scheduler gave up"
            )
        else:
            reason = f"the task failed on the cluster: {type(error).__name__}: {error}"
        return LearnerResult(student, False, seconds, reason)

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()
