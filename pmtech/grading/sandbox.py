"""Confine each learner's kernel while it is graded.

Without this, a submission runs as the instructor in the course folder: it can read every
solution and hidden test in ``source/``, rewrite ``gradebook.db``, or take the machine down.
Here the kernel starts inside bubblewrap (Debian's ``bubblewrap`` package):

- it sees only what Python needs, read-only (the system, the Python install, the virtual
  environment, and the ``pmtech`` package the grader runs, at a fixed place of its own),
  plus its own working folder: a size-limited tmpfs holding a copy of the learner's files,
  without the notebook itself (which holds the hidden tests by then);
- it starts from a minimal environment (``kernelenv.py``), never the grader's;
- no network (a fresh network namespace with only its own loopback), its own process
  namespace, and it dies with the grader;
- it runs as an unprivileged user (one uid per grading slot, so limits are per learner)
  with resource limits (``inner.py``): memory, processes, open files, file size.

The kernel talks to the grader over Unix sockets (ZeroMQ's ipc transport) in a private
folder, since TCP on the host's loopback is out of reach from the sandbox's network.

Confinement needs root (bubblewrap creates the namespaces, then drops to the unprivileged
user). Without it grading still runs, unconfined, and :func:`why_not_confined` says why.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import warnings
from pathlib import Path

from pmtech.grading.kernelenv import PACKAGE_DIR, CleanEnvKernelManager, python_prefixes

BASE_UID = 61000  # uid of the first grading slot; slot n runs as BASE_UID + n
WORKDIR_SIZE = 512 * 1024 * 1024  # the learner's working folder (a tmpfs)
TMP_SIZE = 64 * 1024 * 1024
LIBRARY = "/run/pmtech-lib"  # inside the sandbox: holds the grader's pmtech package, read-only
INNER = Path(__file__).with_name("inner.py")  # run inside, before the kernel
# The resource limits (memory, processes, files, file size) are set in inner.py.
_WARNED = False


def why_not_confined() -> str | None:
    """None when kernels can be confined here; otherwise the reason, in one sentence."""
    if not sys.platform.startswith("linux"):
        return "kernels can only be confined on Linux"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    if os.geteuid() != 0:
        return "confining kernels needs root (to create namespaces and switch user)"
    return _bwrap_works()


_BWRAP_CHECKED: list[str | None] = []


def _bwrap_works() -> str | None:
    """Try bubblewrap once per process (a container may forbid namespaces)."""
    if not _BWRAP_CHECKED:
        import subprocess

        cmd = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--unshare-net"]
        cmd += ["--unshare-pid", "--die-with-parent", "--", "true"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            problem = None if done.returncode == 0 else done.stderr.strip()[:200]
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = str(exc)
        _BWRAP_CHECKED.append(
            None if problem is None else f"bubblewrap cannot create namespaces here ({problem})"
        )
    return _BWRAP_CHECKED[0]


def warn_unconfined_once(reason: str) -> None:
    """Say once per process, clearly, that submissions run without isolation."""
    global _WARNED
    if not _WARNED:
        _WARNED = True
        warnings.warn(
            f"learners' code is NOT isolated while it is graded: {reason}. A submission can "
            "read the solutions and hidden tests and change the gradebook.",
            stacklevel=2,
        )


def slot_uid() -> int:
    """The unprivileged uid of this grading process's slot."""
    return BASE_UID + int(os.environ.get("PMTECH_GRADING_SLOT", "0"))


def _read_only_paths(executable: str | None = None) -> list[str]:
    """Everything the kernel's Python needs, read-only (not the pmtech package: it is bound
    apart, at :data:`LIBRARY`, wherever the grader imported it from)."""
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"]
    paths += python_prefixes(executable)
    seen, out = set(), []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.exists(p) and real not in seen:
            seen.add(real)
            out.append(p)
    return out


def _copy_files(source: Path, target: Path, skip=lambda rel, path: False) -> None:
    """Copy the files under ``source`` into ``target`` (contents only, no modes or times:
    the target's own folder may be a tmpfs root the copier does not own)."""
    for path in source.rglob("*"):
        rel = path.relative_to(source)
        if skip(rel, path):
            continue
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)


def stage_files(workdir: str, staging: str) -> None:
    """Copy the learner's files from ``workdir`` to ``staging``, leaving out every notebook
    (the autograded notebook holds the hidden tests by the time the kernel starts)."""
    _copy_files(
        Path(workdir),
        Path(staging),
        skip=lambda rel, path: (
            path.suffix == ".ipynb" or ".ipynb_checkpoints" in rel.parts or path.is_symlink()
        ),
    )
    for path in [Path(staging), *Path(staging).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def confine_command(kernel_cmd: list[str], workdir: str, ipc_dir: str, staging: str) -> list[str]:
    """The bubblewrap command line that runs ``kernel_cmd`` confined in a copy of the files
    staged from ``workdir``."""
    bwrap = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session"]
    bwrap += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    # /tmp first: a later tmpfs would hide anything bound beneath it (a venv under /tmp).
    bwrap += ["--proc", "/proc", "--dev", "/dev"]
    bwrap += ["--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    made: set[str] = {"/tmp"}
    binds = [(p, p) for p in _read_only_paths(kernel_cmd[0] if kernel_cmd else None)]
    binds.append((str(PACKAGE_DIR), f"{LIBRARY}/pmtech"))
    for source, path in binds:
        # Parents such as /root may be private on the host; inside they only need traversing.
        for parent in reversed(Path(path).parents[:-1]):
            if str(parent) not in made:
                made.add(str(parent))
                bwrap += ["--perms", "0755", "--dir", str(parent)]
        bwrap += ["--ro-bind", source, path]
    bwrap += ["--ro-bind", staging, "/submission"]
    bwrap += ["--perms", "0777", "--size", str(WORKDIR_SIZE), "--tmpfs", workdir]
    bwrap += ["--bind", ipc_dir, ipc_dir]
    bwrap += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--chdir", workdir]
    uid = str(slot_uid())
    drop = [
        shutil.which("setpriv") or "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]
    inner = [sys.executable, f"{LIBRARY}/pmtech/grading/{INNER.name}", workdir, "--"]
    return [*bwrap, "--", *drop, *inner, *kernel_cmd]


class SandboxedKernelManager(CleanEnvKernelManager):
    """A kernel manager whose kernels start confined (see the module docstring).

    What the kernel writes to its stdout and stderr is kept: when it dies before it answers,
    :attr:`startup_output` says why.
    """

    startup_output = ""

    def library_path(self) -> str:
        """Inside the sandbox the grader's package is bound at :data:`LIBRARY`."""
        return LIBRARY

    def kernel_home(self, cwd: str) -> str:
        """HOME is the learner's private working folder."""
        return cwd

    async def _async_pre_start_kernel(self, **kw):
        self._ipc_dir = tempfile.mkdtemp(prefix="pmtech-ipc-")
        os.chmod(self._ipc_dir, 0o777)  # the kernel's own user creates the sockets here
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "kernel")
        # Signals cannot reach the kernel in its own session and pid namespace: interrupt a
        # runaway cell with a message on the control channel instead.
        self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The connection file is private to the grader; the kernel gets a readable copy.
        copy = os.path.join(self._ipc_dir, "connection.json")
        shutil.copyfile(self.connection_file, copy)
        os.chmod(copy, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        kernel_cmd = [copy if arg == self.connection_file else arg for arg in kernel_cmd]
        workdir = kw.get("cwd") or os.getcwd()
        self._staging = tempfile.mkdtemp(prefix="pmtech-files-")
        stage_files(workdir, self._staging)
        self._output = os.path.join(self._ipc_dir, "kernel-output.txt")
        with open(self._output, "wb") as out:
            kw["stdout"] = kw["stderr"] = out
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    def launch_command(self, kernel_cmd: list[str], cwd: str) -> list[str]:
        """The kernel's command line wrapped in bubblewrap (see :func:`confine_command`)."""
        return confine_command(kernel_cmd, cwd, self._ipc_dir, self._staging)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.startup_output = _tail(getattr(self, "_output", ""))
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            for folder in (getattr(self, "_ipc_dir", ""), getattr(self, "_staging", "")):
                shutil.rmtree(folder, ignore_errors=True)

    # jupyter_client binds the public name to its own coroutine: point it at this one, or a
    # kernel that died at start is cleaned up without it.
    cleanup_resources = _async_cleanup_resources


def _tail(path: str, limit: int = 1500) -> str:
    """The last ``limit`` characters a kernel wrote (empty when there is no such file)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - limit))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
