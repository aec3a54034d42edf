"""Calibration: how deep a learner says they can go, against how deep they went.

Most candidates do worse in this round than they expect. The course asks for a self-rating
per topic (a level 0-5, in ``00-start-here`` and before each ladder) and keeps it apart from
the evidence (``progress.py``, table ``self_ratings``). Here the latest rating of a topic is
set against its measured edge (``edge.py``): the gap is predicted minus measured, so a
positive gap means the learner over-rates themselves. Topics without evidence yet are left
out: there is nothing to compare with.

Pure: ratings, edges and the bank in; gaps out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmtech.bankmodel import Bank
from pmtech.edge import TopicEdge


@dataclass(frozen=True)
class TopicGap:
    """One topic: the level the learner predicted, the edge measured, and the difference."""

    topic: str
    title: str
    area: str
    predicted: int
    measured: int

    @property
    def gap(self) -> int:
        """Predicted minus measured: above 0 over-rated, below 0 under-rated."""
        return self.predicted - self.measured


def has_evidence(edge: TopicEdge) -> bool:
    """True when at least one answer counts towards the topic's edge."""
    return any(level.counted for level in edge.levels)


def topic_gaps(
    predicted: Mapping[str, int], edges: Mapping[str, TopicEdge], bank: Bank
) -> list[TopicGap]:
    """Every topic with both a self-rating and evidence, in rubric order."""
    gaps = []
    for topic in bank.topics():
        if topic.id in predicted and topic.id in edges and has_evidence(edges[topic.id]):
            gaps.append(
                TopicGap(
                    topic.id,
                    topic.title,
                    topic.area,
                    int(predicted[topic.id]),
                    edges[topic.id].edge,
                )
            )
    return gaps


def area_gaps(gaps: list[TopicGap], bank: Bank) -> dict[str, float]:
    """Per area with any compared topic: the mean gap in levels (above 0: over-rated)."""
    out = {}
    for area in bank.areas:
        mine = [g.gap for g in gaps if g.area == area.id]
        if mine:
            out[area.id] = sum(mine) / len(mine)
    return out


def overrated(gaps: list[TopicGap]) -> dict[str, int]:
    """Topic -> levels over-rated, for the over-rated topics only, the largest first."""
    ranked = sorted((g for g in gaps if g.gap > 0), key=lambda g: -g.gap)
    return {g.topic: g.gap for g in ranked}


def describe(gaps: list[TopicGap]) -> str:
    """One area's calibration in words: the mean gap (the bias), and how far off a single
    topic's rating is on average when over- and under-ratings cancel out."""
    mean = sum(g.gap for g in gaps) / len(gaps)
    spread = sum(abs(g.gap) for g in gaps) / len(gaps)
    if abs(mean) >= 0.25:
        way = "over-rate" if mean > 0 else "under-rate"
        said = f"you {way} yourself by {abs(mean):.1f} levels on average"
    else:
        said = "no overall bias"
    if spread >= 0.75 and spread - abs(mean) >= 0.5:
        said += f", but a topic's rating is off by {spread:.1f} levels on average"
    elif spread < 0.25:
        said = "well calibrated"
    return said


def calibration_table(gaps: list[TopicGap], bank: Bank) -> str:
    """The calibration as plain text: per topic predicted, measured and gap; per area the
    mean (the twin of the calibration chart)."""
    if not gaps:
        return (
            "No calibration yet: rate yourself per topic (00-start-here or before a ladder) "
            "and answer some of its questions."
        )
    width = max(len(g.title) for g in gaps) + 2
    out = ["Predicted against measured (gap = predicted - measured; above 0: over-rated)"]
    for area in bank.areas:
        mine = [g for g in gaps if g.area == area.id]
        if not mine:
            continue
        out.append(f"{area.title}: {describe(mine)}")
        out.append(f"  {'topic':<{width}}predicted  measured  gap")
        for g in mine:
            out.append(f"  {g.title:<{width}}{g.predicted:<11}{g.measured:<10}{g.gap:+d}")
    return "\n".join(out)
