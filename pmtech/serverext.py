"""A Jupyter server extension: a Content Security Policy on the pages that show learners' work.

The formgrader renders a learner's submission on the Jupyter server's own origin, where a
script would act with the instructor's session. Learner content is sanitised before it is
rendered (``pmtech/grading/sanitise.py``); as a second line of defence, every submission page
of the formgrader is served with a policy under which only the page's own scripts run: each
``<script>`` in the page's head (nbgrader's template) gets a fresh nonce, and nothing else
may run: no inline handler, no ``javascript:`` link, no script anywhere in the body, where
learner content sits. Images are allowed only as ``data:`` URLs, so learner content cannot
make the browser send a request either.

Enabled by ``jupyter-config/pmtech.json``, which the package installs into the environment's
``etc/jupyter/jupyter_server_config.d``.
"""

from __future__ import annotations

import re
import secrets

from tornado.web import OutputTransform

LEARNER_PAGES = re.compile(r"/formgrader/submissions/[^/]+/?$")
SCRIPT_TAG = re.compile(rb"<script\b", re.IGNORECASE)


def policy(nonce: str) -> str:
    """The Content Security Policy for one page, whose own scripts carry ``nonce``."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "form-action 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "frame-ancestors 'self'",
        ]
    )


def add_nonce(page: bytes, nonce: str) -> bytes:
    """Give every ``<script>`` of the page's head the nonce; the body's scripts get none."""
    end = page.lower().find(b"</head>")
    if end < 0:
        return page
    head = SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), page[:end])
    return head + page[end:]


class LearnerPagePolicy(OutputTransform):
    """Adds the policy (and the nonces) to the formgrader's submission pages."""

    def __init__(self, request):
        super().__init__(request)
        self.applies = bool(LEARNER_PAGES.search(request.path))

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        """Set the header; rewrite the page when it comes in one piece (the formgrader's)."""
        if not self.applies or not headers.get("Content-Type", "").startswith("text/html"):
            return status_code, headers, chunk
        nonce = secrets.token_urlsafe(18)
        headers["Content-Security-Policy"] = policy(nonce)
        headers["X-Content-Type-Options"] = "nosniff"
        if finishing:  # a streamed page keeps its scripts blocked: safe, if less useful
            chunk = add_nonce(chunk, nonce)
            if "Content-Length" in headers:
                headers["Content-Length"] = str(len(chunk))
        return status_code, headers, chunk


def _jupyter_server_extension_points():
    return [{"module": "pmtech.serverext"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Install the policy on the server's responses."""
    serverapp.web_app.transforms.append(LearnerPagePolicy)
    serverapp.log.info("pmtech: Content Security Policy on the formgrader's submission pages")
