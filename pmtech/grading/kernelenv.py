"""What a learner's kernel starts with while it is graded: a minimal, explicit environment.

A kernel inherits the grader's environment by default, and an instructor's shell often holds
database passwords and cloud keys: a submission that prints ``os.environ`` would hand them to
its own feedback. Kernels started for grading therefore get only what Python, the kernel and
the course need (:func:`kernel_env`), never the grader's variables.

Two more things are fixed here, for confined and unconfined kernels alike:

- the kernel imports the very ``pmtech`` package the grader imported (the course's labs),
  wherever that package lives: an editable install, a regular one, or a copy inside the
  course folder that nbgrader put first on its path;
- ``PYTHONSAFEPATH`` keeps the kernel's working folder (the learner's own files) off the
  module path while the kernel starts, so a file named ``ipykernel_launcher.py`` in a
  submission cannot replace the kernel that reports the test results.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the pmtech package the grader runs
# Grader variables a kernel may see; nbgrader sets the first while it autogrades.
PASSED_THROUGH = ("NBGRADER_EXECUTION", "TZ")
# Run in the kernel before the first cell: PYTHONSAFEPATH kept the learner's folder off the
# module path while the kernel started; put it back at the end, so a helper module of the
# assignment imports, but a learner's file can never shadow a module the kernel, the tests
# or the standard library use.
LEARNER_FILES_LAST = (
    "import os as _pmtech_os, sys as _pmtech_sys\n"
    "if _pmtech_os.getcwd() not in _pmtech_sys.path:\n"
    "    _pmtech_sys.path.append(_pmtech_os.getcwd())\n"
    "del _pmtech_os, _pmtech_sys\n"
)


def python_prefixes(executable: str | None = None) -> list[str]:
    """The folders a kernel's Python needs: its own install and the virtual environment."""
    prefixes = [sys.base_prefix, sys.prefix]
    if executable:
        # A kernel spec may name another virtual environment's python: bin/python's parent.
        venv = Path(executable).absolute().parent.parent
        if (venv / "pyvenv.cfg").exists():
            prefixes.append(str(venv))
    return list(dict.fromkeys(prefixes))


def kernel_env(home: str, library: str, executable: str | None = None) -> dict[str, str]:
    """The whole environment of a grading kernel: nothing of the grader's beyond
    :data:`PASSED_THROUGH`; ``library`` holds the grader's ``pmtech`` package."""
    bins = [str(Path(p) / "bin") for p in reversed(python_prefixes(executable))]
    env = {
        "PATH": os.pathsep.join([*bins, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONPATH": library,
        "PYTHONSAFEPATH": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": os.path.join(tempfile.gettempdir(), "matplotlib-grading"),
    }
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env


class CleanEnvKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start from :func:`kernel_env`, not the grader's
    environment (used when kernels are not confined; the sandbox's manager builds on it)."""

    def library_path(self) -> str:
        """A folder holding only a link to the grader's ``pmtech`` package."""
        if not getattr(self, "_library", None):
            self._library = tempfile.mkdtemp(prefix="pmtech-lib-")
            os.symlink(PACKAGE_DIR, os.path.join(self._library, "pmtech"))
        return self._library

    def kernel_home(self, cwd: str) -> str:
        """The kernel's HOME: the grader's own, since an unconfined kernel shares its files."""
        return os.path.expanduser("~")

    def launch_command(self, kernel_cmd: list[str], cwd: str) -> list[str]:
        """The command line that starts ``kernel_cmd`` (the sandbox's manager wraps it)."""
        return kernel_cmd

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        cwd = kw.get("cwd") or os.getcwd()
        # The environment follows the kernel's own Python, not whatever wraps it.
        kw["env"] = kernel_env(self.kernel_home(cwd), self.library_path(), kernel_cmd[0])
        return await super()._async_launch_kernel(self.launch_command(kernel_cmd, cwd), **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_library", None):
            shutil.rmtree(self._library, ignore_errors=True)
            self._library = None

    # jupyter_client binds the public name to its own coroutine: point it at this one, or a
    # kernel that died at start is cleaned up without it.
    cleanup_resources = _async_cleanup_resources
