"""What a grading run reports: each learner's result, the run's summary, a progress line."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LearnerResult:
    """What grading one learner produced."""

    student: str
    ok: bool
    seconds: float
    reason: str = ""
    timeouts: tuple[str, ...] = ()


@dataclass
class Summary:
    """The whole batch: who was graded, skipped or failed, and how long it took."""

    assignment: str
    total: int
    skipped: list[str] = field(default_factory=list)
    graded: list[LearnerResult] = field(default_factory=list)
    failed: list[LearnerResult] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The summary as printed at the end of a run."""
        done = len(self.graded) + len(self.failed)
        head = (
            f"{self.assignment}: graded {len(self.graded)} of {self.total} learners "
            f"in {clock(self.seconds)}"
        )
        if self.skipped:
            head += f"; {len(self.skipped)} already graded earlier (skipped)"
        out = [head]
        if self.failed:
            out.append(f"{len(self.failed)} failed:")
            out += [f"  - {o.student}: {o.reason}" for o in self.failed]
        budget = [o for o in self.graded if o.timeouts]
        if budget:
            out.append(
                f"{len(budget)} ran out of time or limits, tampered with the grader (scored 0 "
                "for what broke), or had cells set aside (not graded, code still run):"
            )
            out += [f"  - {o.student}: {'; '.join(o.timeouts)}" for o in budget]
        if self.interrupted:
            left = self.total - len(self.skipped) - done
            out.append(f"Interrupted with {left} learners left: run the command again to go on.")
        return out


def clock(seconds: float) -> str:
    """Seconds as minutes:seconds, as the summary and the progress line show them."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


class ProgressLine:
    """A progress bar with an ETA on a terminal; a line per tenth of the work elsewhere."""

    def __init__(self, total: int, stream=sys.stderr, width: int = 28):
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.start = time.perf_counter()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def text(self, done: int, failed: int) -> str:
        """The progress line for ``done`` finished learners."""
        elapsed = time.perf_counter() - self.start
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        eta = clock(elapsed / done * (self.total - done)) if done else "?"
        fail = f" · {failed} failed" if failed else ""
        return f"[{bar}] {done}/{self.total} learners{fail} · {clock(elapsed)} elapsed · ETA {eta}"

    def update(self, done: int, failed: int) -> None:
        """Show progress after a learner finished."""
        if self.tty:
            self.stream.write("\r" + self.text(done, failed))
            self.stream.flush()
            return
        tenth = 10 * done // self.total
        if tenth != self.last_tenth or done == self.total:
            self.last_tenth = tenth
            print(self.text(done, failed), file=self.stream, flush=True)

    def close(self) -> None:
        """End the progress line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
