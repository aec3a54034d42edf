"""Availability of parts in series and in parallel: the formula, and a simulation to check it.

A system is described as nested tuples: ``("series", a, b, ...)`` needs every part up;
``("parallel", a, b, ...)`` needs any one part up; a number is one part's availability.
"""

from __future__ import annotations

import random

System = float | tuple


def availability(system: System) -> float:
    """The availability of a system by formula, assuming independent failures."""
    if isinstance(system, int | float):
        if not 0 <= system <= 1:
            raise ValueError(f"an availability is a fraction 0-1, got {system!r}")
        return float(system)
    kind, *parts = system
    if not parts:
        raise ValueError(f"{kind} needs at least one part")
    values = [availability(p) for p in parts]
    if kind == "series":
        result = 1.0
        for v in values:
            result *= v
        return result
    if kind == "parallel":
        all_down = 1.0
        for v in values:
            all_down *= 1 - v
        return 1 - all_down
    raise ValueError(f"unknown kind {kind!r}; use 'series' or 'parallel'")


def _up(system: System, rng: random.Random) -> bool:
    if isinstance(system, int | float):
        return rng.random() < system
    kind, *parts = system
    states = [_up(p, rng) for p in parts]  # every part is drawn, so draws stay independent
    return all(states) if kind == "series" else any(states)


def simulate(system: System, minutes: int = 100_000, seed: int = 1) -> float:
    """The share of simulated minutes in which the system is up (each part drawn each minute)."""
    rng = random.Random(seed)  # seeded: the same simulated minutes every run
    return sum(_up(system, rng) for _ in range(minutes)) / minutes


def downtime_per_year_hours(avail: float) -> float:
    """Hours of downtime in a 365-day year at this availability."""
    return (1 - avail) * 365 * 24
