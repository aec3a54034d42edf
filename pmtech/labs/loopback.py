"""A threaded HTTP server on a free 127.0.0.1 port, served from a background thread.

The labs' servers (the orders API, the keep-alive counter, the event server) share this
lifecycle: create, ``start()`` (or ``with``), read ``url``, ``stop()``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def send_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    """Answer a request with ``body`` as JSON, in one write with its length."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class _Server(ThreadingHTTPServer):
    # The standard library's default backlog of 5 makes connections beyond it wait for a
    # SYN retry (about a second) when many clients connect at once, as the page-load lab's
    # visitors do; 128 is the usual default of production servers.
    request_queue_size = 128


class LoopbackServer:
    """Serve ``handler`` on a free loopback port; ``server`` is the underlying HTTP server."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        """Start serving; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
