"""Why grading a learner failed, in one line, from what nbgrader logged.

nbgrader ends every failure with the same words ("Please see the above traceback…"), and
its real reason sits earlier in the log: an error line, or the last line of a traceback.
The summary of ``pmtech grade`` shows that real reason instead.
"""

from __future__ import annotations

import re

ENTRY = re.compile(r"^\[(?:[^\]|]*\|\s*)?(ERROR|CRITICAL|WARNING|INFO|DEBUG)\]\s?(.*)$")
EXCEPTION = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)): ?(.*)$")
GENERIC = (
    "There was an error processing assignment",
    "Please see the",
    "Removing failed",
    "Error occurred while starting new kernel client",
)
LIMIT = 400


def _entries(log: str) -> list[tuple[str, str]]:
    """(level, text) of each log message; continuation lines belong to the message above."""
    entries: list[tuple[str, list[str]]] = []
    for line in (log or "").splitlines():
        match = ENTRY.match(line)
        if match:
            entries.append((match.group(1), [match.group(2)]))
        elif entries:
            entries[-1][1].append(line)
    return [(level, "\n".join(lines).strip()) for level, lines in entries]


def _from_traceback(text: str) -> str:
    """The exception a traceback ends with (the first such line after its last frame), with
    the lines its message runs on to."""
    lines = text.splitlines()
    frames = [i for i, line in enumerate(lines) if line.strip().startswith('File "')]
    start = frames[-1] + 1 if frames else 0
    for index in range(start, len(lines)):
        if EXCEPTION.match(lines[index]):
            tail = [line.strip() for line in lines[index:]]
            return " ".join(part for part in tail if part)
    return lines[-1].strip() if lines else ""


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LIMIT else flat[: LIMIT - 1] + "…"


def failure_reason(log: str, error: str = "") -> str:
    """The most specific reason in nbgrader's captured ``log`` (else the ``error`` traceback)."""
    for level, text in _entries(log):
        if level not in ("ERROR", "CRITICAL") or not text or text.startswith(GENERIC):
            continue
        if "Traceback (most recent call last)" in text:
            text = _from_traceback(text)
        if text:
            return _one_line(text)
    if error.strip():
        return _one_line(_from_traceback(error))
    return "unknown error (nbgrader logged no reason)"
