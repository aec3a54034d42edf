"""Load-balancing policies on a pool of servers of unequal speed, in a discrete-event
simulation, and what each policy's data structure costs to pick, add and drain a server.

The pool: each server works through its requests one at a time, first come first served, at
its own speed, drawn at random (seeded) between half and twice a reference machine's, as
when old and new machine types share a pool.
Requests arrive at random (a Poisson process) at a set share of the pool's total capacity.
The balancer never knows the speeds; it sees only how many requests each server has in
flight (its open connections).

- round robin: the next server in turn. Blind to speed, so a slow server gets as much work as
  a fast one and its queue grows without limit once its share exceeds its speed.
- random: any server, uniformly. Blind the same way.
- least connections: the server with the fewest requests in flight, from a heap
  (O(log n) per pick) or a scan of all n (O(n)).
- power of two choices: two servers at random, the one with fewer in flight: O(1) per pick,
  and most of the benefit of least connections. In a large pool of equal servers at load
  l < 1, the share of servers with at least i requests falls from l**i with one random
  choice to l**(2**i - 1) with two (Mitzenmacher 2001, "The Power of Two Choices in
  Randomized Load Balancing"); placing n items once into n bins, the fullest bin drops from
  about log n / log log n to about log log n / log 2 (Azar et al. 1999, "Balanced
  Allocations").
- consistent hashing by client: the same client always reaches the same server (sticky
  sessions, local caches), via the ring of ``pmtech.labs.hashring``; blind to speed and load.

Draining a server means sending it no new requests while the ones in flight finish; every
structure here supports it, at the costs in ``COMPLEXITY``.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pmtech.labs.figures import BLUE, GREEN, ORANGE, PURPLE, SKY_BLUE, VERMILLION
from pmtech.labs.hashring import HashRing

POLICIES = ("round_robin", "random", "least_connections", "two_choices", "consistent_hash")

NAMES = {
    "round_robin": "round robin",
    "random": "random",
    "least_connections": "least connections (heap)",
    "least_connections_scan": "least connections (scan)",
    "two_choices": "power of two choices",
    "consistent_hash": "consistent hash by client",
}

# Cost per operation with n servers (v ring points per server), for the structures below.
COMPLEXITY = {
    "round_robin": {"pick": "O(1)", "add": "O(1)", "drain": "O(1)"},
    "random": {"pick": "O(1)", "add": "O(1)", "drain": "O(1)"},
    "least_connections": {"pick": "O(log n)", "add": "O(log n)", "drain": "O(1), lazy"},
    "least_connections_scan": {"pick": "O(n)", "add": "O(1)", "drain": "O(1)"},
    "two_choices": {"pick": "O(1)", "add": "O(1)", "drain": "O(1)"},
    "consistent_hash": {"pick": "O(log nv)", "add": "O(v * nv)", "drain": "O(v * nv)"},
}


class Pool:
    """The servers that may receive new requests, and every server's requests in flight.

    ``add``, ``drain`` and ``pick`` are what a balancer does; ``started`` and ``finished``
    keep the in-flight counts. Subclasses choose the structure behind ``pick``. The member
    list supports O(1) add and drain: a drained server is swapped with the last one and
    popped, so no list is shifted.
    """

    def __init__(self, servers: Sequence[int] = (), seed: int = 1):
        self.rng = random.Random(seed)  # seeded: the same picks every run
        self.in_flight: dict[int, int] = {}
        self._members: list[int] = []
        self._index: dict[int, int] = {}
        for s in servers:
            self.add(s)

    def add(self, server: int) -> None:
        """Start sending new requests to ``server``."""
        if server in self._index:
            raise ValueError(f"server {server} is already in the pool")
        self._index[server] = len(self._members)
        self._members.append(server)
        self.in_flight.setdefault(server, 0)

    def drain(self, server: int) -> None:
        """Stop sending new requests to ``server``; those in flight still finish."""
        if server not in self._index:
            raise ValueError(f"server {server} is not taking requests")
        at = self._index.pop(server)
        last = self._members.pop()
        if last != server:
            self._members[at] = last
            self._index[last] = at

    @property
    def members(self) -> list[int]:
        """The servers that accept new requests, in no particular order."""
        return list(self._members)

    def pick(self, client: int) -> int:
        """The server for the next request of ``client``."""
        raise NotImplementedError

    def started(self, server: int) -> None:
        """Record a request sent to ``server``."""
        self.in_flight[server] += 1

    def finished(self, server: int) -> None:
        """Record a request that ``server`` completed."""
        self.in_flight[server] -= 1


class RoundRobin(Pool):
    """Each member in turn."""

    _turn = 0

    def pick(self, client: int) -> int:
        """The next member in turn (``client`` is ignored)."""
        self._turn = (self._turn + 1) % len(self._members)
        return self._members[self._turn]


class RandomChoice(Pool):
    """Any member, uniformly at random."""

    def pick(self, client: int) -> int:
        """A uniformly random member (``client`` is ignored)."""
        return self._members[self.rng.randrange(len(self._members))]


class TwoChoices(Pool):
    """Two distinct members at random; the one with fewer requests in flight."""

    def pick(self, client: int) -> int:
        """The less loaded of two random members (``client`` is ignored)."""
        if len(self._members) == 1:
            return self._members[0]
        a, b = self.rng.sample(self._members, 2)
        return a if self.in_flight[a] <= self.in_flight[b] else b


class LeastConnectionsScan(Pool):
    """The member with the fewest requests in flight, found by looking at every member."""

    def pick(self, client: int) -> int:
        """The least loaded member; O(n) (``client`` is ignored)."""
        return min(self._members, key=self.in_flight.__getitem__)


class LeastConnections(Pool):
    """The member with the fewest requests in flight, from a binary heap.

    Each change of a count pushes a fresh (count, stamp, server) entry, O(log n); entries
    that no longer match their server's count, or whose server was drained, are dropped when
    they reach the top (lazy deletion), and the heap is rebuilt when stale entries pile up.
    The stamp breaks ties in favour of the server that changed least recently.
    """

    def __init__(self, servers: Sequence[int] = (), seed: int = 1):
        self._heap: list[tuple[int, int, int]] = []
        self._stamp = 0
        super().__init__(servers, seed)

    def _push(self, server: int) -> None:
        self._stamp += 1
        heapq.heappush(self._heap, (self.in_flight[server], self._stamp, server))
        if len(self._heap) > 4 * len(self._members) + 64:  # too many stale entries
            self._heap = [
                (self.in_flight[s], i, s) for i, s in enumerate(self._members, self._stamp)
            ]
            self._stamp += len(self._members)
            heapq.heapify(self._heap)

    def add(self, server: int) -> None:
        """Start sending new requests to ``server``; O(log n)."""
        super().add(server)
        self._push(server)

    def pick(self, client: int) -> int:
        """The least loaded member; O(log n) amortised (``client`` is ignored)."""
        heap = self._heap
        while True:
            count, _, server = heap[0]
            if server in self._index and count == self.in_flight[server]:
                return server
            heapq.heappop(heap)  # stale: drained, or its count has changed since

    def started(self, server: int) -> None:
        """Record a request sent to ``server``; O(log n)."""
        super().started(server)
        if server in self._index:
            self._push(server)

    def finished(self, server: int) -> None:
        """Record a request that ``server`` completed; O(log n)."""
        super().finished(server)
        if server in self._index:
            self._push(server)


class ConsistentHash(Pool):
    """Each client always goes to the same member: its key's owner on a hash ring."""

    def __init__(self, servers: Sequence[int] = (), seed: int = 1, vnodes: int = 100):
        super().__init__((), seed)
        for s in servers:
            Pool.add(self, s)
        # Built in one sort rather than one insertion at a time.
        self._ring = HashRing([f"server-{s}" for s in servers], vnodes)

    def add(self, server: int) -> None:
        """Put ``server``'s points on the ring; about 1/n of the clients move to it."""
        super().add(server)
        self._ring.add(f"server-{server}")

    def drain(self, server: int) -> None:
        """Take ``server``'s points off the ring; its clients move to the next server."""
        super().drain(server)
        self._ring.remove(f"server-{server}")

    def pick(self, client: int) -> int:
        """The ring owner of ``client``; O(log(n v))."""
        return int(self._ring.node_for(f"client-{client}").removeprefix("server-"))


POOLS: dict[str, Callable[..., Pool]] = {
    "round_robin": RoundRobin,
    "random": RandomChoice,
    "least_connections": LeastConnections,
    "least_connections_scan": LeastConnectionsScan,
    "two_choices": TwoChoices,
    "consistent_hash": ConsistentHash,
}


def make_pool(policy: str, servers: Sequence[int], seed: int = 1) -> Pool:
    """A pool of ``servers`` that picks by ``policy`` (a key of ``POOLS``)."""
    if policy not in POOLS:
        raise ValueError(f"policy must be one of {tuple(POOLS)}, got {policy!r}")
    return POOLS[policy](servers, seed)


def server_speeds(n: int = 10, low: float = 0.5, high: float = 2.0, seed: int = 1) -> list[float]:
    """Relative speeds of ``n`` servers, uniform between ``low`` and ``high``."""
    rng = random.Random(seed)  # seeded: the same pool every run
    return [rng.uniform(low, high) for _ in range(n)]


@dataclass(frozen=True)
class PolicyRun:
    """One policy's simulated run."""

    policy: str
    response_ms: tuple[float, ...]  # per request: queueing plus service
    max_queue: int  # most requests in flight at one server at any time
    served: tuple[int, ...]  # requests each server received


def simulate(
    policy: str,
    speeds: Sequence[float],
    requests: int = 10_000,
    load: float = 0.7,
    service_ms: float = 20.0,
    clients: int = 500,
    seed: int = 1,
) -> PolicyRun:
    """Send ``requests`` requests through ``policy`` to servers of the given ``speeds``.

    Arrivals are Poisson at ``load`` times the pool's total capacity; a request takes an
    exponential time with mean ``service_ms / speed`` on its server, which serves one at a
    time in arrival order. Completions wait in a heap ordered by time and are applied before
    each arrival, so the balancer sees the in-flight counts of that moment.
    """
    if not 0 < load < 1:
        raise ValueError("load is a share of capacity, between 0 and 1")
    servers = list(range(len(speeds)))
    pool = make_pool(policy, servers, seed)
    rng = random.Random(seed)  # seeded: every policy sees the same arrivals and work
    arrival_rate = load * sum(speeds) / service_ms  # requests per ms
    free_at = [0.0] * len(speeds)  # when each server finishes what it already has
    completions: list[tuple[float, int]] = []  # the event queue: (time, server)
    response, served, max_queue, t = [], [0] * len(speeds), 0, 0.0
    for _ in range(requests):
        t += rng.expovariate(arrival_rate)
        client = rng.randrange(clients)
        work = rng.expovariate(1.0)  # in units of the mean service time
        while completions and completions[0][0] <= t:
            pool.finished(heapq.heappop(completions)[1])
        server = pool.pick(client)
        pool.started(server)
        done = max(t, free_at[server]) + work * service_ms / speeds[server]
        free_at[server] = done
        heapq.heappush(completions, (done, server))
        response.append(done - t)
        served[server] += 1
        max_queue = max(max_queue, pool.in_flight[server])
    return PolicyRun(policy, tuple(response), max_queue, tuple(served))


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values``, nearest rank."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class PoolCosts:
    """Measured microseconds per operation for each structure at each pool size."""

    sizes: tuple[int, ...]
    pick_us: dict[str, tuple[float, ...]]  # pick plus the in-flight bookkeeping
    add_us: dict[str, tuple[float, ...]]
    drain_us: dict[str, tuple[float, ...]]


def _us_per_call(operation: Callable[[int], object], args: Sequence[int], repeats: int) -> float:
    """Microseconds per call of ``operation(a)`` for a in ``args``, best of ``repeats`` runs:
    the fastest run is the one least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for a in args:
            operation(a)
        best = min(best, time.perf_counter() - start)
    return best / len(args) * 1e6


def measure_costs(
    sizes: Sequence[int] = (10, 100, 1_000),
    structures: Sequence[str] = tuple(POOLS),
    picks: int = 2_000,
    changes: int = 4,
    repeats: int = 3,
) -> PoolCosts:
    """Time each structure on this machine, in a pool of each size that already carries some
    load: ``picks`` requests (pick, started, finished), and ``changes`` servers added then
    drained. Wall-clock times, best of ``repeats``; the growth with size is the point."""
    pick_us, add_us, drain_us = {}, {}, {}
    for name in structures:
        p, a, d = [], [], []
        for n in sizes:
            pool = make_pool(name, range(n))
            for i in range(3 * n):  # some load, so counts differ between servers
                pool.started(pool.pick(i))

            def request(i: int, pool: Pool = pool) -> None:
                server = pool.pick(i)
                pool.started(server)
                pool.finished(server)

            p.append(_us_per_call(request, range(picks), repeats))
            add = drain = float("inf")
            new = range(n, n + changes)
            for _ in range(repeats):  # add then drain the same servers, so n stays put
                add = min(add, _us_per_call(pool.add, new, 1))
                drain = min(drain, _us_per_call(pool.drain, new, 1))
            a.append(add)
            d.append(drain)
        pick_us[name], add_us[name], drain_us[name] = tuple(p), tuple(a), tuple(d)
    return PoolCosts(tuple(sizes), pick_us, add_us, drain_us)


@dataclass(frozen=True)
class LoadBalancerResult:
    """Response times and queues per policy on one simulated pool, and the measured cost of
    each structure."""

    speeds: tuple[float, ...]
    load: float
    service_ms: float
    requests: int
    policies: tuple[str, ...]
    p50_ms: dict[str, float]
    p99_ms: dict[str, float]
    max_queue: dict[str, int]
    served: dict[str, tuple[int, ...]]
    costs: PoolCosts


def run_loadbalancer(
    servers: int = 10,
    requests: int = 10_000,
    load: float = 0.7,
    policies: Sequence[str] = POLICIES,
    service_ms: float = 20.0,
    seed: int = 1,
    cost_sizes: Sequence[int] = (10, 100, 1_000),
) -> LoadBalancerResult:
    """Simulate every policy on the same pool and the same arrivals, then time every
    structure at ``cost_sizes`` servers (``measure_costs``)."""
    speeds = server_speeds(servers, seed=seed)
    runs = [simulate(p, speeds, requests, load, service_ms, seed=seed) for p in policies]
    return LoadBalancerResult(
        tuple(speeds),
        load,
        service_ms,
        requests,
        tuple(policies),
        {r.policy: percentile(r.response_ms, 50) for r in runs},
        {r.policy: percentile(r.response_ms, 99) for r in runs},
        {r.policy: r.max_queue for r in runs},
        {r.policy: r.served for r in runs},
        measure_costs(cost_sizes),
    )


_STYLES = {  # structure -> colour, line style, marker
    "round_robin": (VERMILLION, "-", "o"),
    "random": (ORANGE, "--", "s"),
    "least_connections": (BLUE, "-.", "^"),
    "least_connections_scan": (SKY_BLUE, ":", "v"),
    "two_choices": (GREEN, (0, (5, 1, 1, 1)), "D"),
    "consistent_hash": (PURPLE, (0, (1, 1)), "P"),
}


_SHORT = {
    "least_connections": "least conn., heap",
    "least_connections_scan": "least conn., scan",
    "two_choices": "two choices",
    "consistent_hash": "hash ring",
}


def plot_loadbalancer(result: LoadBalancerResult):
    """Left: p50 and p99 response time per policy (log scale), with each policy's longest
    queue. Right: measured cost per pick against pool size, per structure. Returns a
    Figure."""
    from matplotlib.figure import Figure

    from pmtech.labs.figures import BLACK, GREY, SIZE

    fig = Figure(figsize=SIZE, layout="constrained")
    latency, cost = fig.subplots(1, 2, width_ratios=(3, 2.2))
    y = list(range(len(result.policies)))
    p50 = [result.p50_ms[p] for p in result.policies]
    p99 = [result.p99_ms[p] for p in result.policies]
    h = 0.4
    latency.barh([v + h / 2 for v in y], p50, h, color=SKY_BLUE, hatch="..", label="p50", gid="p50")
    bars = latency.barh(
        [v - h / 2 for v in y], p99, h, color=BLUE, edgecolor=BLACK, label="p99", gid="p99"
    )
    latency.bar_label(
        bars,
        [
            f"{v:,.0f} ms, max queue {result.max_queue[p]:,}"
            for v, p in zip(p99, result.policies, strict=True)
        ],
        fontsize=7,
        padding=2,
    )
    latency.set_xscale("log")
    latency.set_xlim(min(p50) / 2, max(p99) * 40)  # room for the labels on a log axis
    latency.set_yticks(y, [NAMES[p].replace(" (heap)", "") for p in result.policies], fontsize=8)
    latency.invert_yaxis()
    speed_range = max(result.speeds) / min(result.speeds)
    latency.set_xlabel(
        f"response time (ms, log scale); {len(result.speeds)} servers, speeds "
        f"{speed_range:.1f}x apart, {result.load:.0%} load",
        fontsize=8,
    )
    latency.set_title("Response time: p99 solid, p50 dotted", loc="left", fontsize=10)
    latency.grid(alpha=0.3, axis="x")

    for name, values in result.costs.pick_us.items():
        colour, style, marker = _STYLES.get(name, (GREY, "-", "o"))
        cost.plot(
            result.costs.sizes,
            values,
            linestyle=style,
            marker=marker,
            color=colour,
            markersize=4,
            label=f"{_SHORT.get(name, NAMES[name])} {COMPLEXITY[name]['pick']}",
            gid=name,
        )
    cost.set_xscale("log")
    cost.set_yscale("log")
    every = [v for values in result.costs.pick_us.values() for v in values]
    cost.set_ylim(min(every) / 2, max(every) * 60)  # the legend sits above the lines
    cost.set_xlabel("servers in the pool (log)")
    cost.set_ylabel("µs per request (log)")
    cost.set_title("Measured cost per pick", loc="left", fontsize=10)
    cost.legend(fontsize=6, loc="upper left")
    cost.grid(alpha=0.3)
    return fig


def summary_line(result: LoadBalancerResult) -> str:
    """The p99 of the best and the worst policy, and of round robin, on the simulated pool."""
    best = min(result.policies, key=result.p99_ms.get)
    worst = max(result.policies, key=result.p99_ms.get)
    line = (
        f"On {len(result.speeds)} servers whose speeds differ up to "
        f"{max(result.speeds) / min(result.speeds):.1f}x, at {result.load:.0%} load, "
        f"{NAMES[best]} kept the p99 response time at {result.p99_ms[best]:,.0f} ms"
    )
    if "two_choices" in result.policies and best != "two_choices":
        line += f" and power of two choices at {result.p99_ms['two_choices']:,.0f} ms"
    return line + (
        f", against {result.p99_ms[worst]:,.0f} ms for {NAMES[worst]}, whose longest queue "
        f"held {result.max_queue[worst]:,} requests."
    )
