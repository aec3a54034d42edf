"""Real servers and a real browser for the end-to-end tests: a Jupyter server on a free
loopback port, and the Chromium settings every browser test uses."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling module without Chromium; in CI its absence is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (apt-get install chromium)", False)
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, grace: float) -> None:
    """Ask a server to stop; kill it when it has not after ``grace`` seconds."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_until_up(
    proc: subprocess.Popen, base: str, token: str, log: Path, what: str, seconds: float
) -> None:
    """Wait until the Jupyter server at ``base`` answers; fail with its log when it exits
    or has not answered within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start:\n" + log.read_text())
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_server(module: str, root: Path, workdir: Path, env: dict, args=(), cwd=None):
    """Run ``python -m module`` (jupyterlab or jupyter_server) on loopback until the block
    ends; yields ``{"base", "token", "log"}``. Its output goes to ``workdir/<module>.log``."""
    port, token = free_port(), secrets.token_hex(16)
    log_path = workdir / f"{module}.log"
    env = dict(
        env,
        JUPYTER_CONFIG_DIR=str(workdir / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(workdir / "jupyter-runtime"),
    )
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                *args,
            ],
            env=env,
            cwd=cwd or root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(server, base, token, log_path, module, 90)
            yield {"base": base, "token": token, "log": log_path}
        finally:
            stop(server, 20)
