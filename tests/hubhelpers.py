"""A course hub started the way an instructor starts it, for the tests and the benchmark."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pmtech.hub.accounts import as_account
from pmtech.hub.userenv import ENV_ROOT

from .servers import free_port, stop

REPO = Path(__file__).resolve().parent.parent
USER_ENV = ENV_ROOT / "env"


def remove_accounts(users) -> None:
    """Stop every process of these test accounts, then delete them with their homes."""
    for user in users:
        subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        subprocess.run(["userdel", "--remove", user], capture_output=True)


@contextlib.contextmanager
def running_hub(root: Path, instructor: str, learners, keep_accounts: bool = False):
    """``pmtech hub`` with fresh accounts, its run folder and exchange under ``root``; yields
    ``{"base", "port", "started_s", "pid"}``. On exit JupyterHub must stop every server."""
    users = (instructor, *learners)
    remove_accounts(users)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    root.chmod(0o755)
    port = free_port()
    log = (root / "hub.log").open("w")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmtech.cli", "hub", "--learners", ",".join(learners),
         "--instructor", instructor, "--port", str(port), "--run-dir", str(root / "run"),
         "--exchange", str(root / "exchange"), "--course", str(REPO)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 900  # the first start builds the learners' environment
        while True:
            assert proc.poll() is None, (root / "hub.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/health", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("the hub did not start") from None
                time.sleep(0.2)
        yield {
            "base": f"http://localhost:{port}",
            "port": port,
            "started_s": time.perf_counter() - start,
            "pid": proc.pid,
        }
    finally:
        stop(proc, 60)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            subprocess.run(["pgrep", "-u", u], capture_output=True).returncode == 0 for u in users
        ):
            time.sleep(0.5)
        left = subprocess.run(
            ["pgrep", "-a", "-u", ",".join(users)], capture_output=True, text=True
        ).stdout
        if not keep_accounts:  # kept to look into a failure
            remove_accounts(users)
        assert left == "", f"JupyterHub left these running:\n{left}"


def log_in(browser, base: str, user: str):
    """A page of ``user``'s JupyterLab, signed in through the hub at ``base``."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(f"{base}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "any")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#jp-main-dock-panel", timeout=240_000)
    return page


def run_as(
    user: str, role_dir: Path, command: str, cwd: str = "~", stdin: str | None = None
) -> subprocess.CompletedProcess:
    """A shell command run as ``user`` in the hub's environment, with their role's config."""
    return subprocess.run(
        as_account(user, USER_ENV, role_dir, ["bash", "-c", f"cd {cwd} && {command}"]),
        input=stdin,
        capture_output=True,
        text=True,
        cwd="/",
        timeout=300,
    )
