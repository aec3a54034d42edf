"""Generate ``release/`` from ``source/`` with the real ``nbgrader generate_assignment``.

Used by ``make release`` and by the test that fails when the committed ``release/`` drifts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def nbgrader_env() -> dict:
    """The environment for nbgrader subprocesses: this interpreter's bin folder first on PATH
    (nbgrader runs the ``alembic`` command it installs beside itself)."""
    bin_dir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))


def source_assignments(root: Path) -> list[str]:
    """Assignment folders under ``source/``."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir())


def run_nbgrader(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder; raise with its output if it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def generate_release(root: Path) -> list[str]:
    """Regenerate ``release/<name>/`` for every source assignment of the course at ``root``.

    nbgrader needs a gradebook to record the assignments; a throwaway one is used so the
    instructor's ``gradebook.db`` is never touched.
    """
    names = source_assignments(root)
    with tempfile.TemporaryDirectory(prefix="pmtech-release-") as tmp:
        db = f"--CourseDirectory.db_url=sqlite:///{Path(tmp) / 'gradebook.db'}"
        for name in names:
            run_nbgrader(root, "generate_assignment", name, "--force", db)
    return names


def generate_release_copy(root: Path, out: Path) -> Path:
    """Generate the release of a copy of the course into ``out`` and return its release/."""
    shutil.copytree(
        root / "source", out / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.db")
    )
    shutil.copy2(root / "nbgrader_config.py", out / "nbgrader_config.py")
    (out / "release").mkdir()
    generate_release(out)
    return out / "release"


if __name__ == "__main__":
    course = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    for assignment in generate_release(course):
        print(f"release/{assignment} generated")
