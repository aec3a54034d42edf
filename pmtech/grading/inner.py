"""Run inside the sandbox, as the unprivileged user, just before the kernel: copy the staged
files into the working folder, set the resource limits, then become the kernel.

Started by path with only the standard library, so nothing of the learner's (and nothing
slow) is imported before the limits are in place. Usage: ``inner.py WORKDIR -- KERNEL...``.
"""

import os
import resource
import shutil
import sys

STAGED = "/submission"
LIMITS = {  # resource.RLIMIT_* name: value (sandbox.py documents them)
    "RLIMIT_AS": 2 * 1024**3,  # address space: an endless allocation fails with MemoryError
    "RLIMIT_NPROC": 64,  # processes and threads of this uid: a fork bomb fails to fork
    "RLIMIT_NOFILE": 256,
    "RLIMIT_FSIZE": 256 * 1024**2,  # largest file the kernel may write
    "RLIMIT_CORE": 0,
}


def copy_staged(workdir: str) -> None:
    """Copy the staged learner files into the (empty, writable) working folder."""
    for root, _dirs, files in os.walk(STAGED):
        rel = os.path.relpath(root, STAGED)
        target = os.path.normpath(os.path.join(workdir, rel))
        os.makedirs(target, exist_ok=True)
        for name in files:
            shutil.copyfile(os.path.join(root, name), os.path.join(target, name))


def main(argv: list[str]) -> None:
    """Prepare the working folder and limits, then exec the kernel command."""
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: inner.py WORKDIR -- KERNEL_CMD...")
    workdir, kernel_cmd = argv[0], argv[2:]
    copy_staged(workdir)
    for name, value in LIMITS.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    # The grader's pid means nothing in the sandbox's pid namespace, where the parent is pid 1:
    # without this the kernel would think its parent died and quit at once.
    os.environ.pop("JPY_PARENT_PID", None)
    os.chdir(workdir)
    os.execv(kernel_cmd[0], kernel_cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
