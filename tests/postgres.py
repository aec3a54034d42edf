"""A real PostgreSQL server for the tests: Debian's package, run as the postgres user on a
free loopback port, with a password, in a folder of its own."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .servers import free_port


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs, or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], **kw)


@contextlib.contextmanager
def postgres_server():
    """A running server; yields ``{"url", "password", "port"}`` for a database ``gradebook``."""
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("Debian's postgresql package is not installed")
    work = Path(tempfile.mkdtemp(prefix="pmtech-pg-"))
    shutil.chown(work, "postgres", "postgres")
    password = secrets.token_hex(16)
    (work / "pw").write_text(password)
    shutil.chown(work / "pw", "postgres", "postgres")
    data, port = work / "data", free_port()
    _as_postgres(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
        f"--pwfile={work / 'pw'}", check=True, capture_output=True,
    )  # fmt: skip
    (work / "pw").unlink()
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1"
    _as_postgres(
        str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(work / "log"),
        "-w", "start", check=True, capture_output=True,
    )  # fmt: skip
    try:
        url = f"postgresql://postgres:{password}@127.0.0.1:{port}"
        _as_postgres(
            str(bindir / "psql"), "-h", str(work), "-p", str(port), "-U", "postgres", "-c",
            "CREATE DATABASE gradebook", check=True, capture_output=True,
            env=dict(os.environ, PGPASSWORD=password),
        )  # fmt: skip
        yield {"url": f"{url}/gradebook", "password": password, "port": port}
    finally:
        _as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop",
                     capture_output=True)  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)
