"""The Python environment every account's JupyterLab runs in, readable by all accounts.

Learners' and the instructor's servers run as their own Unix users, so their Python must be
readable by everyone: the course's ``.venv`` often is not (its interpreter may live under
``/root``). The environment is built once under ``/opt/pmtech-hub/env`` from a Python every
account can run, with the course's pinned requirements, JupyterHub's single-user server and
a copy of the course package, and rebuilt only when one of those changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from pmtech.hub import HubError

ENV_ROOT = Path("/opt/pmtech-hub")
STAMP = ".pmtech-stamp"


def readable_by_all(path: Path) -> bool:
    """True when every account can reach and read ``path`` (each parent folder searchable)."""
    path = Path(os.path.realpath(path))
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        need = stat.S_IXOTH if folder != path or folder.is_dir() else stat.S_IROTH
        if not mode & need:
            return False
    return True


def base_python() -> str:
    """A Python of this version that every account can run."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
        "/usr/bin/python3",
    ]
    for candidate in candidates:
        if os.path.exists(candidate) and readable_by_all(Path(candidate)):
            return candidate
    raise HubError(
        f"no Python {version} that other accounts can run (this one lives in a private "
        f"folder: {candidates[0]}); install one for everyone (Debian: apt-get install python3)"
    )


def _fingerprint(repo: Path) -> str:
    """What the environment is built from: requirements, package metadata and code."""
    digest = hashlib.sha256()
    files = [repo / "requirements.txt", repo / "requirements-hub.txt", repo / "pyproject.toml"]
    files += sorted(
        p for p in (repo / "pmtech").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _pip(env: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install"]
    done = subprocess.run([*cmd, "--quiet", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise HubError(f"installing into {env} failed:\n{done.stderr[-2000:]}")


def build_user_env(repo: Path, root: Path = ENV_ROOT) -> Path:
    """The environment under ``root/env``, built or refreshed from ``repo``; its path."""
    env = root / "env"
    stamp = _fingerprint(repo)
    if (env / STAMP).exists() and (env / STAMP).read_text() == stamp:
        return env
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    if not (env / "bin" / "python").exists():
        done = subprocess.run(
            [base_python(), "-m", "venv", "--without-pip", str(env)], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise HubError(f"could not create {env}: {done.stderr.strip()[-500:]}")
    _pip(env, "-r", str(repo / "requirements.txt"), "-r", str(repo / "requirements-hub.txt"))
    _pip(env, "--no-deps", "--force-reinstall", str(repo))
    # The server extension's switch (a Content Security Policy on the formgrader's pages).
    config = env / "etc" / "jupyter" / "jupyter_server_config.d"
    config.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "jupyter-config" / "pmtech.json", config / "pmtech.json")
    subprocess.run(["chmod", "-R", "a+rX", str(env)], check=True)
    (env / STAMP).write_text(stamp)
    return env
