"""A mock technical interview: ladders run the way interviewers run them, and a scorecard.

Pure rules, no widgets (``ladder_ui.py`` shows them):

- **The stop rule.** A ladder asks one step at a time; the next step comes only after an
  answer, and the ladder stops at the first step not answered correctly (a wrong answer, or
  asking to be shown the answer; a blank is no answer and the step waits). That step is
  where the candidate's knowledge ran out. In practice mode every step is asked, but what
  the ladder *reached* is still the steps held in a row from the first.
- **A mock interview** draws ladders across the three rubric areas, weighted as the course
  weighs them (depth most: most candidates fail there), about five minutes a ladder.
- **The scorecard** gives each area an interviewer's verdict against its interview bar:
  *strong* when every ladder of the area reached the bar and one went past it (or, for a
  bar of 5, every ladder was climbed to the top); *at the bar* when the ladders reached,
  on average, at least half a level short of the bar; *below the bar* otherwise. It names
  the evidence behind each verdict and the two topics to study first.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pmtech.bankmodel import LEVEL_NAMES, Bank
from pmtech.ladders import Ladder, Step
from pmtech.outcome import Outcome

MINUTES_PER_LADDER = 5
INTERVIEW_MINUTES = 30
# Ladders per area in one mock interview (about 30 minutes): depth carries most of the weight.
AREA_LADDERS = {"engineers": 1, "depth": 4, "bridging": 1}
# Seconds an interviewer would give a step before moving on, by level: a pace, not a limit.
STEP_SECONDS = {1: 60, 2: 90, 3: 120, 4: 180, 5: 180}
BELOW, AT, STRONG = "below the bar", "at the bar", "strong"


@dataclass
class LadderRun:
    """One ladder being run: the outcome of each step asked so far."""

    ladder: Ladder
    practice: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """True once the ladder stopped (a failed step outside practice) or ran out of steps."""
        if len(self.outcomes) == len(self.ladder.steps):
            return True
        return not self.practice and any(o is not Outcome.CORRECT for o in self.outcomes)

    @property
    def current(self) -> Step | None:
        """The step to ask now, or None when the ladder is finished."""
        return None if self.finished else self.ladder.steps[len(self.outcomes)]

    def answer(self, outcome: Outcome | str) -> Step | None:
        """Record the current step's outcome; return the next step, or None when stopped."""
        if self.finished:
            raise ValueError(f"ladder {self.ladder.id} is finished: no step to answer")
        outcome = Outcome(outcome)
        if outcome is not Outcome.NOT_ATTEMPTED:
            self.outcomes.append(outcome)
        return self.current

    @property
    def reached(self) -> int:
        """The level held: steps answered correctly in a row from the first (0-5)."""
        held = 0
        for outcome in self.outcomes:
            if outcome is not Outcome.CORRECT:
                break
            held += 1
        return held

    @property
    def ran_out_at(self) -> Step | None:
        """The first step not answered correctly (where knowledge ran out), or None."""
        if self.reached < len(self.outcomes):
            return self.ladder.steps[self.reached]
        return None


def draw_interview(
    ladders: Iterable[Ladder],
    seed: int | None = None,
    done_before: Iterable[str] = (),
    per_area: dict[str, int] | None = None,
) -> list[Ladder]:
    """Ladders for one mock interview: per area as many as ``per_area`` asks (default
    :data:`AREA_LADDERS`), each on another topic, ladders not run before first; in rubric
    order, engineers, then depth, then bridging."""
    rng = random.Random(seed)
    before = set(done_before)
    wanted = per_area or AREA_LADDERS
    chosen: list[Ladder] = []
    for area, count in wanted.items():
        pool = [lad for lad in ladders if lad.area == area]
        rng.shuffle(pool)
        pool.sort(key=lambda lad: lad.id in before)  # stable: fresh ladders first
        topics: set[str] = set()
        for ladder in pool:
            if len([c for c in chosen if c.area == area]) == count:
                break
            if ladder.topic not in topics:
                topics.add(ladder.topic)
                chosen.append(ladder)
    return chosen


@dataclass(frozen=True)
class AreaVerdict:
    """An interviewer's verdict on one rubric area, with the evidence behind it."""

    area: str
    title: str
    bar: int
    verdict: str
    reached: tuple[int, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Scorecard:
    """The verdict per area and the two topics to study first."""

    areas: tuple[AreaVerdict, ...]
    study_first: tuple[str, ...]

    def verdict(self, area: str) -> str:
        """The verdict of one area."""
        return next(a.verdict for a in self.areas if a.area == area)

    def lines(self, bank: Bank) -> list[str]:
        """The scorecard as text, the twin of what the widget shows."""
        out = []
        for area in self.areas:
            out.append(f"{area.title} (bar: level {area.bar}): {area.verdict}")
            out += [f"  - {line}" for line in area.evidence]
        if self.study_first:
            titles = [bank.topic(t).title for t in self.study_first]
            out.append("Study first: " + "; ".join(titles))
        return out


def verdict(reached: Sequence[int], bar: int) -> str:
    """The verdict for an area whose ladders reached these levels."""
    if not reached:
        raise ValueError("no ladder of this area was run")
    if all(r >= bar for r in reached) and (bar == 5 or any(r > bar for r in reached)):
        return STRONG
    if sum(reached) / len(reached) >= bar - 0.5:
        return AT
    return BELOW


def _evidence(run: LadderRun, bank: Bank) -> str:
    title = bank.topic(run.ladder.topic).title
    head = f"{run.ladder.title} ({title}): reached level {run.reached} of 5"
    step = run.ran_out_at
    if step is None:
        return head + (", every step answered" if run.reached == 5 else ", not finished")
    return f"{head}; ran out at step {step.level} ({LEVEL_NAMES[step.level]}): {step.question.id}"


def scorecard(runs: Iterable[LadderRun], bank: Bank) -> Scorecard:
    """The interviewer's scorecard of finished (or abandoned) ladder runs."""
    runs = list(runs)
    verdicts = []
    gaps = []
    weight = {area: n for n, area in enumerate(("depth", "engineers", "bridging"))}
    for area in bank.areas:
        mine = [r for r in runs if r.ladder.area == area.id]
        if not mine:
            continue
        reached = tuple(r.reached for r in mine)
        verdicts.append(
            AreaVerdict(
                area.id,
                area.title,
                area.bar,
                verdict(reached, area.bar),
                reached,
                tuple(_evidence(r, bank) for r in mine),
            )
        )
        gaps += [(area.bar - r.reached, -weight.get(area.id, 9), r.ladder.topic) for r in mine]
    first: list[str] = []
    for _gap, _w, topic in sorted(gaps, reverse=True):
        if topic not in first and (_gap > 0 or len(first) < 2):
            first.append(topic)
        if len(first) == 2:
            break
    return Scorecard(tuple(verdicts), tuple(first))
