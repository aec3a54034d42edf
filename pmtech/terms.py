"""Find a technical term in prose: case-insensitive, whole words, a plural "s"/"es" allowed.

One matcher shared by the lesson check (is each question's term taught above its quiz?) and
the glossary (where is a term first used, and does the glossary define it?).
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """A regex for ``term`` as a whole word or phrase, any case, optionally plural.

    Spaces and hyphens inside a phrase match each other ("rate-limit" finds "rate limit"),
    so a lesson need not copy the bank's spelling exactly.
    """
    words = re.split(r"[\s-]+", term.strip())
    body = r"[\s-]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w]){body}(?:e?s)?(?![\w])", re.IGNORECASE)


def mentions(text: str, term: str) -> bool:
    """True when ``text`` uses ``term`` (see :func:`term_pattern`)."""
    return term_pattern(term).search(text) is not None
