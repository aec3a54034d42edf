"""Where the course keeps the learner's files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "pmtech"


def default_home() -> Path:
    """The course's data folder (the learner's progress and settings).

    ``$PMTECH_HOME`` when set; otherwise ``~/.pmtech`` if an earlier version made it (the
    learner's progress stays where it is); otherwise the operating system's place for an
    application's user data: ``%LOCALAPPDATA%\\pmtech`` on Windows,
    ``~/Library/Application Support/pmtech`` on macOS, ``$XDG_DATA_HOME/pmtech`` (by
    default ``~/.local/share/pmtech``) elsewhere.
    """
    env = os.environ.get("PMTECH_HOME")
    if env:
        return Path(env).expanduser()
    legacy = Path.home() / ".pmtech"
    if legacy.is_dir():
        return legacy
    return os_data_folder() / APP


def os_data_folder() -> Path:
    """The operating system's folder for applications' per-user data."""
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else home / "AppData" / "Local"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support"
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
