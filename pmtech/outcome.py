"""What one answer to one question came to: the one spelling every module uses.

A blank response is *not attempted*, never incorrect. *Seen* is not a check: it records that
the learner asked to be shown the answer ("Show me"). Only *correct* and *incorrect* are
evidence of what a learner knows.
"""

from __future__ import annotations

import enum


class Outcome(str, enum.Enum):
    """What one check of one question found (stored and exported as its value)."""

    NOT_ATTEMPTED = "not_attempted"
    INCORRECT = "incorrect"
    CORRECT = "correct"
    SEEN = "seen"  # the learner asked to see the answer: neither right nor wrong

    def __str__(self) -> str:
        return self.value

    @property
    def answered(self) -> bool:
        """True for an answer that was checked (correct or incorrect): evidence."""
        return self is Outcome.CORRECT or self is Outcome.INCORRECT


OUTCOMES = tuple(o.value for o in Outcome)
# Stored text (or a member: members hash as their text) -> the member; a dict lookup is far
# cheaper than Outcome(value) for the hundreds of thousands of attempts a cohort reads.
BY_VALUE = {o.value: o for o in Outcome}
