"""A spec checker: does a feature spec hold what engineers need before they can size it?

A spec is Markdown. The checker finds its sections by their headings (``## Acceptance
criteria``, ``## Error states``, ...; common synonyms are accepted) and checks each section's
content, not just its presence: acceptance criteria must be testable statements, the
non-functional requirements must carry numbers with units, the rollout must name stages and
a way to switch the feature off. Every missing or thin part gets one line of feedback that
says what to add and why engineers need it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# part id: (title, heading words that identify its section, why engineers need it)
PARTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "stories": (
        "User stories",
        ("user stor", "stories", "jobs to be done"),
        "who the feature is for and what they get decides what is built first",
    ),
    "acceptance": (
        "Acceptance criteria",
        ("acceptance", "definition of done", "done when"),
        "testable criteria are how engineers and QA know the story is finished",
    ),
    "empty": (
        "Empty states",
        ("empty",),
        "first use and no-data screens are built on purpose or shipped broken",
    ),
    "errors": (
        "Error states",
        ("error", "failure", "edge case"),
        "every network or validation failure needs a designed behaviour and message",
    ),
    "nfr": (
        "Non-functional requirements",
        ("non-functional", "nonfunctional", "nfr", "performance", "quality attributes"),
        "latency, scale and availability targets change the design, so they come first",
    ),
    "analytics": (
        "Analytics",
        ("analytics", "instrumentation", "metrics", "tracking", "events"),
        "events must be built in with the feature to measure whether it worked",
    ),
    "rollout": (
        "Rollout",
        ("rollout", "roll-out", "release plan", "launch plan", "launch"),
        "a staged release limits how many users a bug can reach",
    ),
}

_STORY = re.compile(r"\bas an? .+?\bi (?:want|need|can)\b", re.IGNORECASE)
_GIVEN_WHEN_THEN = re.compile(r"\bgiven\b.+\bwhen\b.+\bthen\b", re.IGNORECASE | re.DOTALL)
_MEASURE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|ms\b|s\b|sec|second|minute|min\b|hour|rps|qps|requests|"
    r"users|mb\b|kb\b|gb\b|p\d{2}\b)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"<[a-z][^<>]{0,40}>", re.IGNORECASE)
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s*%")
_KILL = re.compile(
    r"kill.?switch|feature flag|flag|turn(?:ed)? off|switch(?:ed)? off|disable|roll ?back",
    re.IGNORECASE,
)
_EVENT = re.compile(r"`[a-z0-9_.:-]+`|\b[a-z]+(?:_[a-z0-9]+)+\b")


@dataclass(frozen=True)
class Finding:
    """One part of the spec: whether it passes, and what to do about it."""

    part: str
    title: str
    ok: bool
    feedback: str


@dataclass(frozen=True)
class SpecReport:
    """The checker's verdict on a whole spec."""

    findings: tuple[Finding, ...]

    @property
    def passed(self) -> int:
        """How many parts pass."""
        return sum(f.ok for f in self.findings)

    @property
    def missing(self) -> list[str]:
        """Ids of the parts that do not pass yet."""
        return [f.part for f in self.findings if not f.ok]

    def __str__(self) -> str:
        lines = [f"{self.passed} of {len(self.findings)} parts ready for engineering:"]
        lines += [f"  {'✔' if f.ok else '✘'} {f.title}: {f.feedback}" for f in self.findings]
        return "\n".join(lines)


def sections(markdown: str) -> dict[str, str]:
    """The spec's sections by heading (lower-cased), each with the text under it."""
    found: dict[str, str] = {}
    heading, body = "", []
    for line in markdown.splitlines():
        match = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            if heading:
                found[heading] = "\n".join(body).strip()
            heading, body = match.group(1).strip().lower(), []
        else:
            body.append(line)
    if heading:
        found[heading] = "\n".join(body).strip()
    return found


def _items(text: str) -> list[str]:
    """List items (``-``, ``*`` or ``1.``) of a section, or its non-empty lines."""
    items = [m.group(1) for m in re.finditer(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", text, re.M)]
    return items or [ln.strip() for ln in text.splitlines() if ln.strip()]


def _find(found: dict[str, str], words: tuple[str, ...], taken: set[str]) -> str | None:
    for heading, body in found.items():
        if heading not in taken and any(w in heading for w in words):
            taken.add(heading)
            return body
    return None


def _judge(part: str, body: str) -> tuple[bool, str]:
    """Is the section's content what engineers need? Returns (ok, feedback)."""
    if _PLACEHOLDER.search(body):
        return False, "replace the template's <placeholders> with this feature's specifics"
    items = _items(body)
    if part == "stories":
        stories = [i for i in items if _STORY.search(i)]
        if not stories:
            return False, "write at least one story as 'As a <user>, I want <goal> so that <why>'"
        return True, f"{len(stories)} user stor{'y' if len(stories) == 1 else 'ies'}"
    if part == "acceptance":
        testable = [i for i in items if _GIVEN_WHEN_THEN.search(i) or _MEASURE.search(i)]
        if len(testable) < 2:
            return False, (
                "give at least two testable criteria, e.g. 'Given an expired card, when the "
                "user pays, then they are asked for another card'"
            )
        return True, f"{len(testable)} testable criteria"
    if part == "empty":
        if len(body.split()) < 6:
            return False, "say what a user with no data yet sees and can do"
        return True, "described"
    if part == "errors":
        if len(items) < 2:
            return False, (
                "list at least two failures (offline, timeout, invalid input, a partner "
                "down) with what the user sees in each"
            )
        return True, f"{len(items)} failure cases"
    if part == "nfr":
        measured = [i for i in items if _MEASURE.search(i)]
        if not measured:
            return False, (
                "give targets with numbers and units, e.g. 'p75 load under 1 s', "
                "'99.9% of requests succeed', '500 requests/s at peak'"
            )
        return True, f"{len(measured)} measurable target{'s' if len(measured) > 1 else ''}"
    if part == "analytics":
        if not _EVENT.search(body):
            return (
                False,
                "name the events to log, e.g. `checkout_started`, and the metric they feed",
            )
        return True, "events named"
    if part == "rollout":
        problems = []
        if not _PERCENT.search(body):
            problems.append("stages as percentages of users (e.g. 1% → 10% → 100%)")
        if not _KILL.search(body):
            problems.append("a kill switch (feature flag) to turn it off without a release")
        if problems:
            return False, "add " + " and ".join(problems)
        return True, "stages and a kill switch"
    raise ValueError(f"unknown part {part!r}")


def check_spec(markdown: str) -> SpecReport:
    """Check a Markdown spec and return one finding per part engineers need."""
    if not isinstance(markdown, str):
        raise TypeError(f"a spec is Markdown text, got {type(markdown).__name__}")
    if not markdown.strip():
        raise ValueError("the spec is empty: start from the template with one heading per part")
    found = sections(markdown)
    taken: set[str] = set()
    findings = []
    for part, (title, words, why) in PARTS.items():
        body = _find(found, words, taken)
        if body is None:
            findings.append(Finding(part, title, False, f"missing: {why}"))
            continue
        ok, feedback = _judge(part, body)
        findings.append(Finding(part, title, ok, feedback))
    return SpecReport(tuple(findings))


TEMPLATE = """# <Feature name>

## User stories
- As a <user>, I want <goal> so that <benefit>.

## Acceptance criteria
- Given <context>, when <action>, then <result>.

## Empty states

## Error states

## Non-functional requirements

## Analytics

## Rollout
"""
