"""A staged rollout checked against a simulated error-rate series.

A rollout plan is a list of stages (the share of traffic on the new version and how many
minutes to hold it) and a guardrail (the error rate on the new version that halts the
rollout, judged only once enough requests have been seen). The simulation sends seeded
random traffic minute by minute: each request on the new version fails with the new
version's true error rate, so the observed rate is noisy, as it is in production. The
result says whether the guardrail halted the rollout, when, and how many requests failed on
the new version before it did.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """Hold ``percent`` of traffic on the new version for ``minutes``."""

    percent: float
    minutes: int


@dataclass(frozen=True)
class Guardrail:
    """Halt when the new version's error rate in the current stage exceeds ``max_error_rate``,
    judged only after ``min_requests`` requests in that stage (fewer are mostly noise)."""

    max_error_rate: float
    min_requests: int = 1_000


@dataclass(frozen=True)
class Minute:
    """One simulated minute: the stage's share, requests and failures on the new version."""

    minute: int
    percent: float
    requests: int
    failures: int


@dataclass(frozen=True)
class RolloutResult:
    """What happened: halted or not, where, and the harm done on the way."""

    halted: bool
    halted_at_minute: int | None  # when the guardrail tripped
    halted_at_percent: float | None
    failed_requests: int
    new_version_requests: int
    series: tuple[Minute, ...]

    def __str__(self) -> str:
        where = (
            f"guardrail tripped at minute {self.halted_at_minute} "
            f"({self.halted_at_percent:g}% of traffic)"
            if self.halted
            else "reached 100% without a halt"
            if self.series and self.series[-1].percent >= 100
            else "finished its stages without a halt"
        )
        return (
            f"{where}; {self.new_version_requests:,} requests on the new version, "
            f"{self.failed_requests:,} of them failed"
        )


def check_plan(stages: Sequence[Stage], guardrail: Guardrail) -> None:
    """Raise ValueError naming the first problem in a rollout plan."""
    if not stages:
        raise ValueError("a rollout plan needs at least one stage")
    previous = 0.0
    for n, stage in enumerate(stages, 1):
        if not 0 < stage.percent <= 100:
            raise ValueError(f"stage {n}: percent must be in (0, 100], got {stage.percent}")
        if stage.percent < previous:
            raise ValueError(f"stage {n}: a rollout only widens ({stage.percent}% < {previous}%)")
        if stage.minutes < 1:
            raise ValueError(f"stage {n}: hold each stage at least 1 minute")
        previous = stage.percent
    if not 0 < guardrail.max_error_rate < 1:
        raise ValueError("the guardrail's max_error_rate is a share between 0 and 1, e.g. 0.01")
    if guardrail.min_requests < 1:
        raise ValueError("the guardrail needs min_requests of at least 1")


def simulate(
    stages: Sequence[Stage],
    guardrail: Guardrail,
    new_error_rate: float,
    requests_per_minute: int = 2_000,
    seed: int = 1,
    reaction_minutes: int = 5,
) -> RolloutResult:
    """Run the plan against traffic where the new version fails ``new_error_rate`` of requests.

    ``reaction_minutes`` is the time from the guardrail tripping to traffic being off the new
    version (metrics delay, the alert, the rollback itself); requests keep failing meanwhile.
    """
    check_plan(stages, guardrail)
    if reaction_minutes < 0:
        raise ValueError(f"reaction_minutes cannot be negative, got {reaction_minutes}")
    if not 0 <= new_error_rate < 1:
        raise ValueError(f"new_error_rate is a share between 0 and 1, got {new_error_rate}")
    rng = random.Random(seed)
    series: list[Minute] = []

    def run_minute(percent: float) -> Minute:
        n = round(requests_per_minute * percent / 100)
        failures = sum(rng.random() < new_error_rate for _ in range(n))
        series.append(Minute(len(series) + 1, percent, n, failures))
        return series[-1]

    for stage in stages:
        stage_requests = stage_failures = 0
        for _ in range(stage.minutes):
            m = run_minute(stage.percent)
            stage_requests += m.requests
            stage_failures += m.failures
            if (
                stage_requests >= guardrail.min_requests
                and stage_failures / stage_requests > guardrail.max_error_rate
            ):
                tripped = m.minute
                for _ in range(reaction_minutes):
                    run_minute(stage.percent)
                return _result(True, tripped, stage.percent, series)
    return _result(False, None, None, series)


def _result(halted: bool, minute, percent, series: list[Minute]) -> RolloutResult:
    return RolloutResult(
        halted,
        minute,
        percent,
        sum(m.failures for m in series),
        sum(m.requests for m in series),
        tuple(series),
    )
