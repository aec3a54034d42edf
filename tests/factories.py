"""Question objects built in code, for tests that must not depend on the bank's content."""

from __future__ import annotations

from pmtech.bank import Question


def make_question(kind: str, answer, topic: str = "databases", level: int = 1, **extra):
    """A valid Question of ``kind``; ``extra`` sets options, tolerance, rubric, prompt, …"""
    fields = dict(
        id=f"{topic}-{level}-{kind}",
        topic=topic,
        area="depth",
        level=level,
        kind=kind,
        prompt="p",
        answer=answer,
        explanation="e",
        hints=("h",),
        source="s",
    )
    fields.update(extra)
    return Question(**fields)
