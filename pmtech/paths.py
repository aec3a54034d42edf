"""Where the course keeps the learner's files."""

from __future__ import annotations

import os
from pathlib import Path


def default_home() -> Path:
    """The course's data folder: ``$PMTECH_HOME`` or ``~/.pmtech``."""
    env = os.environ.get("PMTECH_HOME")
    return Path(env).expanduser() if env else Path.home() / ".pmtech"
