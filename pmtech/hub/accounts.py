"""One real Unix account per person, each home private, with the course in it."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import nbformat

from pmtech.hub import HubError
from pmtech.hub.evidence import EVIDENCE_ASSIGNMENT, evidence_notebook

LEARNER_FOLDER = "pm-course"  # in a learner's home: the course notebooks, copied once


def ensure_accounts(names: tuple[str, ...]) -> list[str]:
    """Create the accounts that do not exist yet (needs root); return the names created."""
    missing = [n for n in names if not _exists(n)]
    if missing and os.geteuid() != 0:
        raise HubError(
            f"the accounts {', '.join(missing)} do not exist, and creating Unix accounts needs "
            "root: run 'pmtech hub' as root (sudo), or create them first (useradd -m NAME)"
        )
    for name in missing:
        done = subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", name],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise HubError(f"useradd {name} failed: {done.stderr.strip()}")
    for name in names:
        Path(home(name)).chmod(0o700)  # no account reads another's work
    return missing


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def home(name: str) -> str:
    """The account's home folder."""
    return pwd.getpwnam(name).pw_dir


def as_account(name: str, user_env: Path, role: Path, argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` as account ``name``: a clean environment with its
    home, the shared environment's programs and its role's Jupyter configuration."""
    env = [
        f"HOME={home(name)}",
        f"USER={name}",
        "LANG=C.UTF-8",
        f"PATH={user_env / 'bin'}:/usr/bin:/bin",
        f"JUPYTER_CONFIG_PATH={role}",
    ]
    return ["runuser", "-u", name, "--", "env", "-i", *env, *argv]


def _chown_tree(path: Path, name: str) -> None:
    entry = pwd.getpwnam(name)
    for item in [path, *path.rglob("*")]:
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def copy_once(source: Path, target: Path, owner: str) -> bool:
    """Copy ``source`` to ``target`` for ``owner`` unless it is there already (a person's own
    work is never overwritten); True when copied."""
    if target.exists():
        return False
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.db"))
    _chown_tree(target, owner)
    return True


def instructor_course(repo: Path, instructor: str, course_id: str) -> Path:
    """The instructor's course folder (source, config), copied into their home once."""
    course = Path(home(instructor)) / course_id
    if not course.exists():
        course.mkdir()
        config = (repo / "nbgrader_config.py").read_text()
        config += (
            "\n# On a hub any account can drop a submission into the exchange: pmtech grade\n"
            "# grades only the learners on the gradebook's roster (pmtech hub fills it).\n"
            "c.PmtechGrade.roster_only = True\n"
        )
        (course / "nbgrader_config.py").write_text(config)
        shutil.copytree(repo / "source", course / "source", ignore=shutil.ignore_patterns("*.db"))
        evidence = course / "source" / EVIDENCE_ASSIGNMENT
        evidence.mkdir()
        nbformat.write(evidence_notebook(), evidence / f"{EVIDENCE_ASSIGNMENT}.ipynb")
        _chown_tree(course, instructor)
    return course


def learner_course(repo: Path, learner: str) -> Path:
    """A learner's own copy of the course notebooks, in their home, copied once."""
    folder = Path(home(learner)) / LEARNER_FOLDER
    if not folder.exists():
        folder.mkdir()
        _chown_tree(folder, learner)
    copy_once(repo / "notebooks", folder / "notebooks", learner)
    return folder
