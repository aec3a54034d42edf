"""Architecture diagrams for the lessons, drawn by code so they stay correct and reviewable.

Each diagram is a set of boxes and labelled arrows, drawn with matplotlib in the course's
palette (:mod:`pmtech.labs.figures`), with a text alternative that says everything the
picture says (a screen reader, a terminal, a diff). In a notebook::

    from pmtech.diagrams import show_diagram
    show_diagram("cache-aside")

``draw(name)`` returns the Figure; ``ALT_TEXT[name]`` is its text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmtech.labs.figures import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
    png_bytes,
)

SIZE = (9.0, 3.8)  # inches: wide enough for a left-to-right path, short enough for a laptop


@dataclass(frozen=True)
class Box:
    """One component: its centre (in a 0-100 by 0-50 grid), its label and its colour."""

    key: str
    x: float
    y: float
    label: str
    colour: str = SKY_BLUE
    width: float = 15.0
    height: float = 7.0
    dashed: bool = False


@dataclass(frozen=True)
class Arrow:
    """A labelled connection from one box to another; dashed for background traffic."""

    start: str
    end: str
    label: str = ""
    dashed: bool = False
    both: bool = False  # a request and its reply
    bend: float = 0.0  # curvature, for two arrows between the same boxes


@dataclass(frozen=True)
class Diagram:
    """A whole picture: title, boxes, arrows, notes and its text alternative."""

    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    alt: str
    notes: tuple[tuple[float, float, str], ...] = ()


def _request_path() -> Diagram:
    boxes = (
        Box("browser", 6, 25, "Browser\nor app", ORANGE, 10),
        Box("dns", 6, 43, "DNS resolver", GREY, 12),
        Box("cdn", 30, 25, "CDN edge\n(near the user)", GREEN, 13),
        Box("lb", 53, 25, "Load\nbalancer", PURPLE, 10),
        Box("app1", 73, 39, "App server", SKY_BLUE, 11),
        Box("app2", 73, 25, "App server", SKY_BLUE, 11),
        Box("app3", 73, 11, "App server", SKY_BLUE, 11),
        Box("cache", 94, 34, "Cache", YELLOW, 10),
        Box("db", 94, 16, "Database", BLUE, 10),
    )
    arrows = (
        Arrow("browser", "dns", "1. name → IP address", both=True),
        Arrow("browser", "cdn", "2. HTTPS request", both=True),
        Arrow("cdn", "lb", "3. not cached:\nforward", both=True),
        Arrow("lb", "app1", "4. pick a\nhealthy server"),
        Arrow("lb", "app2"),
        Arrow("lb", "app3"),
        Arrow("app2", "cache", "5. read"),
        Arrow("app2", "db", "6. on a miss"),
    )
    alt = (
        "The path of one request. 1: the browser asks a DNS resolver to turn the site's name "
        "into an IP address. 2: it sends the HTTPS request to the nearest CDN edge, which "
        "answers at once if it holds a cached copy. 3: otherwise the CDN forwards the request "
        "to the load balancer in the data centre. 4: the load balancer picks one of three "
        "healthy app servers. 5 and 6: the app server reads from the cache, and from the "
        "database only when the cache misses. The reply travels back the same way."
    )
    return Diagram("The path of a request", boxes, arrows, alt)


def _load_balancer() -> Diagram:
    boxes = (
        Box("c1", 8, 40, "Client", ORANGE, 10),
        Box("c2", 8, 25, "Client", ORANGE, 10),
        Box("c3", 8, 10, "Client", ORANGE, 10),
        Box("lb", 40, 25, "Load balancer\n(round robin or\nleast connections)", PURPLE, 20, 11),
        Box("s1", 80, 40, "Server A: healthy", SKY_BLUE, 22),
        Box("s2", 80, 25, "Server B: healthy", SKY_BLUE, 22),
        Box("s3", 80, 10, "Server C: failing\n(out of rotation)", GREY, 22, 8, dashed=True),
    )
    arrows = (
        Arrow("c1", "lb"),
        Arrow("c2", "lb", "requests"),
        Arrow("c3", "lb"),
        Arrow("lb", "s1", "traffic"),
        Arrow("lb", "s2", "traffic"),
        Arrow("lb", "s3", "health check fails:\nno traffic", dashed=True),
    )
    alt = (
        "A load balancer in front of servers. Three clients send requests to one load "
        "balancer, which spreads them over the servers (round robin, or to the one with the "
        "fewest open connections). It checks each server's health every few seconds: servers "
        "A and B pass and get traffic; server C fails its health check, so it is taken out of "
        "rotation and gets no traffic until it passes again. Users never see server C's failure."
    )
    return Diagram("A load balancer in front of servers", boxes, arrows, alt)


def _primary_replicas() -> Diagram:
    boxes = (
        Box("app", 12, 24, "App servers", ORANGE, 13),
        Box("primary", 72, 43, "Primary\n(takes every write)", BLUE, 19, 8),
        Box("r1", 72, 24, "Read replica 1", SKY_BLUE, 16),
        Box("r2", 72, 5, "Read replica 2", SKY_BLUE, 16),
    )
    arrows = (
        Arrow("app", "primary", "writes, and reads that\nmust be up to date"),
        Arrow("primary", "r1", "replication to both\n(lag: ms to s)", dashed=True),
        Arrow("primary", "r2", "", dashed=True, bend=-0.9),
        Arrow("app", "r1", "reads"),
        Arrow("app", "r2", "reads"),
    )
    alt = (
        "A primary database and two read replicas. The app servers send every write to the "
        "primary. The primary copies each change to replica 1 and replica 2 in the background "
        "(replication), which takes from milliseconds to seconds: the replication lag. Ordinary "
        "reads are spread over the replicas, so more replicas serve more reads, but a read "
        "right after a write may miss it; reads that must see the latest write go to the primary."
    )
    return Diagram("A primary and its read replicas", boxes, arrows, alt)


def _cache_aside() -> Diagram:
    boxes = (
        Box("app", 12, 25, "App server", ORANGE, 13),
        Box("cache", 62, 41, "Cache (in memory)\nentries expire after TTL", YELLOW, 24, 8),
        Box("db", 62, 9, "Database (on disk)", BLUE, 20),
    )
    arrows = (
        Arrow("app", "cache", "1. get key: a hit\nanswers in ~1 ms", both=True, bend=-0.25),
        Arrow("app", "db", "2. on a miss: query\n(tens of ms)", both=True),
        Arrow("app", "cache", "3. store the result\nwith a TTL", bend=0.25),
    )
    alt = (
        "Cache-aside, the most common way to put a cache in front of a database. 1: the app "
        "server asks the in-memory cache for a key; a hit answers in about a millisecond. 2: on "
        "a miss the app queries the database on disk, which takes tens of milliseconds. 3: it "
        "stores the result in the cache with a time to live (TTL), so the next request for the "
        "same key is a hit until the entry expires. The share of hits is the hit ratio."
    )
    return Diagram("A cache in front of a database (cache-aside)", boxes, arrows, alt)


def _queue() -> Diagram:
    boxes = (
        Box("producer", 10, 30, "Checkout service\n(producer)", ORANGE, 16, 8),
        Box("queue", 42, 30, "Queue\n(messages wait here)", PURPLE, 18, 8),
        Box("w1", 78, 42, "Email worker", SKY_BLUE, 16),
        Box("w2", 78, 28, "Email worker", SKY_BLUE, 16),
        Box("dlq", 78, 9, "Dead-letter queue\n(for a human to look at)", VERMILLION, 24, 8),
    )
    arrows = (
        Arrow("producer", "queue", "1. publish\n'order placed'"),
        Arrow("queue", "w1", "2. deliver"),
        Arrow("queue", "w2", "2. deliver"),
        Arrow("w2", "queue", "3. fails: retry\nwith backoff", dashed=True, bend=-0.5),
        Arrow("queue", "dlq", "4. after N failed tries", dashed=True),
    )
    alt = (
        "A queue between two services. 1: the checkout service publishes an 'order placed' "
        "message to the queue and answers the user at once. 2: the queue delivers each message "
        "to one of two email workers, at least once. 3: when a worker fails, the message goes "
        "back and is retried later, waiting longer each time (backoff). 4: after a set number "
        "of failed tries the message moves to a dead-letter queue for a person to inspect, so "
        "one bad message cannot block the rest. Because of retries a message can arrive twice, "
        "so workers must be idempotent."
    )
    return Diagram("A queue between services", boxes, arrows, alt)


def _worked_design() -> Diagram:
    boxes = (
        Box("clients", 8, 25, "Clients\n(browsers, apps)", ORANGE, 14, 8),
        Box("lb", 28, 25, "Load\nbalancer", PURPLE, 11, 8),
        Box("api", 49, 25, "API servers\n(stateless)", SKY_BLUE, 15, 8),
        Box("idgen", 49, 44, "ID generator\n(unique short codes)", GREY, 19, 7),
        Box("cache", 76, 39, "Cache of hot links", YELLOW, 20),
        Box("kv", 76, 25, "Key-value store\ncode → long URL", BLUE, 20, 8),
        Box("queue", 62, 8, "Analytics queue", PURPLE, 16),
        Box("stats", 90, 8, "Click stats", GREEN, 13),
    )
    arrows = (
        Arrow("clients", "lb", "", both=True),
        Arrow("lb", "api", "", both=True),
        Arrow("api", "idgen", "new link:\nget a code"),
        Arrow("api", "cache", "redirect:\nlook up", both=True),
        Arrow("api", "kv", "miss / write", both=True),
        Arrow("api", "queue", "one event\nper click", dashed=True),
        Arrow("queue", "stats", "workers\ncount", dashed=True),
    )
    alt = (
        "The pieces of a worked design, a URL shortener. Clients reach stateless API servers "
        "through a load balancer. To create a link, an API server gets a unique short code from "
        "the ID generator and writes code → long URL to the key-value store. To follow a link, "
        "it looks the code up in a cache of hot links first and in the key-value store on a "
        "miss, then answers with a redirect. Each click also puts one event on an analytics "
        "queue; workers read the queue and update the click statistics, off the user's path."
    )
    return Diagram("The pieces of a worked design: a URL shortener", boxes, arrows, alt)


DIAGRAMS = {
    "request-path": _request_path,
    "load-balancer": _load_balancer,
    "primary-replicas": _primary_replicas,
    "cache-aside": _cache_aside,
    "queue": _queue,
    "worked-design": _worked_design,
}
ALT_TEXT = {name: build().alt for name, build in DIAGRAMS.items()}


def diagram(name: str) -> Diagram:
    """The diagram called ``name``; a KeyError lists the names there are."""
    try:
        return DIAGRAMS[name]()
    except KeyError:
        raise KeyError(f"no diagram {name!r}; there are: {', '.join(DIAGRAMS)}") from None


def _edge_point(box: Box, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre towards a point leaves the box."""
    dx, dy = towards[0] - box.x, towards[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    scale = min(
        (box.width / 2) / abs(dx) if dx else float("inf"),
        (box.height / 2) / abs(dy) if dy else float("inf"),
    )
    return box.x + dx * scale, box.y + dy * scale


def draw(name: str):
    """The diagram called ``name`` as a matplotlib Figure (no pyplot, no display needed)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    spec = diagram(name)
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-1, 101)
    low = min(b.y - b.height / 2 for b in spec.boxes)
    high = max(b.y + b.height / 2 for b in spec.boxes)
    ax.set_ylim(low - 3, high + 3)
    ax.set_axis_off()
    ax.set_title(spec.title, fontsize=12, loc="left")
    boxes = {b.key: b for b in spec.boxes}
    for b in spec.boxes:
        ax.add_patch(
            FancyBboxPatch(
                (b.x - b.width / 2, b.y - b.height / 2),
                b.width,
                b.height,
                boxstyle="round,pad=0.4,rounding_size=1.2",
                facecolor=b.colour,
                edgecolor=BLACK,
                linestyle="--" if b.dashed else "-",
                alpha=0.9,
                zorder=2,
            )
        )
        ax.text(b.x, b.y, b.label, ha="center", va="center", fontsize=8.5, zorder=3)
    for a in spec.arrows:
        start, end = boxes[a.start], boxes[a.end]
        p0 = _edge_point(start, (end.x, end.y))
        p1 = _edge_point(end, (start.x, start.y))
        ax.add_patch(
            FancyArrowPatch(
                p0,
                p1,
                arrowstyle="<|-|>" if a.both else "-|>",
                mutation_scale=11,
                linestyle="--" if a.dashed else "-",
                color=BLACK,
                linewidth=1.1,
                connectionstyle=f"arc3,rad={a.bend}",
                zorder=1,
            )
        )
        if a.label:
            # The middle of the curve matplotlib's arc3 draws (a quadratic Bezier).
            dx, dy = p1[0] - p0[0], p1[1] - p0[1]
            mx = (p0[0] + p1[0]) / 2 + a.bend * dy / 2
            my = (p0[1] + p1[1]) / 2 - a.bend * dx / 2
            # Beside the line, not on it: above a flat arrow, right of a steep one.
            flat = abs(p1[0] - p0[0]) * 0.5 >= abs(p1[1] - p0[1])
            ax.text(
                mx + (0 if flat else 1.2),
                my + (1.0 if flat else 0),
                a.label,
                ha="center" if flat else "left",
                va="bottom" if flat else "center",
                fontsize=7.5,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
            )
    return fig


def show_diagram(name: str) -> None:
    """Notebook helper: display the diagram with its text alternative, then print that text."""
    from IPython.display import Image, display

    alt = ALT_TEXT[name] if name in ALT_TEXT else diagram(name).alt
    display(Image(png_bytes(draw(name)), alt=alt))
    print(f"In words: {alt}")
