"""At-least-once delivery, for real: a queue that redelivers unacknowledged messages, and
consumers that write to SQLite, one naive and one idempotent.

The broker hands out a message and waits for an acknowledgement. If the consumer does its
work but the acknowledgement is lost (a crash, a timeout), the broker delivers the message
again: the consumer sees a duplicate. Only an idempotent consumer ends with one row.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Broker:
    """An in-process queue with at-least-once delivery."""

    pending: deque = field(default_factory=deque)
    deliveries: int = 0

    def publish(self, message: dict) -> None:
        """Add a message to the end of the queue."""
        self.pending.append(message)

    def run(self, handle, lose_ack_for: set[str] = frozenset()) -> None:
        """Deliver every message to ``handle``; a message whose acknowledgement is lost once
        (its id in ``lose_ack_for``) is put back and delivered again."""
        lost = set(lose_ack_for)
        while self.pending:
            message = self.pending.popleft()
            self.deliveries += 1
            handle(message)
            if message["id"] in lost:  # the work happened, the ack did not arrive
                lost.discard(message["id"])
                self.pending.append(message)


def payments_db(unique_event_id: bool, path: str = ":memory:") -> sqlite3.Connection:
    """A payments table; with ``unique_event_id`` the database itself refuses a second row
    for the same event (what makes an idempotent consumer cheap and race-free)."""
    conn = sqlite3.connect(path)
    key = "PRIMARY KEY" if unique_event_id else ""
    conn.execute(f"CREATE TABLE payments (event_id TEXT {key}, account TEXT, amount_cents INTEGER)")
    return conn


def naive_consumer(conn: sqlite3.Connection):
    """Inserts a row per delivery: a redelivered payment is charged twice."""

    def handle(message: dict) -> None:
        conn.execute(
            "INSERT INTO payments (event_id, account, amount_cents) VALUES (?, ?, ?)",
            (message["id"], message["account"], message["amount_cents"]),
        )

    return handle


def idempotent_consumer(conn: sqlite3.Connection):
    """Inserts once per event id (the table must have a unique event_id); a redelivery
    changes nothing."""

    def handle(message: dict) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO payments (event_id, account, amount_cents) VALUES (?, ?, ?)",
            (message["id"], message["account"], message["amount_cents"]),
        )

    return handle
