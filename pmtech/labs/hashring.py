"""Where keys live when a node joins: modulo placement against a consistent-hash ring.

Modulo placement puts a key on node ``hash(key) % n``. Going from n to n + 1 nodes, a key
stays only if ``h % n == h % (n + 1)``, which holds for n of every n(n + 1) consecutive hash
values (by the Chinese remainder theorem), so a share n/(n + 1) of the keys moves: 10 -> 11
nodes moves about 91% of them. Every moved key is a cache miss or a copy across the network.

A consistent-hash ring (Karger et al. 1997, "Consistent Hashing and Random Trees") hashes the
nodes onto the same circle as the keys; a key belongs to the first node point clockwise from
it. A new node takes over only the arcs just before its own points, so only its fair share,
about 1/(n + 1) of the keys, moves, and every moved key moves to the new node. With one point
per node the arcs are uneven; Karger et al. give each node several points ("virtual nodes"),
as Amazon's Dynamo does (DeCandia et al. 2007), so each node's share evens out. This lab
measures both effects on generated keys.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from pmtech.labs.figures import BLUE, VERMILLION


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same on every machine and every run.

    Python's built-in ``hash()`` of a string is salted per process (PYTHONHASHSEED), so two
    servers, or two runs, would place the same key differently: useless for placement.
    """
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def generate_keys(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct user-id keys such as ``"user:48213907"``."""
    rng = random.Random(seed)  # seeded: the same keys every run
    return [f"user:{i}" for i in rng.sample(range(10**9), n)]


def node_names(n: int) -> list[str]:
    """The names of a pool of ``n`` nodes: ``node-0`` ... ``node-<n-1>``."""
    return [f"node-{i}" for i in range(n)]


class HashRing:
    """A consistent-hash ring: each node owns ``vnodes`` points on a 64-bit circle.

    Costs, with n nodes and v points per node: finding a key's node is a binary search,
    O(log(nv)); adding or removing a node inserts or deletes v points in a sorted array of
    nv, so O(v * nv) element moves (a balanced tree would make it O(v log(nv))).
    """

    def __init__(self, nodes: Sequence[str] = (), vnodes: int = 100):
        if vnodes < 1:
            raise ValueError("vnodes must be at least 1")
        self.vnodes = vnodes
        pairs = sorted((p, node) for node in nodes for p in self._points_of(node))
        self._points = [p for p, _ in pairs]  # sorted positions on the circle
        self._owners = [node for _, node in pairs]  # the node owning each position
        self._nodes = set(nodes)

    def _points_of(self, node: str) -> list[int]:
        return [stable_hash(f"{node}#vnode{i}") for i in range(self.vnodes)]

    @property
    def nodes(self) -> frozenset[str]:
        """The nodes currently on the ring."""
        return frozenset(self._nodes)

    def add(self, node: str) -> None:
        """Put ``node``'s points on the ring; only keys on the arcs before them change owner."""
        if node in self._nodes:
            raise ValueError(f"{node!r} is already on the ring")
        for p in self._points_of(node):
            at = bisect_right(self._points, p)
            self._points.insert(at, p)
            self._owners.insert(at, node)
        self._nodes.add(node)

    def remove(self, node: str) -> None:
        """Take ``node``'s points off the ring; its keys go to the next node clockwise."""
        if node not in self._nodes:
            raise ValueError(f"{node!r} is not on the ring")
        for p in self._points_of(node):
            at = bisect_left(self._points, p)
            while self._owners[at] != node:  # another node's point at the same position
                at += 1
            del self._points[at], self._owners[at]
        self._nodes.discard(node)

    def node_for_hash(self, h: int) -> str:
        """The owner of hash value ``h``: the first node point clockwise (wrapping around)."""
        if not self._points:
            raise LookupError("the ring has no nodes")
        return self._owners[bisect_right(self._points, h) % len(self._points)]

    def node_for(self, key: str) -> str:
        """The node that holds ``key``."""
        return self.node_for_hash(stable_hash(key))


def modulo_placement(keys: Sequence[str], nodes: int) -> list[int]:
    """The node index of each key under ``stable_hash(key) % nodes``."""
    return _modulo([stable_hash(k) for k in keys], nodes)


def ring_placement(keys: Sequence[str], nodes: int, vnodes: int = 100) -> list[str]:
    """The node of each key on a ring of ``nodes`` nodes with ``vnodes`` points each."""
    return _ring([stable_hash(k) for k in keys], nodes, vnodes)


def _modulo(hashes: Sequence[int], nodes: int) -> list[int]:
    return [h % nodes for h in hashes]


def _ring(hashes: Sequence[int], nodes: int, vnodes: int) -> list[str]:
    ring = HashRing(node_names(nodes), vnodes)
    return [ring.node_for_hash(h) for h in hashes]


def moved_fraction(before: Sequence[Hashable], after: Sequence[Hashable]) -> float:
    """The share of keys whose node differs between two placements of the same keys."""
    if len(before) != len(after) or not before:
        raise ValueError("give two non-empty placements of the same keys")
    return sum(a != b for a, b in zip(before, after, strict=True)) / len(before)


def load_spread(placement: Sequence[Hashable], nodes: int) -> float:
    """Keys on the busiest node divided by the mean keys per node (1.0 is perfectly even).

    The busiest node is the one that fills up or saturates first, so this ratio is how
    much capacity the whole pool must keep in reserve.
    """
    if nodes < 1 or not placement:
        raise ValueError("give at least one node and one key")
    return max(Counter(placement).values()) / (len(placement) / nodes)


@dataclass(frozen=True)
class HashRingResult:
    """Keys moved when one node joins, and load spread by virtual nodes, on one key set."""

    keys: int
    node_counts: tuple[int, ...]  # n: each step goes from n to n + 1 nodes
    modulo_moved: tuple[float, ...]  # share of keys moved at each step, modulo placement
    ring_moved: tuple[float, ...]  # the same on the ring
    ring_vnodes: int  # points per node on the ring used for ring_moved
    spread_nodes: int  # pool size for the load-spread measurement
    vnode_options: tuple[int, ...]
    spread: tuple[float, ...]  # max/mean keys per node at each vnode option
    moved_only_to_new_node: bool  # on the ring, did every moved key go to the new node?


def run_hashring(
    keys: int = 20_000,
    node_counts: Sequence[int] = tuple(range(1, 11)),
    ring_vnodes: int = 100,
    spread_nodes: int = 10,
    vnode_options: Sequence[int] = (1, 10, 100, 200),
    seed: int = 1,
) -> HashRingResult:
    """Place ``keys`` generated keys on n and on n + 1 nodes for each n in ``node_counts``,
    by modulo and on a ring, and measure the share that moves; then measure the load
    spread (max/mean) on ``spread_nodes`` nodes for each number of virtual nodes."""
    names = generate_keys(keys, seed)
    hashes = [stable_hash(k) for k in names]  # hash once, place many times
    counts = tuple(sorted(node_counts))
    if not counts or counts[0] < 1:
        raise ValueError("node counts must be at least 1")
    modulo_moved, ring_moved, only_to_new = [], [], True
    for n in counts:
        modulo_moved.append(moved_fraction(_modulo(hashes, n), _modulo(hashes, n + 1)))
        before, after = _ring(hashes, n, ring_vnodes), _ring(hashes, n + 1, ring_vnodes)
        ring_moved.append(moved_fraction(before, after))
        newcomer = f"node-{n}"
        only_to_new &= all(a == newcomer for b, a in zip(before, after, strict=True) if a != b)
    options = tuple(sorted(vnode_options))
    spread = tuple(load_spread(_ring(hashes, spread_nodes, v), spread_nodes) for v in options)
    return HashRingResult(
        keys,
        counts,
        tuple(modulo_moved),
        tuple(ring_moved),
        ring_vnodes,
        spread_nodes,
        options,
        spread,
        only_to_new,
    )


def plot_hashring(result: HashRingResult):
    """Left: share of keys moved when going from n to n + 1 nodes, measured for both schemes,
    with the expected n/(n + 1) and 1/(n + 1) dotted. Right: max/mean load against virtual
    nodes per server. Returns a Figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from pmtech.labs.figures import BLACK, SIZE

    fig = Figure(figsize=SIZE, layout="constrained")
    moves, spread = fig.subplots(1, 2, width_ratios=(3, 2))
    n = result.node_counts
    moves.plot(
        n,
        [m * 100 for m in result.modulo_moved],
        "-o",
        color=VERMILLION,
        markersize=4,
        label="modulo: hash % n",
        gid="modulo",
    )
    moves.plot(
        n,
        [m * 100 for m in result.ring_moved],
        "--s",
        color=BLUE,
        markersize=4,
        label=f"ring, {result.ring_vnodes} vnodes",
        gid="ring",
    )
    expected = dict(color=BLACK, linestyle=":", linewidth=1)
    moves.plot(n, [100 * k / (k + 1) for k in n], **expected, label="expected n/(n+1), 1/(n+1)")
    moves.plot(n, [100 / (k + 1) for k in n], **expected)
    moves.set_ylim(0, 100)
    moves.yaxis.set_major_formatter(PercentFormatter())
    moves.xaxis.get_major_locator().set_params(integer=True)
    moves.set_xlabel("nodes before one joins (n)")
    moves.set_ylabel(f"keys moved (% of {result.keys:,})")
    moves.set_title("Keys that move when a node joins", loc="left", fontsize=10)
    moves.legend(loc="center right", fontsize=8)
    moves.grid(alpha=0.3)

    x = range(len(result.vnode_options))
    bars = spread.bar(x, result.spread, color=BLUE, hatch="//", edgecolor="white", gid="spread")
    spread.bar_label(bars, fmt="%.2fx", fontsize=8)
    spread.axhline(1, color=BLACK, linestyle=":", linewidth=1)
    spread.set_xticks(list(x), [str(v) for v in result.vnode_options])
    spread.set_xlabel("virtual nodes per server")
    spread.set_ylabel("busiest node / mean (keys)")
    spread.set_ylim(0, max(result.spread) * 1.18)
    spread.set_title(f"Load spread, {result.spread_nodes} nodes", loc="left", fontsize=10)
    spread.grid(alpha=0.3, axis="y")
    return fig


def summary_line(result: HashRingResult) -> str:
    """The last step in one sentence: keys moved by each scheme, and the load spread at the
    fewest and the most virtual nodes."""
    n = result.node_counts[-1]
    return (
        f"Going from {n} to {n + 1} nodes moved {result.modulo_moved[-1]:.0%} of "
        f"{result.keys:,} keys with modulo placement but {result.ring_moved[-1]:.1%} on a "
        f"consistent-hash ring (ideal 1/{n + 1} = {1 / (n + 1):.1%}); the busiest of "
        f"{result.spread_nodes} nodes held {result.spread[0]:.2f}x the mean load with "
        f"{result.vnode_options[0]} virtual node each and {result.spread[-1]:.2f}x with "
        f"{result.vnode_options[-1]}."
    )
