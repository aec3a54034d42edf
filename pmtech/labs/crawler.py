"""A polite web crawler and a naive one, run against generated websites on 127.0.0.1.

The lab serves a small generated web: a few sites (one ``LoopbackServer`` each, so one host
each) of linked product pages. Each site has what makes crawling hard on the real web:

- the same page under many URLs: a trailing slash, tracking parameters (``?utm_source=``),
  a fragment (``#reviews``), and a print view whose bytes are identical to the page;
- a ``/robots.txt`` that disallows ``/private/``;
- a crawler trap: an endless event calendar, ``/calendar/2026/01`` links to ``/2026/02``
  and to ``/2027/01``, for ever, each month a new page with new bytes.

Every site keeps its own access log (time, path, what it served), so the lab judges the
crawlers by what the servers saw, not by what the crawlers say they did.

``crawl_politely`` follows the design of Heydon & Najork's Mercator crawler ("Mercator: A
Scalable, Extensible Web Crawler", World Wide Web 2(4), 1999) as Manning, Raghavan &
Schütze describe it ("Introduction to Information Retrieval", 2008, ch. 20): a URL frontier
with one queue per host, a URL-seen test on normalised URLs, a content-seen test on a hash
of the bytes, robots.txt rules (RFC 9309), and a politeness gap between two requests to the
same host. ``crawl_naively`` has none of it, only an exact-string seen-set and a page cap.

``run_crawler_lab`` runs both on the same sites; ``plot_crawler`` and ``summary_line`` show the
result. Real crawlers wait seconds between requests to one host (about ten times the last
fetch's duration, ibid. §20.2.3); the lab waits milliseconds so that it runs in seconds.
"""

from __future__ import annotations

import hashlib
import posixpath
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from pmtech.labs.figures import BLUE, ORANGE, PURPLE, SKY_BLUE, VERMILLION, new_figure
from pmtech.labs.loopback import LoopbackServer

AGENT = "pmtech-lab-crawler"
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
TRACKING_KEYS = frozenset({"ref", "fbclid", "gclid"})  # with utm_*: never change the page

_WORDS = (  # noqa: SIM905 - a word list reads better as text
    "steel kettle linen lamp oak desk wool throw ceramic mug bamboo tray glass jar cotton "
    "towel copper pan walnut shelf leather bag canvas tote marble board brass hook rattan "
    "chair velvet cushion slate coaster cedar box enamel pot porcelain bowl felt rug"
).split()
_COLOURS = "red blue green grey black white amber navy olive ivory sand rust".split()  # noqa: SIM905
_CATEGORIES = ("kitchen", "living", "office", "bath", "garden", "travel")
_LINK_STYLES = (  # how a page's links spell another page: all the same page
    "{}",
    "{}/",
    "{}?utm_source=newsletter",
    "{}?utm_source=feed&utm_medium=rss",
    "{}#reviews",
    "{}?ref=related",
)
_CALENDAR = re.compile(r"^/calendar/(\d{4})/(\d{2})$")


# --- the generated sites ---------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One line of a site's own access log."""

    host: int  # which site (0, 1, ...)
    at: float  # time.monotonic() when the request arrived
    path: str  # as requested, with its query string
    kind: str  # robots, page, print, private, calendar or missing
    content: str | None  # what was served: the same id means the same bytes


def _page(title: str, text: str, links: Sequence[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>{text}</p><ul>{items}</ul></body></html>"
    ).encode()


class _Site:
    """One generated site: fixed pages in a dict, and the calendar computed on demand."""

    def __init__(self, host: int, articles: int, seed: int, peers: Sequence[str]):
        rng = random.Random(seed * 1_000 + host)  # seeded: the same site every run
        self.host = host
        self.pages: dict[str, tuple[str, str, bytes]] = {}  # path -> (kind, content id, body)
        slugs: list[str] = []
        while len(slugs) < articles:  # word slugs without digits, as many shops use
            slug = "-".join([rng.choice(_COLOURS), rng.choice(_WORDS), rng.choice(_WORDS)])
            if slug not in slugs:
                slugs.append(slug)
        by_category: dict[str, list[str]] = {c: [] for c in _CATEGORIES}
        for n, slug in enumerate(slugs):
            by_category[_CATEGORIES[n % len(_CATEGORIES)]].append(slug)
        others = [p for i, p in enumerate(peers) if i != host]
        for n, slug in enumerate(slugs):
            links = []
            for other in rng.sample(slugs, 4):
                if other != slug:
                    links.append((rng.choice(_LINK_STYLES).format(f"/p/{other}"), other))
            if others and rng.random() < 0.5:  # a link to another site, tracked
                links.append((f"{rng.choice(others)}/?utm_source=partner", "a partner shop"))
            if n % 10 == 0:
                links.append((f"/print/p/{slug}", "print this page"))
            if n % 8 == 0:
                links.append((f"/private/drafts/{slug}", "edit (staff only)"))
            text = " ".join(rng.choice(_WORDS) for _ in range(12))
            body = _page(slug.replace("-", " "), text, links)
            self.pages[f"/p/{slug}"] = ("page", f"{host}:{slug}", body)
            self.pages[f"/print/p/{slug}"] = ("print", f"{host}:{slug}", body)  # same bytes
            self.pages[f"/private/drafts/{slug}"] = (
                "private",
                f"{host}:draft:{slug}",
                _page(f"draft of {slug}", "internal notes", [("/", "home")]),
            )
        for category, members in by_category.items():
            links = [(f"/p/{s}", s) for s in members]
            self.pages[f"/c/{category}"] = (
                "page",
                f"{host}:c:{category}",
                _page(category, f"{len(members)} products", [*links, ("/", "home")]),
            )
        home = [(f"/c/{c}", c) for c in _CATEGORIES]
        home += [("/about", "about us"), ("/calendar/2026/01", "events")]
        self.pages["/"] = ("page", f"{host}:home", _page(f"shop {host}", "welcome", home))
        self.pages["/about"] = (
            "page",
            f"{host}:about",
            _page(f"about shop {host}", "since 1999", [("/", "home")]),
        )

    def distinct_content(self) -> set[str]:
        """Content ids a crawler should collect: every allowed page, no trap, no duplicate."""
        return {c for kind, c, _ in self.pages.values() if kind == "page"}

    def serve(self, raw_path: str) -> tuple[int, str, str | None, bytes, str]:
        """(status, kind, content id, body, content type) for a requested path."""
        path = urlsplit(raw_path).path  # the query never changes the page on these sites
        if path == "/robots.txt":
            return 200, "robots", None, ROBOTS_TXT.encode(), "text/plain"
        if path != "/":
            path = path.rstrip("/")
        if path in self.pages:
            kind, content, body = self.pages[path]
            return 200, kind, content, body, "text/html"
        match = _CALENDAR.match(path)
        if match and 1 <= int(match[2]) <= 12:
            year, month = int(match[1]), int(match[2])
            nxt = f"/calendar/{year + month // 12}/{month % 12 + 1:02d}"
            body = _page(
                f"shop {self.host} events {year}-{month:02d}",
                "no events yet",
                [(nxt, "next month"), (f"/calendar/{year + 1}/{month:02d}", "next year")],
            )
            return 200, "calendar", f"{self.host}:cal:{year}-{month}", body, "text/html"
        return 404, "missing", None, b"not found", "text/plain"


class _SiteHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # keep notebook output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        arrived = time.monotonic()
        site: _Site = self.server.site
        status, kind, content, body, ctype = site.serve(self.path)
        with self.server.lock:
            self.server.log.append(Request(site.host, arrived, self.path, kind, content))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_sites(hosts: int = 2, articles: int = 100, seed: int = 3) -> Iterator[list]:
    """Serve ``hosts`` generated sites, one loopback server (one host:port) each.

    Yields the servers; each has ``url``, ``server.site`` and ``server.log`` (its access
    log, a list of ``Request``). The servers stop when the block ends.
    """
    if hosts < 1 or articles < 10:
        raise ValueError("need at least one host and ten articles per site")
    servers = [LoopbackServer(_SiteHandler) for _ in range(hosts)]
    urls = [s.url for s in servers]
    for host, s in enumerate(servers):
        s.server.site = _Site(host, articles, seed, urls)
        s.server.log = []
        s.server.lock = threading.Lock()
    started = []
    try:
        for s in servers:
            started.append(s.start())
        yield servers
    finally:
        # Each stop waits up to half a second for its serving loop to notice; stop them at once.
        stopping = [threading.Thread(target=s.stop) for s in started]
        for t in stopping:
            t.start()
        for t in stopping:
            t.join()


# --- crawling ----------------------------------------------------------------------------


def normalise(url: str) -> str:
    """The one spelling of a URL that the seen-set stores.

    Lower-case scheme and host, no default port, dot segments resolved (RFC 3986 §6), no
    fragment (it never reaches the server), no trailing slash, tracking parameters dropped
    and the rest sorted. Dropping the trailing slash is a per-site bet: on these sites (and
    most) both forms serve the same page; where they differ, a crawler would miss one.
    """
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    path = posixpath.normpath(parts.path or "/")  # resolves . and .., drops a trailing /
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower().startswith("utm_") or k.lower() in TRACKING_KEYS)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def url_pattern(url: str) -> str:
    """The URL's host and path with every run of digits replaced by ``#``: the calendar's
    ``/calendar/2026/01`` and ``/calendar/2391/07`` share one pattern, one budget."""
    parts = urlsplit(url)
    return parts.netloc + re.sub(r"\d+", "#", parts.path)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def links_in(body: bytes, base: str) -> list[str]:
    """Absolute URLs of every ``<a href>`` in an HTML page, resolved against ``base``."""
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    return [urljoin(base, h) for h in parser.hrefs]


def _fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": AGENT})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(left)


@dataclass(frozen=True)
class CrawlStats:
    """What a crawler did, by its own count."""

    fetched: int  # page requests, robots.txt not counted
    url_duplicates: int  # distinct link spellings skipped: their normalised URL was seen
    content_duplicates: int  # pages fetched whose bytes were seen before (links not followed)
    robots_blocked: int  # URLs not fetched because robots.txt disallows them
    trap_cut: int  # URLs not queued: over the pattern budget or the depth limit
    seconds: float


def crawl_politely(
    seeds: Sequence[str],
    delay_ms: float = 10.0,
    pattern_budget: int = 12,
    max_depth: int = 20,
    max_pages: int = 5_000,
) -> CrawlStats:
    """Crawl from ``seeds`` the way a well-behaved crawler does, on real HTTP.

    The frontier holds one FIFO queue per host; the next fetch goes to the host whose
    politeness gap ends first, so other hosts are fetched while one waits. A host is asked
    again only ``delay_ms`` after its last response ended (measured from the end, so the
    server sees at least that gap however long the response took). Each host's robots.txt
    is the first request to it and follows the same gap; its rules are read with
    ``urllib.robotparser``, which applies the first matching rule where RFC 9309 asks for
    the longest match (the same answer here: one rule). A URL is queued once per
    normalised spelling, at most ``pattern_budget`` URLs per ``url_pattern`` and no deeper
    than ``max_depth`` links from a seed; a page whose SHA-256 was seen before is counted
    and its links are not followed.
    """
    if delay_ms < 0 or pattern_budget < 1 or max_depth < 0 or max_pages < 1:
        raise ValueError("need delay_ms >= 0, pattern_budget >= 1, max_depth >= 0, max_pages >= 1")
    queues: dict[str, deque[tuple[str, int]]] = {}
    next_ok: dict[str, float] = {}
    robots: dict[str, RobotFileParser] = {}
    spellings: set[str] = set()  # every raw link seen, to count each skipped spelling once
    seen: set[str] = set()  # normalised URLs ever queued
    hashes: set[str] = set()
    budget: Counter[str] = Counter()
    fetched = url_dupes = content_dupes = blocked = cut = 0

    def polite_fetch(host: str, url: str) -> tuple[int, bytes]:
        _sleep_until(next_ok.get(host, 0.0))
        status, body = _fetch(url)
        next_ok[host] = time.monotonic() + delay_ms / 1000
        return status, body

    def offer(url: str, depth: int) -> None:
        nonlocal url_dupes, cut
        if url in spellings:
            return
        spellings.add(url)
        clean = normalise(url)
        if clean in seen:
            url_dupes += 1
            return
        pattern = url_pattern(clean)
        if depth > max_depth or budget[pattern] >= pattern_budget:
            cut += 1
            seen.add(clean)  # decided once: not counted again under another spelling
            return
        seen.add(clean)
        budget[pattern] += 1
        queues.setdefault(urlsplit(clean).netloc, deque()).append((clean, depth))

    start = time.monotonic()
    for seed in seeds:
        offer(seed, 0)
    while fetched < max_pages:
        waiting = [(next_ok.get(h, 0.0), h) for h, q in queues.items() if q]
        if not waiting:
            break
        host = min(waiting)[1]
        url, depth = queues[host].popleft()
        if host not in robots:
            rules = RobotFileParser()
            status, body = polite_fetch(host, f"{urlsplit(url).scheme}://{host}/robots.txt")
            if status >= 500:  # RFC 9309 §2.3.1.4: unreachable means disallow everything
                rules.disallow_all = True
            elif status < 400:  # 4xx means "no rules" (§2.3.1.3): the parser's default
                rules.parse(body.decode("utf-8", "replace").splitlines())
            robots[host] = rules
        if not robots[host].can_fetch(AGENT, url):
            blocked += 1
            continue
        status, body = polite_fetch(host, url)
        fetched += 1
        if status != 200:
            continue
        digest = hashlib.sha256(body).hexdigest()
        if digest in hashes:
            content_dupes += 1
            continue
        hashes.add(digest)
        for link in links_in(body, url):
            offer(link, depth + 1)
    return CrawlStats(fetched, url_dupes, content_dupes, blocked, cut, time.monotonic() - start)


def crawl_naively(seeds: Sequence[str], max_pages: int = 800) -> CrawlStats:
    """Breadth-first crawl with none of the safeguards: no politeness gap, no robots.txt,
    no normalisation, no content hash, no trap guard. It remembers exact link strings
    only (without even that it would loop for ever), and stops at ``max_pages``."""
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    queue = deque(seeds)
    seen = set(seeds)
    fetched = 0
    start = time.monotonic()
    while queue and fetched < max_pages:
        url = queue.popleft()
        status, body = _fetch(url)
        fetched += 1
        if status != 200:
            continue
        for link in links_in(body, url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return CrawlStats(fetched, 0, 0, 0, 0, time.monotonic() - start)


# --- the lab -----------------------------------------------------------------------------

# How the servers' logs sort each page request, in the figure's order.
KINDS = (
    "new content",
    "same page, another URL",
    "same bytes, another URL",
    "robots-disallowed",
    "calendar trap",
)


@dataclass(frozen=True)
class CrawlReport:
    """One crawler's run: its own counts and the sites' access logs of the run."""

    crawler: str
    stats: CrawlStats
    log: tuple[Request, ...]

    def breakdown(self) -> dict[str, int]:
        """Page requests as the servers saw them, by ``KINDS`` (robots.txt not counted)."""
        counts = dict.fromkeys(KINDS, 0)
        contents: set[str | None] = set()
        paths: set[tuple[int, str]] = set()
        for r in self.log:
            if r.kind in ("robots", "missing"):
                continue
            path = urlsplit(r.path).path.rstrip("/") or "/"
            if r.kind == "private":
                counts["robots-disallowed"] += 1
            elif r.kind == "calendar":
                counts["calendar trap"] += 1
            elif (r.host, path) in paths:
                counts["same page, another URL"] += 1
            elif r.content in contents:
                counts["same bytes, another URL"] += 1
            else:
                counts["new content"] += 1
            contents.add(r.content)
            paths.add((r.host, path))
        return counts

    @property
    def min_gap_ms(self) -> float:
        """The shortest time between two requests to one host, from the servers' logs."""
        gaps = []
        for host in {r.host for r in self.log}:
            times = sorted(r.at for r in self.log if r.host == host)
            gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
        return min(gaps, default=float("nan")) * 1000

    @property
    def per_host_rate(self) -> float:
        """Requests per second to the busiest host, from its first request to its last."""
        rates = []
        for host in {r.host for r in self.log}:
            times = sorted(r.at for r in self.log if r.host == host)
            if len(times) > 1:
                rates.append((len(times) - 1) / (times[-1] - times[0]))
        return max(rates, default=0.0)


@dataclass(frozen=True)
class CrawlerLab:
    """Both crawlers on the same generated sites."""

    hosts: int
    distinct_pages: int  # pages of real content on the sites (no trap, no copy, allowed)
    delay_ms: float
    pattern_budget: int
    polite: CrawlReport
    naive: CrawlReport


def run_crawler_lab(
    hosts: int = 2,
    articles: int = 100,
    delay_ms: float = 10.0,
    pattern_budget: int = 12,
    naive_cap: int = 800,
    seed: int = 3,
) -> CrawlerLab:
    """Serve the generated sites, crawl them politely, then naively (the logs emptied in
    between); return both runs with the servers' logs. Takes about three seconds.

    ``delay_ms`` is the politeness gap per host, scaled down from the real web's seconds
    so the lab runs fast; ``naive_cap`` is the naive crawler's page cap, without which it
    would never leave the calendar.
    """
    runs = {}
    with serve_sites(hosts, articles, seed) as servers:
        seeds = [s.url + "/" for s in servers]
        distinct = sum(len(s.server.site.distinct_content()) for s in servers)
        for name in ("polite", "naive"):
            for s in servers:
                with s.server.lock:
                    s.server.log.clear()
            if name == "polite":
                stats = crawl_politely(seeds, delay_ms, pattern_budget)
            else:
                stats = crawl_naively(seeds, naive_cap)
            log = sorted((r for s in servers for r in s.server.log), key=lambda r: r.at)
            runs[name] = CrawlReport(name, stats, tuple(log))
    return CrawlerLab(hosts, distinct, delay_ms, pattern_budget, runs["polite"], runs["naive"])


_STYLE = {  # kind -> (colour, hatch)
    "new content": (BLUE, ""),
    "same page, another URL": (ORANGE, "//"),
    "same bytes, another URL": (SKY_BLUE, ".."),
    "robots-disallowed": (VERMILLION, "xx"),
    "calendar trap": (PURPLE, "\\\\"),
}


def plot_crawler(result: CrawlerLab):
    """Each crawler's page requests as the sites logged them, stacked by kind, one bar per
    crawler, with its minimum gap between requests to a host. Returns a Figure."""
    fig, ax = new_figure()
    rows = [result.polite, result.naive]
    labels = [
        f"polite ({result.delay_ms:g} ms gap per host)\n"
        f"min gap seen {result.polite.min_gap_ms:.1f} ms\n"
        f"{result.polite.per_host_rate:.0f} requests/s per host",
        f"naive (capped at {result.naive.stats.fetched})\n"
        f"min gap seen {result.naive.min_gap_ms:.1f} ms\n"
        f"{result.naive.per_host_rate:.0f} requests/s per host",
    ]
    breakdowns = [r.breakdown() for r in rows]
    for kind in KINDS:
        colour, hatch = _STYLE[kind]
        counts = [b[kind] for b in breakdowns]
        lefts = [sum(b[k] for k in KINDS[: KINDS.index(kind)]) for b in breakdowns]
        ax.barh(
            range(len(rows)),
            counts,
            left=lefts,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            height=0.6,
            label=kind,
            gid=kind,
        )
    for row, b in enumerate(breakdowns):
        ax.text(sum(b.values()), row, f"  {sum(b.values())}", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), labels, fontsize=9)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlim(0, max(sum(b.values()) for b in breakdowns) * 1.12)
    ax.set_xlabel("page requests the sites logged (count)")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.95)
    ax.set_title(
        f"Crawling {result.hosts} sites with {result.distinct_pages} pages of real content",
        loc="left",
    )
    ax.grid(axis="x", alpha=0.3)
    return fig


def summary_line(result: CrawlerLab) -> str:
    """The two crawlers in one sentence: requests for the same real content, and the gap."""
    polite, naive = result.polite.breakdown(), result.naive.breakdown()
    wasted = sum(naive.values()) - naive["new content"]
    return (
        f"For the same {result.distinct_pages} pages of real content, the polite crawler made "
        f"{sum(polite.values())} page requests (never less than {result.polite.min_gap_ms:.1f} "
        f"ms apart on one host) and the naive one {sum(naive.values())}, {wasted} of them "
        f"copies, disallowed or trap pages."
    )
