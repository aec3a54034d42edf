"""What JupyterLab shows each kind of user: a configuration folder per role.

JupyterLab and Jupyter Server read extra configuration folders from ``JUPYTER_CONFIG_PATH``.
A role is such a folder: ``labconfig/page_config.json`` switches JupyterLab plugins off and
``jupyter_server_config.json`` switches server extensions off, so one installation serves
learners and instructors alike, each seeing their own tools.

- A learner working alone (``pmtech lab``) sees nbgrader's Validate button only: no Nbgrader
  menu, formgrader, course list, "Create Assignment" panel or Assignments list (there is no
  exchange to list), and no news pop-up.
- A learner on the course's hub keeps the Assignments list, the way work travels there.
- An instructor keeps every nbgrader tool; only the news pop-up goes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NEWS_POPUP = "@jupyterlab/apputils-extension:announcements"  # "get notified about news?"
INSTRUCTOR_TOOLS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
EXCHANGE_TOOLS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)
EXCHANGE_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",)

ROLES = {
    # role: (JupyterLab plugins off, server extensions off)
    "learner": (
        (*INSTRUCTOR_TOOLS, *EXCHANGE_TOOLS, NEWS_POPUP),
        (*INSTRUCTOR_SERVER_EXTENSIONS, *EXCHANGE_SERVER_EXTENSIONS),
    ),
    "hub-learner": ((*INSTRUCTOR_TOOLS, NEWS_POPUP), INSTRUCTOR_SERVER_EXTENSIONS),
    "instructor": ((NEWS_POPUP,), ()),
}


def write_role(folder: Path, role: str, server: dict | None = None) -> Path:
    """Write ``role``'s configuration folder (``server``: more Jupyter Server settings to
    merge in); return the folder, ready for ``JUPYTER_CONFIG_PATH``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    plugins_off, extensions_off = ROLES[role]
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    page = {"disabledExtensions": {name: True for name in plugins_off}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    settings = json.loads(json.dumps(server or {}))
    if extensions_off:
        app = settings.setdefault("ServerApp", {})
        app["jpserver_extensions"] = {name: False for name in extensions_off}
    (folder / "jupyter_server_config.json").write_text(json.dumps(settings, indent=1))
    return folder


def with_role(env: dict[str, str], folder: Path) -> dict[str, str]:
    """``env`` with the role's folder first on ``JUPYTER_CONFIG_PATH`` (it wins)."""
    before = env.get("JUPYTER_CONFIG_PATH")
    paths = [str(folder), *([before] if before else [])]
    return dict(env, JUPYTER_CONFIG_PATH=os.pathsep.join(paths))
