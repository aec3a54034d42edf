"""What a connection costs: the same requests over new connections or one kept-alive one.

A small HTTP/1.1 server on 127.0.0.1 counts the TCP connections it accepts, so a cell can
show both numbers that matter: how many handshakes each style needs (what multiplies with
the network's round-trip time) and how long the requests really took on this machine.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from pmtech.labs.loopback import LoopbackServer, send_json


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says otherwise
    # Without this, the small body waits on the client's delayed ACK (~40 ms on Linux):
    # Nagle's algorithm holds a second small write until the first is acknowledged.
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # keep notebook output clean
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        send_json(self, 200, {"ok": True})


@dataclass(frozen=True)
class FetchRun:
    """One batch of requests: how many, over how many TCP connections, and how long."""

    requests: int
    connections: int
    seconds: float

    @property
    def ms_per_request(self) -> float:
        """Mean wall-clock time per request, in milliseconds."""
        return self.seconds * 1000 / self.requests


class KeepAliveServer(LoopbackServer):
    """The counting HTTP/1.1 server on a free loopback port, served from a thread."""

    def __init__(self):
        super().__init__(_Handler)
        self.server.connections = 0
        self.server.lock = threading.Lock()

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self.server.lock:
            return self.server.connections

    def fetch(self, requests: int, reuse: bool) -> FetchRun:
        """Send ``requests`` GETs, over one kept-alive connection or a new one each time."""
        if requests < 1:
            raise ValueError(f"requests must be at least 1, got {requests}")
        before = self.connections
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            for _ in range(requests):
                if not reuse:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/ping", headers={"Connection": "keep-alive"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"the server answered {response.status}")
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        # The server counts a connection when its handler thread starts; wait for the last one.
        deadline = time.monotonic() + 2
        while self.connections - before < (requests if not reuse else 1):
            if time.monotonic() > deadline:
                break
            time.sleep(0.001)
        return FetchRun(requests, self.connections - before, seconds)


def resolve_ms(host: str = "localhost", repeats: int = 20) -> float:
    """Median time to resolve ``host`` with the system resolver, in milliseconds.

    ``localhost`` is answered from the hosts file, so this is the floor of a lookup: a real
    name that is not cached adds at least one round trip to a resolver.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        socket.getaddrinfo(host, 80, proto=socket.IPPROTO_TCP)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2]


def round_trips_before_first_byte(tls: str = "1.3", dns_cached: bool = False) -> int:
    """Round trips from typing a URL to the first byte of the page, on a new connection.

    DNS (one, unless cached) + TCP handshake (one) + TLS (two for 1.2, one for 1.3) + the
    HTTP request itself (one). QUIC in HTTP/3 folds TCP and TLS into one.
    """
    tls_trips = {"1.2": 2, "1.3": 1, "none": 0}
    if tls not in tls_trips:
        raise ValueError(f"tls must be one of {', '.join(tls_trips)}, got {tls!r}")
    return (0 if dns_cached else 1) + 1 + tls_trips[tls] + 1
