"""Which grading slot this process holds on its machine: one sandbox uid per grading process.

Confined kernels run as ``BASE_UID + slot`` (``sandbox.py``), so process limits count per
learner only if no two grading processes on one machine share a slot. Local workers and Dask
workers alike claim the lowest free slot with a lock file held for the life of the process;
the operating system releases it when the process dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

MAX_SLOTS = 256
_HELD: list = []  # the open lock file, kept for the life of the process


def slot_folder() -> Path:
    """The folder of the slot lock files (per user: only root's slots confine kernels)."""
    return Path(tempfile.gettempdir()) / f"pmtech-grading-slots-{os.geteuid()}"


def claim_slot() -> int:
    """Hold the lowest free slot on this machine and export it as ``PMTECH_GRADING_SLOT``;
    a process that already holds one keeps it."""
    if _HELD:
        return int(os.environ["PMTECH_GRADING_SLOT"])
    folder = slot_folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    for slot in range(MAX_SLOTS):
        handle = open(folder / f"slot-{slot}.lock", "w")  # noqa: SIM115 (held on purpose)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _HELD.append(handle)
        os.environ["PMTECH_GRADING_SLOT"] = str(slot)
        return slot
    raise RuntimeError(f"all {MAX_SLOTS} grading slots in {folder} are taken")
