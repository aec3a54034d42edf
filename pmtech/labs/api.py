"""A small real HTTP API on 127.0.0.1 for hands-on cells.

It serves generated orders with cursor pagination (``work_ms`` in the query adds that much
simulated server work to a GET, for load-time labs), limits each client's request rate
(429 with ``Retry-After``), answers conditional requests with an ``ETag`` (304 Not Modified)
and honours ``Idempotency-Key`` on ``POST /payments`` so a retried charge is not applied
twice. Start it with ``with LocalAPI() as api:`` and call ``api.url``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from pmtech.labs.loopback import LoopbackServer

MAX_LIMIT = 100
MAX_WORK_MS = 5_000


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    text = base64.urlsafe_b64decode(padded.encode()).decode()
    if not text.startswith("after:"):
        raise ValueError("not a cursor")
    return int(text.removeprefix("after:"))


class _State:
    """What the server remembers: the orders, the rate windows and the payments."""

    def __init__(self, orders: int, rate_limit: int, window_s: float):
        self.orders = [
            {"id": i, "total_cents": (i * 7919) % 9_000 + 100, "status": "delivered"}
            for i in range(1, orders + 1)
        ]
        self.rate_limit = rate_limit
        self.window_s = window_s
        self.windows: dict[str, tuple[float, int]] = {}
        self.payments: list[dict] = []
        self.by_key: dict[str, dict] = {}
        self.lock = threading.Lock()

    def allow(self, client: str) -> float:
        """0 if the client may proceed, else the seconds until its window resets."""
        now = time.monotonic()
        with self.lock:
            start, count = self.windows.get(client, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            if count >= self.rate_limit:
                return self.window_s - (now - start)
            self.windows[client] = (start, count + 1)
            return 0.0


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep notebook output clean
        pass

    def _send(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _rate_limited(self) -> bool:
        client = self.headers.get("X-Client", self.client_address[0])
        wait = self.server.state.allow(client)
        if wait > 0:
            self._send(429, {"error": "rate limit exceeded"}, {"Retry-After": max(1, round(wait))})
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self._rate_limited():
            return
        url = urlparse(self.path)
        if url.path != "/orders":
            self._send(404, {"error": f"no such resource {url.path}"})
            return
        query = parse_qs(url.query)
        try:
            limit = int(query.get("limit", ["20"])[0])
            after = _decode_cursor(query["cursor"][0]) if "cursor" in query else 0
            work_ms = float(query.get("work_ms", ["0"])[0])
        except (ValueError, UnicodeDecodeError):
            self._send(400, {"error": "bad limit, cursor or work_ms"})
            return
        if not 0 <= work_ms <= MAX_WORK_MS:
            self._send(400, {"error": f"work_ms must be 0-{MAX_WORK_MS}"})
            return
        time.sleep(work_ms / 1000)  # stands in for the server's own work (queries, calls)
        if not 1 <= limit <= MAX_LIMIT:
            self._send(400, {"error": f"limit must be 1-{MAX_LIMIT}"})
            return
        page = [o for o in self.server.state.orders if o["id"] > after][:limit]
        more = page and page[-1]["id"] < self.server.state.orders[-1]["id"]
        body = {"data": page, "next_cursor": _encode_cursor(page[-1]["id"]) if more else None}
        etag = '"' + hashlib.sha256(json.dumps(body).encode()).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, None, {"ETag": etag})
            return
        self._send(200, body, {"ETag": etag})

    def do_POST(self) -> None:  # noqa: N802
        if self._rate_limited():
            return
        if urlparse(self.path).path != "/payments":
            self._send(404, {"error": "no such resource"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            amount = int(payload["amount_cents"])
        except (ValueError, KeyError, TypeError):
            self._send(400, {"error": "send JSON with an integer amount_cents"})
            return
        key = self.headers.get("Idempotency-Key")
        state = self.server.state
        with state.lock:
            if key and key in state.by_key:
                self._send(200, state.by_key[key], {"Idempotent-Replayed": "true"})
                return
            payment = {"id": len(state.payments) + 1, "amount_cents": amount}
            state.payments.append(payment)
            if key:
                state.by_key[key] = payment
        self._send(201, payment)


class LocalAPI(LoopbackServer):
    """The API on a free loopback port, served from a background thread."""

    def __init__(self, orders: int = 250, rate_limit: int = 50, window_s: float = 1.0):
        super().__init__(_Handler)
        self.server.state = _State(orders, rate_limit, window_s)

    @property
    def payments(self) -> list[dict]:
        """Every payment the server has applied (to see whether a retry charged twice)."""
        return list(self.server.state.payments)
