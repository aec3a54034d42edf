"""configurable-http-proxy, JupyterHub's proxy, from the npm registry."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pmtech.hub import HubError

VERSION = "5"


def ensure_proxy(root: Path) -> str:
    """The proxy's executable: on PATH already, or installed with npm under ``root``."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    local = root / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    npm = shutil.which("npm")
    if npm is None:
        raise HubError(
            "JupyterHub needs configurable-http-proxy, which comes from npm, and npm is not "
            "installed: install Node.js and npm (Debian: apt-get install npm), then run again"
        )
    (root / "proxy").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(root / "proxy"), f"configurable-http-proxy@{VERSION}"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not local.exists():
        raise HubError(f"npm could not install configurable-http-proxy:\n{done.stderr[-1500:]}")
    subprocess.run(["chmod", "-R", "a+rX", str(root / "proxy")], check=True)
    return str(local)
