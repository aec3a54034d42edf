"""Check a back-of-the-envelope storage estimate against a real database file.

Builds a URL-shortener ``links`` table in SQLite with seeded, realistic rows and reports the
bytes each row really takes on disk, with and without a secondary index, so a learner can
compare the "500 bytes a row" assumption of an estimate with what a database stores.
"""

from __future__ import annotations

import random
import sqlite3
import string
from dataclasses import dataclass

_WORDS = ("shop", "blog", "news", "docs", "video", "sale", "help", "team", "event", "guide")


def _random_url(rng: random.Random) -> str:
    host = f"{rng.choice(_WORDS)}{rng.randint(1, 9999)}.example.com"
    path = "/".join(rng.choice(_WORDS) + str(rng.randint(1, 999)) for _ in range(rng.randint(1, 4)))
    query = "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(0, 40)))
    return f"https://{host}/{path}" + (f"?utm={query}" if query else "")


@dataclass(frozen=True)
class RowSize:
    """Measured bytes per row: the table alone, and with an index on ``owner_id``."""

    rows: int
    mean_url_chars: float
    table_bytes_per_row: float
    indexed_bytes_per_row: float


def measure_row_size(rows: int = 20_000, seed: int = 11) -> RowSize:
    """Insert ``rows`` seeded links into an in-memory database and measure its pages."""
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE links (code TEXT PRIMARY KEY, url TEXT NOT NULL,"
        " owner_id INTEGER NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID"
    )
    links = [
        (
            "".join(rng.choices(alphabet, k=7)),
            _random_url(rng),
            rng.randint(1, rows // 10 + 1),
            1_700_000_000 + n,
        )
        for n in range(rows)
    ]
    conn.executemany("INSERT OR IGNORE INTO links VALUES (?, ?, ?, ?)", links)
    stored = conn.execute("SELECT count(*) FROM links").fetchone()[0]

    def used_bytes() -> int:
        pages, free = (
            conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count")
        )
        return (pages - free) * conn.execute("PRAGMA page_size").fetchone()[0]

    table = used_bytes()
    conn.execute("CREATE INDEX links_by_owner ON links (owner_id)")
    indexed = used_bytes()
    conn.close()
    mean_url = sum(len(link[1]) for link in links) / len(links)
    return RowSize(stored, mean_url, table / stored, indexed / stored)
