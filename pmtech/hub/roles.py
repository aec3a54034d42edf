"""What a learner's and the instructor's JupyterLab load: one configuration folder per role.

Each account's server starts with ``JUPYTER_CONFIG_PATH`` pointing at its role's folder, so
the role is configuration, not a different installation:

- learners: nbgrader's Assignments list only (no formgrader, no course list, no "Create
  Assignment" panel), and no news pop-up (``pmtech/labroles.py``, role ``hub-learner``);
- the instructor: everything nbgrader has, with the course folder as nbgrader's root.

Both get nbgrader's exchange (``path_includes_course``: several courses can share a hub) and
``frame-ancestors 'self'``: every account has its own origin (per-user subdomains), so the
formgrader's frame inside JupyterLab works without letting one account frame another's
pages, which is what JupyterHub's default ``frame-ancestors 'none'`` guards against.
"""

from __future__ import annotations

from pathlib import Path

from pmtech import labroles
from pmtech.hub.accounts import LEARNER_FOLDER


def nbgrader_config(course_id: str, exchange: str, course_root: str | None) -> str:
    """The role's ``nbgrader_config.py``."""
    lines = [
        '"""nbgrader settings of this hub (written by pmtech hub)."""',
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {course_id!r}",
        f"c.Exchange.root = {exchange!r}",
        "c.Exchange.path_includes_course = True",
    ]
    if course_root:
        lines.append(f"c.CourseDirectory.root = {course_root!r}")
    else:
        # Fetched assignments and feedback go into the learner's course folder, from the
        # Assignments list and from the command line alike.
        lines.insert(1, "import os")
        lines.append(f"c.Exchange.assignment_dir = os.path.expanduser({'~/' + LEARNER_FOLDER!r})")
    return "\n".join(lines) + "\n"


def write_role(folder: Path, course_id: str, exchange: str, course_root: str | None) -> Path:
    """Write one role's configuration folder (readable by every account); return it."""
    learner = course_root is None
    frame_self = {
        "ServerApp": {
            "tornado_settings": {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
        }
    }
    labroles.write_role(folder, "hub-learner" if learner else "instructor", frame_self)
    (folder / "nbgrader_config.py").write_text(nbgrader_config(course_id, exchange, course_root))
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder
