"""A fixed set of worker processes; a worker that dies fails only the learner it graded."""

from __future__ import annotations

import contextlib
import time
from multiprocessing import get_context
from pathlib import Path

from pmtech.grading import GradingError
from pmtech.grading.slots import claim_slot
from pmtech.grading.summary import LearnerResult
from pmtech.grading.worker import grade_one, init_worker, skip_slow_format_checker, worker_log


def _worker_main(conn, course: str, feedback: bool, overrides: dict) -> None:
    """A worker process: load nbgrader once, then grade what the parent sends."""
    claim_slot()  # its own sandbox uid, so limits are per learner
    skip_slow_format_checker()
    init_worker(course, overrides)
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        assignment, student = task
        conn.send(grade_one(course, assignment, student, feedback))


class _Worker:
    """One worker process, its pipe, and the learner it is grading (if any)."""

    def __init__(self, context, course: Path, feedback: bool, overrides: dict):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, str(course), feedback, overrides), daemon=True
        )
        self.process.start()
        child.close()
        self.task: tuple[str, str] | None = None
        self.started = 0.0
        self.ready = False

    def give(self, task: tuple[str, str]) -> None:
        self.task, self.started = task, time.perf_counter()
        self.conn.send(task)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError, AttributeError):
            self.process.kill()


class Pool:
    """``jobs`` worker processes; a worker that dies fails only the learner it was grading."""

    def __init__(self, course: Path, feedback: bool, overrides: dict, jobs: int):
        self.context = get_context("spawn")
        self.args = (course, feedback, overrides)
        self.course = course
        self.workers = [_Worker(self.context, *self.args) for _ in range(jobs)]

    def run(self, tasks: list[tuple[str, str]], finish) -> bool:
        """Grade every task, calling ``finish(assignment, outcome)``; True if interrupted."""
        from multiprocessing.connection import wait as wait_any

        queue, workers = list(tasks), self.workers
        try:
            while workers:
                for worker in list(workers):
                    if worker.task is None and worker.process.is_alive():
                        if not queue:
                            worker.conn.send(None)
                            workers.remove(worker)
                        elif worker.ready or worker.conn.poll():
                            if not worker.ready:
                                worker.conn.recv()  # "ready"
                                worker.ready = True
                            worker.give(queue.pop(0))
                if not workers:
                    break
                ready = wait_any([w.conn for w in workers] + [w.process.sentinel for w in workers])
                for worker in list(workers):
                    if worker.conn in ready and worker.task is not None:
                        try:
                            outcome = worker.conn.recv()
                        except (EOFError, OSError):
                            continue  # it died: handled below through its sentinel
                        task, worker.task = worker.task, None
                        finish(task[0], outcome)
                    elif worker.process.sentinel in ready and not worker.process.is_alive():
                        self._buried(worker, queue, finish)
            return False
        except KeyboardInterrupt:
            return True

    def _buried(self, worker: _Worker, queue: list, finish) -> None:
        self.workers.remove(worker)
        if not worker.ready:
            raise GradingError(
                f"a grading process could not start (exit code {worker.process.exitcode}); "
                f"its messages are in {worker_log(self.course)}"
            )
        if worker.task is not None:
            assignment, student = worker.task
            reason = (
                f"the grading process died (exit code {worker.process.exitcode}): out of "
                "memory, or killed"
            )
            finish(
                assignment,
                LearnerResult(student, False, time.perf_counter() - worker.started, reason),
            )
        if queue:
            self.workers.append(_Worker(self.context, *self.args))

    def close(self) -> None:
        """Stop every worker (they get no more work; a stuck one is killed)."""
        for worker in self.workers:
            worker.kill()
        for worker in self.workers:
            worker.process.join(5)
