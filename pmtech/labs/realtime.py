"""Polling versus long polling, measured against a real event server on 127.0.0.1.

The server publishes messages at seeded random moments. Clients fetch them either by short
polling (ask every ``interval`` seconds, get an answer at once, often empty) or by long
polling (ask once and the server holds the request until a message exists or a wait ends).
Each client reports how many requests it made, how many came back empty, and how long each
message waited between being published and reaching the client.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from pmtech.labs.figures import BLACK, BLUE, ORANGE, SKY_BLUE, VERMILLION, new_figure
from pmtech.labs.loopback import LoopbackServer, send_json

LONG_POLLING = "long polling"  # the style name of the long-polling client in a report


class _Events:
    """Published messages with their publish time; waiters are woken on each publish."""

    def __init__(self):
        self.items: list[tuple[int, float]] = []  # (message id, monotonic publish time)
        self.changed = threading.Condition()

    def publish(self) -> None:
        with self.changed:
            self.items.append((len(self.items) + 1, time.monotonic()))
            self.changed.notify_all()

    def after(self, last_id: int, wait_s: float) -> list[tuple[int, float]]:
        deadline = time.monotonic() + wait_s
        with self.changed:
            while True:
                fresh = self.items[last_id:]
                remaining = deadline - time.monotonic()
                if fresh or remaining <= 0:
                    return fresh
                self.changed.wait(remaining)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # keep notebook output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        query = parse_qs(urlparse(self.path).query)
        try:
            after = int(query.get("after", ["0"])[0])
            wait_s = min(float(query.get("wait", ["0"])[0]), 30.0)
        except ValueError:
            self.send_error(400, "after and wait must be numbers")
            return
        fresh = self.server.events.after(after, wait_s)
        send_json(self, 200, [{"id": i, "published": t} for i, t in fresh])


@dataclass(frozen=True)
class ClientReport:
    """What one client saw over the run."""

    style: str
    requests: int
    empty: int
    delays_ms: tuple[float, ...]

    @property
    def mean_delay_ms(self) -> float:
        """Mean time from publish to receipt, in milliseconds."""
        return sum(self.delays_ms) / len(self.delays_ms) if self.delays_ms else float("nan")

    @property
    def max_delay_ms(self) -> float:
        """Worst time from publish to receipt, in milliseconds."""
        return max(self.delays_ms, default=float("nan"))


def _client(base: str, interval_s: float | None, expected: int, until: float, out: list) -> None:
    """Fetch until every message has arrived (or time runs out); ``None`` means long polling."""
    last, requests, empty, delays = 0, 0, 0, []
    while len(delays) < expected and time.monotonic() < until:
        wait = until - time.monotonic() if interval_s is None else 0.0
        with urllib.request.urlopen(f"{base}/events?after={last}&wait={wait:.3f}", timeout=35) as r:
            batch = json.load(r)
        received = time.monotonic()
        requests += 1
        empty += not batch
        for message in batch:
            delays.append((received - message["published"]) * 1000)
            last = message["id"]
        if interval_s is not None and len(delays) < expected:
            time.sleep(interval_s)
    style = LONG_POLLING if interval_s is None else f"poll every {interval_s:g} s"
    out.append(ClientReport(style, requests, empty, tuple(delays)))


def compare_delivery(
    messages: int = 8, duration_s: float = 3.0, intervals: tuple[float, ...] = (0.25, 1.0), seed=5
) -> list[ClientReport]:
    """Run short-polling clients (one per interval) and a long-polling client side by side.

    All clients watch the same server while it publishes ``messages`` at seeded random
    moments within ``duration_s``; each client stops once it has every message.
    """
    if messages < 1 or duration_s <= 0 or not intervals or min(intervals) <= 0:
        raise ValueError("need at least one message, a positive duration and positive intervals")
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0.05, duration_s) for _ in range(messages))
    server = LoopbackServer(_Handler)
    server.server.events = events = _Events()
    server.start()
    base = server.url
    reports: list[ClientReport] = []
    start = time.monotonic()
    until = start + duration_s + max(intervals) + 5  # a tail for the last message to arrive
    styles: list[float | None] = [*intervals, None]
    clients = [
        threading.Thread(target=_client, args=(base, s, messages, until, reports)) for s in styles
    ]
    try:
        for c in clients:
            c.start()
        for moment in moments:
            time.sleep(max(0.0, start + moment - time.monotonic()))
            events.publish()
        for c in clients:
            c.join(timeout=until - time.monotonic() + 40)
    finally:
        server.stop()
    rank = {style: n for n, style in enumerate(f"poll every {i:g} s" for i in intervals)}
    return sorted(reports, key=lambda r: rank.get(r.style, len(rank)))


_MARKERS = ("s", "^", "v", "D", "P")
_COLOURS = (ORANGE, VERMILLION, SKY_BLUE, BLACK)


def plot_delivery(reports: list[ClientReport]):
    """Each message's delay from publish to receipt, one row per client (log axis), with the
    mean as a bar and the requests each client made beside its name. Returns a Figure."""
    fig, ax = new_figure()
    pollers = iter(zip(_MARKERS, _COLOURS * 2, strict=False))
    for row, report in enumerate(reports):
        if report.style == LONG_POLLING:
            marker, colour = "o", BLUE
        else:
            marker, colour = next(pollers, ("x", BLACK))
        delays = [max(d, 0.01) for d in report.delays_ms]  # a log axis has no zero
        ax.plot(
            delays,
            [row] * len(delays),
            linestyle="none",
            marker=marker,
            markersize=8,
            markerfacecolor="none",
            markeredgewidth=1.5,
            color=colour,
            gid=report.style,
        )
        if delays:
            ax.plot([report.mean_delay_ms] * 2, [row - 0.3, row + 0.3], color=colour, lw=2.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.10g}")
    ax.set_yticks(
        range(len(reports)),
        [f"{r.style}\n{r.requests} requests, {r.empty} empty" for r in reports],
        fontsize=9,
    )
    ax.set_ylim(len(reports) - 0.5, -0.5)
    ax.set_xlabel("delay from publish to receipt (ms, log scale)")
    ax.set_title(
        "Delivery delay: polling vs long polling\none marker per message, bar: the mean",
        loc="left",
    )
    ax.grid(axis="x", alpha=0.3)
    return fig


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 10 else f"{value:,.0f} ms"


def summary_line(reports: list[ClientReport]) -> str:
    """The worst delay of long polling against the slowest poller, with the requests each
    made."""
    long = [r for r in reports if r.style == LONG_POLLING]
    slow = max((r for r in reports if r.style != LONG_POLLING), key=lambda r: r.max_delay_ms)
    parts = [f"{r.style} {_ms(r.max_delay_ms)} ({r.requests} requests)" for r in long]
    parts.append(
        f"{slow.style} {_ms(slow.max_delay_ms)} ({slow.requests} requests, {slow.empty} empty)"
    )
    return "Worst delay: " + "; ".join(parts) + "."
