"""Why a backfill takes long: fill a new column on a real SQLite table, in batches.

Works on a private copy of the shop database so the lesson can be re-run. Shows the two
things that make backfills slow in production: the work itself (rows per second on this
machine) and the care around it (small batches so other writers are not locked out, and
pauses between batches so the database keeps serving users).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def copy_database(source: sqlite3.Connection, path: Path | str) -> sqlite3.Connection:
    """Copy ``source`` into a fresh file at ``path`` (replacing it) and open the copy."""
    path = Path(path)
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    source.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    return target


@dataclass(frozen=True)
class BackfillRun:
    """One backfill: rows written, batches, seconds, and the longest write lock held."""

    rows: int
    batches: int
    seconds: float
    longest_lock_ms: float

    @property
    def rows_per_second(self) -> float:
        """Throughput of the whole run, pauses included."""
        return self.rows / self.seconds


def backfill_tax(
    conn: sqlite3.Connection, batch_size: int, pause_s: float = 0.0, rate: float = 0.2
) -> BackfillRun:
    """Add ``total_with_tax_cents`` to ``orders`` (if missing) and fill it in id batches.

    Adding a nullable column is a quick schema change in SQLite; filling it row by row is
    the slow part. Re-running recomputes every row, so a rerun is safe.

    Each batch is one transaction, so the write lock is held for one batch at a time;
    ``pause_s`` sleeps between batches to leave room for other writers.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(orders)")}
    if "total_with_tax_cents" not in columns:
        conn.execute("ALTER TABLE orders ADD COLUMN total_with_tax_cents INTEGER")
    low, high = conn.execute("SELECT min(id), max(id) FROM orders").fetchone()
    rows = batches = 0
    longest = 0.0
    start = time.perf_counter()
    for first in range(low, high + 1, batch_size):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute(
            "UPDATE orders SET total_with_tax_cents = CAST(round(total_cents * (1 + ?)) AS INT)"
            " WHERE id BETWEEN ? AND ?",
            (rate, first, first + batch_size - 1),
        )
        conn.execute("COMMIT")
        longest = max(longest, (time.perf_counter() - began) * 1000)
        rows += cursor.rowcount
        batches += 1
        if pause_s:
            time.sleep(pause_s)
    return BackfillRun(rows, batches, time.perf_counter() - start, longest)


def blocked_writer(
    path: Path | str, batch_size: int, pause_s: float = 0.0, timeout_s: float = 0.05
) -> tuple[int, int]:
    """Backfill ``path`` while another connection tries to insert an order every 10 ms.

    The other connection waits at most ``timeout_s`` for the lock, as a web request with a
    tight deadline would. Returns (inserts that succeeded, inserts that gave up).
    """
    backfiller = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    done = threading.Event()
    result = [0, 0]

    def writer() -> None:
        conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
        while not done.is_set():
            try:
                conn.execute(
                    "INSERT INTO orders (customer_id, product_id, quantity, total_cents, status,"
                    " ordered_at) VALUES (1, 1, 1, 100, 'placed', '2026-01-01T00:00:00')"
                )
                result[0] += 1
            except sqlite3.OperationalError:  # "database is locked": the request gave up
                result[1] += 1
            time.sleep(0.01)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        backfill_tax(backfiller, batch_size, pause_s)
    finally:
        done.set()
        thread.join()
        backfiller.close()
    return result[0], result[1]


def scratch_path(name: str = "backfill.db") -> Path:
    """A path in a fresh temporary folder, for a throwaway copy of a database."""
    return Path(tempfile.mkdtemp(prefix="pmtech-")) / name
