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

from pmtech.labs.figures import BLACK, BLUE, GREY, LIGHT_GREY, VERMILLION, new_figure


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
    stages: tuple[Stage, ...] = ()  # the plan that was run
    guardrail: Guardrail | None = None

    def stage_of_minutes(self) -> tuple[int, ...]:
        """The index in ``stages`` of the stage each minute of ``series`` belonged to (the
        minutes after a halt belong to the stage that tripped)."""
        starts, total = [], 0
        for stage in self.stages:
            starts.append(total + 1)
            total += stage.minutes
        out = []
        for m in self.series:
            minute = min(m.minute, self.halted_at_minute or m.minute)
            out.append(max(i for i, start in enumerate(starts) if start <= minute))
        return tuple(out)

    def judged_rates(self) -> tuple[float | None, ...]:
        """Per minute, the error rate the guardrail judged: the new version's failures over its
        requests since its stage began, or None while that stage has seen fewer than the
        guardrail's ``min_requests`` (too few to judge)."""
        if self.guardrail is None or not self.stages:
            raise ValueError("this result does not carry its plan and guardrail")
        rates: list[float | None] = []
        current, requests, failures = None, 0, 0
        for m, stage in zip(self.series, self.stage_of_minutes(), strict=True):
            if stage != current:
                current, requests, failures = stage, 0, 0
            requests += m.requests
            failures += m.failures
            judged = requests >= self.guardrail.min_requests
            rates.append(failures / requests if judged else None)
        return tuple(rates)

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
                return _result(True, tripped, stage.percent, series, stages, guardrail)
    return _result(False, None, None, series, stages, guardrail)


def _result(
    halted: bool,
    minute: int | None,
    percent: float | None,
    series: list[Minute],
    stages: Sequence[Stage],
    guardrail: Guardrail,
) -> RolloutResult:
    return RolloutResult(
        halted,
        minute,
        percent,
        sum(m.failures for m in series),
        sum(m.requests for m in series),
        tuple(series),
        tuple(stages),
        guardrail,
    )


def plot_rollout(result: RolloutResult):
    """The guardrail metric over the rollout: the error rate the guardrail judges in each
    stage (line), the threshold (dashed), the stage boundaries (dotted, each stage's share of
    traffic on top), the minutes with too few requests to judge (hatched), where it halted
    and the rollback that followed. Stages never reached are greyed out. Returns a Figure."""
    from matplotlib.patches import Patch

    guardrail = result.guardrail
    judged = result.judged_rates()
    fig, ax = new_figure((7.0, 3.8))
    minutes = [m.minute for m in result.series]
    ax.plot(
        minutes,
        [100 * r if r is not None else float("nan") for r in judged],
        color=BLUE,
        linewidth=2.2,
        label="error rate since the stage began",
        gid="judged",
    )
    threshold = 100 * guardrail.max_error_rate
    ax.axhline(
        threshold,
        color=VERMILLION,
        linestyle="--",
        linewidth=1.8,
        label=f"guardrail: halt above {threshold:g}%",
        gid="threshold",
    )
    handles_extra = []
    unjudged = [m for m, r in zip(minutes, judged, strict=True) if r is None]
    runs: list[list[int]] = []  # contiguous minutes not judged yet, as [first, last]
    for m in unjudged:
        if runs and runs[-1][1] == m - 1:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    for first, last in runs:
        ax.axvspan(first - 0.5, last + 0.5, facecolor="none", edgecolor=LIGHT_GREY, hatch="//")
    if runs:
        handles_extra.append(
            Patch(
                facecolor="none",
                edgecolor=LIGHT_GREY,
                hatch="//",
                label=f"under {guardrail.min_requests:,} requests: not judged yet",
            )
        )
    start = 1
    reached = set(result.stage_of_minutes())
    for i, stage in enumerate(result.stages):
        ax.axvline(start - 0.5, color=BLACK, linestyle=":", linewidth=1, gid=f"stage {i}")
        ax.annotate(
            f"{stage.percent:g}%",
            (start - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
        if i not in reached:
            ax.axvspan(start - 0.5, start - 0.5 + stage.minutes, color=GREY, alpha=0.2, lw=0)
        start += stage.minutes
    if len(reached) < len(result.stages):
        handles_extra.append(Patch(color=GREY, alpha=0.2, label="stages not reached"))
    end = max(start - 1, minutes[-1] if minutes else 0)
    if result.halted:
        tripped = result.halted_at_minute
        ax.plot(
            [tripped],
            [100 * judged[tripped - 1]],
            marker="X",
            markersize=11,
            color=VERMILLION,
            linestyle="none",
            label=f"halted at minute {tripped}",
        )
        if minutes[-1] > tripped:
            ax.axvspan(
                tripped + 0.5,
                minutes[-1] + 0.5,
                facecolor=VERMILLION,
                alpha=0.15,
                lw=0,
                label=f"rolling back ({minutes[-1] - tripped} min)",
            )
    ax.set_xlim(0.5, end + 0.5)
    top = max([threshold * 4] + [100 * r for r in judged if r is not None])
    ax.set_ylim(0, top * 1.15)
    ax.set_xlabel("minute of the rollout (stages dotted, their share of traffic on top)")
    ax.set_ylabel("errors on the new version (%)")
    handles, _ = ax.get_legend_handles_labels()
    fig.legend(
        handles=handles + handles_extra,
        loc="outside lower center",
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    outcome = (
        f"halted at minute {result.halted_at_minute}, {result.halted_at_percent:g}% of traffic"
        if result.halted
        else "no halt"
    )
    ax.set_title(f"Staged rollout against its guardrail: {outcome}", loc="left")
    return fig


def summary_line(result: RolloutResult) -> str:
    """Whether and when the guardrail halted the rollout, and the harm done, in one line."""
    harm = (
        f"{result.failed_requests:,} of the {result.new_version_requests:,} requests on the "
        "new version failed"
    )
    if result.halted:
        return (
            f"The guardrail halted the rollout at minute {result.halted_at_minute}, with "
            f"{result.halted_at_percent:g}% of traffic on the new version; {harm}."
        )
    peak = max((r for r in result.judged_rates() if r is not None), default=None)
    limit = result.guardrail.max_error_rate
    judged = (
        f" (the judged error rate peaked at {peak:.2%}, under {limit:.2%})"
        if peak is not None
        else ""
    )
    return f"No halt{judged}: {result.series[-1].percent:g}% of traffic reached; {harm}."
