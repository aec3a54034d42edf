"""nbgrader's exchange: one shared folder every account may write to, as nbgrader documents.

nbgrader keeps the rest safe itself: a course's ``inbound`` folder lets learners drop
submissions in without listing or reading anyone else's, and feedback is filed under a hash
of each submission. With ``path_includes_course`` every course has its own folder inside the
exchange, so several courses can share a hub.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pmtech.hub import HubError

EXCHANGE_MODE = 0o777  # nbgrader's documentation: chmod ugo+rw on the exchange root


def ensure_exchange(path: Path) -> Path:
    """Create the exchange root when missing (needs root); check it when present."""
    if not path.exists():
        if os.geteuid() != 0:
            raise HubError(f"the exchange folder {path} does not exist: create it as root")
        path.mkdir(parents=True)
        path.chmod(EXCHANGE_MODE)
        return path
    if not path.is_dir():
        raise HubError(f"the exchange {path} is not a folder")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o777 != EXCHANGE_MODE:
        raise HubError(
            f"the exchange folder {path} has permissions {mode:04o}; every account must be "
            f"able to write there: chmod ugo+rwx {path} (nbgrader's documented set-up)"
        )
    for parent in path.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            raise HubError(f"other accounts cannot reach the exchange: {parent} is private")
    return path
