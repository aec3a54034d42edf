"""The "spinner forever" case: find the cause in a generated log of client and server events.

Users report that the home feed sometimes spins forever. The log is a real SQLite database:
``sessions`` (platform, app version, region, network) and ``events`` (what the client and
the server recorded, with times in milliseconds). Two causes are hidden in it, as in real
incidents: one app version that receives the feed but never draws it, and a slow mobile
network in one region where requests never reach the server. Segmenting the stuck rate by
platform, version and region, then looking at the last event each stuck session reached,
tells them apart.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

PLATFORMS = {"ios": ("17.4.0", "17.5.0"), "android": ("5.1.3", "5.2.0"), "web": ("2026.11",)}
REGIONS = ("US", "DE", "IN", "BR", "GB", "NG")
NETWORKS = ("wifi", "4g", "3g")
SPINNER_TIMEOUT_MS = 30_000
DIMENSIONS = ("platform", "app_version", "region", "network")

SCHEMA = """
CREATE TABLE sessions (session_id INTEGER PRIMARY KEY, platform TEXT NOT NULL,
                       app_version TEXT NOT NULL, region TEXT NOT NULL, network TEXT NOT NULL);
CREATE TABLE events (session_id INTEGER NOT NULL REFERENCES sessions, t_ms INTEGER NOT NULL,
                     side TEXT NOT NULL CHECK (side IN ('client', 'server')),
                     name TEXT NOT NULL, status INTEGER);
CREATE INDEX events_by_session ON events (session_id, t_ms);
"""


def _session_events(rng: random.Random, platform: str, version: str, region: str, network: str):
    """The events of one session opening the feed, with the two hidden causes."""
    rtt = {"wifi": 40, "4g": 90, "3g": 400}[network]
    events = [(0, "client", "spinner_shown", None)]
    lost = {"wifi": 0.002, "4g": 0.004, "3g": 0.01}[network]
    if region == "BR" and network == "3g":
        lost = 0.15  # a congested carrier in one region: requests die on the way
    if rng.random() < lost:
        events.append((5, "client", "feed_request_sent", None))
        events.append((SPINNER_TIMEOUT_MS, "client", "spinner_timeout", None))
        return events
    sent = 5
    arrived = sent + rtt // 2 + rng.randint(0, rtt // 2)
    server_ms = int(rng.lognormvariate(4.6, 0.4))  # about 100 ms of server work
    status = 500 if rng.random() < 0.003 else 200
    answered = arrived + server_ms
    received = answered + rtt // 2 + rng.randint(0, rtt)
    events += [
        (sent, "client", "feed_request_sent", None),
        (arrived, "server", "feed_request_received", None),
        (answered, "server", "feed_response_sent", status),
        (received, "client", "feed_response_received", status),
    ]
    if status != 200:
        events.append((received + 5, "client", "error_shown", status))
    elif platform == "android" and version == "5.2.0" and rng.random() < 0.35:
        # The new version cannot read a field the server added; it swallows the error.
        events.append((SPINNER_TIMEOUT_MS, "client", "spinner_timeout", None))
    else:
        events.append((received + rng.randint(20, 120), "client", "feed_rendered", None))
    return events


def generate_log(path: Path | str, sessions: int = 20_000, seed: int = 3) -> Path:
    """Write a fresh event log to ``path`` (replacing it) and return the path."""
    if sessions < 1:
        raise ValueError(f"sessions must be at least 1, got {sessions}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    rng = random.Random(seed)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(SCHEMA)
        session_rows, event_rows = [], []
        for sid in range(1, sessions + 1):
            platform = rng.choices(list(PLATFORMS), weights=(40, 45, 15))[0]
            version = rng.choice(PLATFORMS[platform])
            region = rng.choice(REGIONS)
            network = rng.choices(NETWORKS, weights=(50, 35, 15))[0]
            session_rows.append((sid, platform, version, region, network))
            event_rows += [
                (sid, *event) for event in _session_events(rng, platform, version, region, network)
            ]
        conn.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", session_rows)
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", event_rows)
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)  # a half-written log never replaces a good one
    return path


@dataclass(frozen=True)
class Segment:
    """One segment of sessions and how many of them got stuck on the spinner."""

    values: tuple[str, ...]
    sessions: int
    stuck: int

    @property
    def rate(self) -> float:
        """Share of the segment's sessions that never showed the feed or an error."""
        return self.stuck / self.sessions


def stuck_rate_by(conn: sqlite3.Connection, *dimensions: str, min_sessions: int = 100):
    """Stuck rate per segment of ``dimensions`` (e.g. "platform", "app_version"), worst first."""
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if not dimensions or unknown:
        raise ValueError(f"segment by one or more of {', '.join(DIMENSIONS)}; got {dimensions}")
    cols = ", ".join(f"s.{d}" for d in dimensions)
    rows = conn.execute(
        f"SELECT {cols}, count(*), sum(EXISTS (SELECT 1 FROM events e WHERE "
        "e.session_id = s.session_id AND e.name = 'spinner_timeout')) "
        f"FROM sessions s GROUP BY {cols} HAVING count(*) >= ?",
        (min_sessions,),
    ).fetchall()
    segments = [Segment(tuple(r[: len(dimensions)]), r[-2], r[-1]) for r in rows]
    return sorted(segments, key=lambda s: s.rate, reverse=True)


def last_step_of_stuck(conn: sqlite3.Connection, **where: str) -> dict[str, int]:
    """For stuck sessions matching ``where`` (e.g. platform="android"), count the last event
    each reached before the spinner timed out: it says where the request died."""
    unknown = [k for k in where if k not in DIMENSIONS]
    if unknown:
        raise ValueError(f"filter by {', '.join(DIMENSIONS)}; got {', '.join(unknown)}")
    conditions = "".join(f" AND s.{k} = ?" for k in where)
    rows = conn.execute(
        "SELECT (SELECT e.name || CASE WHEN e.status IS NULL THEN '' ELSE ' ' || e.status END "
        "        FROM events e WHERE e.session_id = s.session_id AND e.name != 'spinner_timeout'"
        "        ORDER BY e.t_ms DESC LIMIT 1) AS last, count(*) "
        "FROM sessions s WHERE EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id"
        f" AND e.name = 'spinner_timeout'){conditions} GROUP BY last ORDER BY 2 DESC",
        tuple(where.values()),
    ).fetchall()
    return dict(rows)
