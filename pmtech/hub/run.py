"""Set up and start a course hub: checks first, then the environment, accounts, exchange,
each role's configuration, and JupyterHub itself."""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from pmtech.hub import HubError
from pmtech.hub.accounts import as_account, ensure_accounts, instructor_course, learner_course
from pmtech.hub.exchange import ensure_exchange
from pmtech.hub.proxy import ensure_proxy
from pmtech.hub.roles import write_role
from pmtech.hub.settings import HubSettings
from pmtech.hub.userenv import ENV_ROOT, build_user_env

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")


def port_is_free(port: int, ip: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``ip:port``."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
            return True
        except OSError:
            return False


def free_port() -> int:
    """A TCP port nothing listens on now, on the loopback address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def course_id_of(config: Path) -> str | None:
    """The course id an ``nbgrader_config.py`` sets, read without running it."""
    found = re.search(
        r"^c\.CourseDirectory\.course_id\s*=\s*['\"]([^'\"]+)['\"]", config.read_text(), re.M
    )
    return found.group(1) if found else None


def prepare_hub(settings: HubSettings, repo: Path, env_root: Path = ENV_ROOT) -> HubSettings:
    """Everything the hub needs, checked and made; the settings as saved in the run folder."""
    settings.check()
    if os.geteuid() != 0:
        raise HubError(
            "a hub runs each person's JupyterLab as their own Unix account, which needs root: "
            "run 'sudo pmtech hub ...' (or 'sudo make hub')"
        )
    if not port_is_free(settings.port, settings.ip):
        raise HubError(
            f"port {settings.port} is in use on {settings.ip}: stop what listens there, or "
            "pick another with --port"
        )
    if not (repo / "source").is_dir() or not (repo / "nbgrader_config.py").exists():
        raise HubError(f"{repo} is not the course folder (no source/ or nbgrader_config.py)")
    own = course_id_of(repo / "nbgrader_config.py")
    if own != settings.course_id:
        raise HubError(
            f"unknown course {settings.course_id!r}: the course in {repo} is {own!r} (its "
            "nbgrader_config.py); pass --course-id " + repr(own)
        )
    ensure_exchange(Path(settings.exchange))
    proxy = ensure_proxy(env_root)
    user_env = build_user_env(repo, env_root)
    ensure_accounts(settings.people)
    course = instructor_course(repo, settings.instructor, settings.course_id)
    for learner in settings.learners:
        learner_course(repo, learner)
    run_dir = Path(settings.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)  # the role folders must be readable; secrets inside are 0600
    write_role(run_dir / "config" / "learner", settings.course_id, settings.exchange, None)
    write_role(
        run_dir / "config" / "instructor", settings.course_id, settings.exchange, str(course)
    )
    enrol(settings, course, user_env, run_dir / "config" / "instructor")
    extra = dict(settings.extra, hub_port=free_port(), proxy_api_port=free_port())
    ready = dataclasses.replace(settings, user_env=str(user_env), proxy=proxy, extra=extra)
    ready.save()
    return ready


def enrol(settings: HubSettings, course: Path, user_env: Path, role: Path) -> None:
    """Put the learners on the gradebook's roster, as the instructor (nbgrader's own import):
    ``pmtech grade`` then grades only them, whoever else drops a submission in the exchange."""
    roster = Path(tempfile.mkdtemp(prefix="pmtech-roster-")) / "roster.csv"
    roster.write_text("id\n" + "".join(f"{name}\n" for name in settings.learners))
    roster.parent.chmod(0o755)
    roster.chmod(0o644)
    nbgrader = [str(user_env / "bin" / "nbgrader"), "db", "student", "import", str(roster)]
    done = subprocess.run(
        as_account(settings.instructor, user_env, role, nbgrader),
        cwd=course,
        capture_output=True,
        text=True,
    )
    shutil.rmtree(roster.parent, ignore_errors=True)
    if done.returncode != 0:
        raise HubError(
            f"could not put the learners on the gradebook's roster:\n{done.stderr[-1500:]}"
        )


def hub_command(settings: HubSettings) -> tuple[list[str], dict[str, str]]:
    """The JupyterHub command line and its environment (with a fresh proxy token)."""
    hub = shutil.which("jupyterhub", path=os.path.dirname(sys.executable)) or "jupyterhub"
    env = dict(os.environ)
    env["PMTECH_HUB_SETTINGS"] = str(Path(settings.run_dir) / "settings.json")
    env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)
    return [hub, "-f", str(CONFIG_FILE)], env
