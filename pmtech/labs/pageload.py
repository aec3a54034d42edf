"""A page's load time from its API calls: one after another, or all at once.

Uses the loopback API of the depth labs with a fixed server-side delay per request, so each
call takes a known, real time; the cell measures how long the page's calls take when the
client waits for each before sending the next, and when it sends them together.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pmtech.labs.api import LocalAPI


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status


def load_page(api: LocalAPI, paths: Sequence[str], parallel: bool) -> float:
    """Seconds to fetch every path: sequentially, or all at once (one thread per call)."""
    if not paths:
        raise ValueError("a page needs at least one call")
    urls = [api.url + p for p in paths]
    start = time.perf_counter()
    if parallel:
        with ThreadPoolExecutor(max_workers=len(urls)) as pool:
            statuses = list(pool.map(_get, urls))
    else:
        statuses = [_get(u) for u in urls]
    elapsed = time.perf_counter() - start
    if any(s != 200 for s in statuses):
        raise RuntimeError(f"the API answered {statuses}")
    return elapsed


def predicted_seconds(call_ms: Sequence[float], parallel: bool) -> float:
    """The load time the simple model predicts: the sum of the calls, or the slowest one."""
    if not call_ms:
        raise ValueError("a page needs at least one call")
    return (max(call_ms) if parallel else sum(call_ms)) / 1000
