"""The course's own files (notebooks, the released assignments, nbgrader's configuration) and
copying them once into a learner's working folder.

In a copy of the repository they are the repository's; in a regular ``pip install`` of the
course they are installed as data files under ``<environment>/share/pmtech/course``.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED = Path("share") / "pmtech" / "course"
START_NOTEBOOK = Path("notebooks") / "00-start-here.ipynb"
COURSE_ITEMS = ("notebooks", "release", "nbgrader_config.py")


class CourseFilesError(Exception):
    """The course's files cannot be found or copied; the message says where and why."""


def _complete(folder: Path) -> bool:
    return (folder / START_NOTEBOOK).is_file() and (folder / "release").is_dir()


def course_files() -> Path:
    """The folder holding the course's notebooks, ``release/`` and ``nbgrader_config.py``."""
    checkout = PACKAGE_DIR.parent
    candidates = [checkout]
    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:
            continue
        candidates.append(Path(data) / INSTALLED)
    for folder in candidates:
        if _complete(folder):
            return folder
    raise CourseFilesError(
        "cannot find the course's notebooks (looked in "
        + ", ".join(str(c) for c in candidates)
        + "): install the course with 'pip install .' from its folder, or run from a copy of "
        "the repository"
    )


def _files_under(root: Path) -> list[Path]:
    """The course files under ``root``, relative to it (no checkpoints or caches)."""
    found = []
    for item in COURSE_ITEMS:
        path = root / item
        if path.is_file():
            found.append(Path(item))
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(root)
                if file.is_file() and ".ipynb_checkpoints" not in rel.parts:
                    found.append(rel)
    return found


def copy_course(target: Path, source: Path | None = None) -> list[Path]:
    """Copy every course file missing from ``target``; a file already there is the learner's
    and is never overwritten. Returns the files copied, relative to ``target``."""
    source = (source or course_files()).resolve()
    target = Path(target).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise CourseFilesError(f"{target} is a file, not a folder for the course")
    copied = []
    for rel in _files_under(source):
        dest = target / rel
        if dest.exists() or dest.is_symlink():
            continue
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, dest)
        except OSError as exc:
            raise CourseFilesError(f"cannot copy the course into {target}: {exc}") from None
        copied.append(rel)
    return copied
