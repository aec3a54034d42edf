"""Search at fan-out: an inverted index split into shards, each a real HTTP server on
127.0.0.1, and a scatter-gather front that asks every shard and merges their answers.

The corpus is generated: short product descriptions whose words follow a Zipf-like law (the
r-th most common word appears in proportion to 1/r), as words in real text roughly do
(Manning, Raghavan & Schütze, "Introduction to Information Retrieval", 2008, §5.1.2).
The index maps each word to the sorted list of documents holding it (its postings); an AND
query intersects the lists, rarest first (ibid., ch. 1). Results are ranked by tf-idf
(ibid., §6.2): a document scores, for each query word, the times the word occurs in it
times log10(N / df), where N is the number of documents and df the number holding the
word, so rare words weigh more than common ones.

**Document partitioning** (what the lab serves): each shard indexes a slice of the
documents, so every query goes to every shard and the front waits for the slowest. If each
shard is slow on 1 request in 200, a query to n shards is slow with probability
1 - (199/200)**n: 0.5% for one shard, 3.9% for eight, 39% for a hundred. Dean & Barroso
("The Tail at Scale", CACM 56(2), 2013) show how fan-out amplifies rare slowness with the
same arithmetic for a fan-out of 100. The shards in the lab share this machine's cores, so
each shard's work is stood in for by a seeded delay (``ShardDelays``); on separate machines
a shard's own work would also shrink as 1/n.

**Term partitioning** is the other split (Manning et al., §20.3; Kleppmann, "Designing
Data-Intensive Applications", 2017, ch. 6, calls the two "local" and "global" indexes): each
shard holds the whole postings list of some words. A one-word query then touches one shard,
not all; but a multi-word AND query needs every word's list in one place, so whole postings
lists (thousands of entries for a common word) cross the network where document partitioning
sends back only k results per shard, and the shard holding a hot word serves every query
that uses it. ``partition_costs`` computes both on this corpus.

**A private index per user** (a mailbox search) is different again: each user queries only
their own documents, so the index is partitioned by user, a query goes to the one shard
holding that user, and it reads a postings list the size of one mailbox, not of the whole
corpus. There is no scatter-gather and no fan-out tail. A shared public index (a shop's
catalogue, the web) has no such key: every query must reach every document shard.

``run_search_lab`` measures all of it; ``plot_search`` and ``summary_line`` show the result.
"""

from __future__ import annotations

import heapq
import http.client
import json
import math
import queue
import random
import threading
import time
import zlib
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from itertools import accumulate
from urllib.parse import parse_qs, quote, urlparse

from pmtech.labs.figures import BLACK, BLUE, GREY, VERMILLION
from pmtech.labs.loopback import LoopbackServer, send_json

# The most common words of the generated descriptions; rarer ones are made-up syllables.
_HEAD = (  # noqa: SIM905 - a word list reads better as text
    "steel black white wooden glass set cotton small large blue grey red kitchen lamp mug "
    "table chair bag bottle light soft round green oak bamboo linen storage travel desk "
    "ceramic wool leather water coffee tea box shelf cushion throw rug towel bowl plate pan "
    "knife board jar tray basket mirror clock frame vase candle holder stand hook rack "
    "kettle cup glassware copper brass marble slate velvet canvas natural matte modern "
    "classic compact foldable portable washable eco recycled organic handmade premium"
).split()
_SYLLABLES = "ka lo mi nu pe ra si to vu ze bri dro fla gle kru plo sna tre".split()  # noqa: SIM905


def make_vocabulary(size: int = 5_000, seed: int = 7) -> list[str]:
    """``size`` distinct words, most common first: real product words, then made-up ones."""
    rng = random.Random(seed)  # seeded: the same vocabulary every run
    words = list(dict.fromkeys(_HEAD))[:size]
    known = set(words)
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        if word not in known:
            known.add(word)
            words.append(word)
    return words


def _zipf_weights(n: int, s: float) -> list[float]:
    return list(accumulate(1 / (r**s) for r in range(1, n + 1)))


def make_corpus(
    docs: int = 20_000, vocabulary: Sequence[str] | None = None, s: float = 1.0, seed: int = 7
) -> list[str]:
    """``docs`` short product descriptions (6-14 words each) drawn from ``vocabulary`` with
    Zipf-like word frequencies (exponent ``s``). Document ids are list positions."""
    words = list(vocabulary) if vocabulary is not None else make_vocabulary(seed=seed)
    rng = random.Random(seed)  # seeded: the same corpus every run
    cum = _zipf_weights(len(words), s)
    return [
        " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(6, 14))) for _ in range(docs)
    ]


def make_queries(
    vocabulary: Sequence[str], count: int = 2_000, skip: int = 5, s: float = 1.0, seed: int = 8
) -> list[str]:
    """``count`` distinct queries of one to three words, each word drawn with the corpus's
    Zipf weights but never one of the ``skip`` most common (they behave like stop words)."""
    rng = random.Random(seed)  # seeded: the same queries every run
    pool = list(vocabulary[skip:])
    cum = _zipf_weights(len(pool), s)
    found: dict[str, None] = {}
    while len(found) < count:
        n = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
        terms = sorted(set(rng.choices(pool, cum_weights=cum, k=n)))
        found[" ".join(terms)] = None
    return list(found)


def intersect(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """The ids in both sorted lists, by walking them side by side: len(a) + len(b) steps."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return out


def terms_of(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, in a fixed (sorted) order."""
    return sorted(set(query.lower().split()))


class InvertedIndex:
    """Word -> sorted list of document ids, with each word's count in each document.

    ``df`` and ``total`` are the collection statistics used for idf: by default this index's
    own, but a shard is given the whole corpus's so that its scores equal those of one index
    holding everything (Manning et al. §20.3: the global statistics are computed apart and
    sent to every shard). Otherwise a word rare on one shard would be scored higher there.
    """

    def __init__(
        self,
        docs: Iterable[tuple[int, str]],
        df: Mapping[str, int] | None = None,
        total: int | None = None,
    ):
        self.postings: dict[str, list[int]] = {}
        self.counts: dict[str, dict[int, int]] = {}
        size = 0
        for doc, text in sorted(docs):  # ids ascending, so every postings list is sorted
            size += 1
            for word, count in Counter(text.split()).items():
                self.postings.setdefault(word, []).append(doc)
                self.counts.setdefault(word, {})[doc] = count
        self.size = size
        self.df = df if df is not None else {w: len(p) for w, p in self.postings.items()}
        self.total = total if total is not None else size

    @property
    def entries(self) -> int:
        """Postings entries stored: one per (word, document) pair."""
        return sum(len(p) for p in self.postings.values())

    def and_query(self, query: str) -> list[int]:
        """Ids of the documents holding every word of ``query``, ascending.

        Intersects the shortest lists first, so each step's result is at most as long as
        the rarest list so far (Manning et al. §1.3).
        """
        lists = sorted((self.postings.get(t, []) for t in terms_of(query)), key=len)
        if not lists:
            return []
        result = lists[0]
        for other in lists[1:]:
            if not result:
                break
            result = intersect(result, other)
        return list(result)

    def idf(self, word: str) -> float:
        """log10(N / df): 0 for a word in every document, larger the rarer the word."""
        df = self.df.get(word, 0)
        return math.log10(self.total / df) if df else 0.0

    def top_k(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` best (doc id, tf-idf score) among the AND matches, best first; ties go to
        the lower id, so any split of the documents merges back to the same answer."""
        terms = terms_of(query)
        weights = [(t, self.idf(t)) for t in terms]
        scored = (
            (doc, sum(self.counts[t][doc] * w for t, w in weights)) for doc in self.and_query(query)
        )
        return heapq.nsmallest(k, scored, key=lambda r: (-r[1], r[0]))


def brute_force_and(corpus: Sequence[str], query: str) -> list[int]:
    """The AND query answered by reading every document: the slow, obviously right answer."""
    terms = terms_of(query)
    return [i for i, text in enumerate(corpus) if terms and set(terms) <= set(text.split())]


def merge_top_k(answers: Iterable[Sequence[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """Merge the shards' top-k lists into the overall top k (same order as ``top_k``)."""
    everything = (tuple(r) for answer in answers for r in answer)
    return heapq.nsmallest(k, everything, key=lambda r: (-r[1], r[0]))


# --- the shards as servers ---------------------------------------------------------------


@dataclass(frozen=True)
class ShardDelays:
    """Each shard's extra time per request: ``base_ms``, plus a random jitter (exponential,
    mean ``jitter_ms``), plus ``slow_ms`` on exactly one request in every ``slow_one_in``
    (at a random place in each block), like a garbage-collection pause or a busy disk.

    Every draw is seeded by (seed, shard, request number), so a run is repeatable whatever
    order the threads run in, and the slow requests of shard 3 are the same in every run.
    """

    base_ms: float = 0.5
    jitter_ms: float = 0.5
    slow_ms: float = 60.0
    slow_one_in: int = 200
    seed: int = 11

    def delay_ms(self, shard: int, request: int) -> float:
        """The extra time shard ``shard`` takes for its ``request``-th request."""
        block, place = divmod(request, self.slow_one_in)
        slow_place = random.Random(f"{self.seed}:{shard}:{block}").randrange(self.slow_one_in)
        rng = random.Random(f"{self.seed}:{shard}:{request}")
        jitter = rng.expovariate(1 / self.jitter_ms) if self.jitter_ms > 0 else 0.0
        return self.base_ms + jitter + (self.slow_ms if place == slow_place else 0.0)

    def slow_share(self, shards: int) -> float:
        """The share of queries that meet at least one slow shard: 1 - (1 - p) ** shards."""
        return 1 - (1 - 1 / self.slow_one_in) ** shards


class _ShardHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the front keeps its connections open
    disable_nagle_algorithm = True  # else small answers wait ~40 ms for a delayed ACK

    def log_message(self, *args) -> None:  # keep notebook output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        started = time.perf_counter()
        query = parse_qs(urlparse(self.path).query)
        try:
            text = query["q"][0]
            k = int(query.get("k", ["10"])[0])
            request = int(query.get("n", ["0"])[0])
        except (KeyError, ValueError):
            send_json(self, 400, {"error": "need q, and integers k and n"})
            return
        shard = self.server.shard
        time.sleep(self.server.delays.delay_ms(shard, request) / 1000)
        results = self.server.index.top_k(text, k)
        took = (time.perf_counter() - started) * 1000
        send_json(self, 200, {"shard": shard, "results": results, "server_ms": took})


class ShardServer(LoopbackServer):
    """One document shard: its index, answering ``GET /search?q=...&k=...&n=...`` with its top
    k as JSON, after the delay ``delays`` gives its shard number for request n."""

    def __init__(self, shard: int, index: InvertedIndex, delays: ShardDelays):
        super().__init__(_ShardHandler)
        self.server.shard = shard
        self.server.index = index
        self.server.delays = delays

    @property
    def index(self) -> InvertedIndex:
        """The index this shard serves; set it to serve another (between requests)."""
        return self.server.index

    @index.setter
    def index(self, value: InvertedIndex) -> None:
        self.server.index = value


def shard_indexes(index: InvertedIndex, shards: int) -> list[InvertedIndex]:
    """Split ``index`` round-robin by document id into ``shards`` indexes (shard s holds the
    documents whose id % shards == s), each scoring with the whole index's statistics."""
    if shards < 1:
        raise ValueError("need at least one shard")
    parts = [InvertedIndex((), index.df, index.total) for _ in range(shards)]
    for word, plist in index.postings.items():
        counts = index.counts[word]
        for doc in plist:  # ascending, so every shard's lists stay sorted
            part = parts[doc % shards]
            part.postings.setdefault(word, []).append(doc)
            part.counts.setdefault(word, {})[doc] = counts[doc]
    for s, part in enumerate(parts):
        part.size = len(range(s, index.size, shards))
    return parts


class ScatterGather:
    """The front: sends each query to every shard at once (one thread per shard, kept-alive
    connections) and merges their top k. Close it (or use ``with``) to free the threads."""

    def __init__(self, urls: Sequence[str]):
        if not urls:
            raise ValueError("need at least one shard")
        self.ports = [urlparse(u).port for u in urls]
        self._pools: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in urls]
        self._threads = ThreadPoolExecutor(max_workers=len(urls))

    def _ask(self, shard: int, path: str) -> dict:
        pool = self._pools[shard]
        try:
            conn = pool.get_nowait()
        except queue.Empty:
            conn = http.client.HTTPConnection("127.0.0.1", self.ports[shard], timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            conn.close()
            raise RuntimeError(f"shard {shard} answered {response.status}: {body}")
        pool.put(conn)
        return body

    def search(self, query: str, k: int = 10, request: int = 0) -> tuple[list, list[float]]:
        """(merged top k, each shard's own time in ms) for ``query``; ``request`` numbers
        the request for the shards' seeded delays."""
        path = f"/search?q={quote(query)}&k={k}&n={request}"
        answers = list(self._threads.map(lambda s: self._ask(s, path), range(len(self.ports))))
        merged = merge_top_k((a["results"] for a in answers), k)
        return merged, [a["server_ms"] for a in answers]

    def close(self) -> None:
        """Close the connections and stop the threads."""
        self._threads.shutdown()
        for pool in self._pools:
            while not pool.empty():
                pool.get_nowait().close()

    def __enter__(self) -> ScatterGather:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ResultCache:
    """An LRU cache of whole result lists, keyed by the query's words in a fixed order (so
    "oak desk" and "desk oak" share an entry), in front of any ``search(query, k)``."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.hits = self.misses = 0
        self._items: OrderedDict[tuple, list] = OrderedDict()

    def get(self, query: str, k: int, search) -> list:
        """The cached answer, or ``search(query, k)``'s, stored for next time."""
        key = (" ".join(terms_of(query)), k)
        if key in self._items:
            self.hits += 1
            self._items.move_to_end(key)
            return self._items[key]
        self.misses += 1
        answer = search(query, k)
        self._items[key] = answer
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return answer

    @property
    def hit_ratio(self) -> float:
        """Share of lookups answered from the cache."""
        return self.hits / (self.hits + self.misses) if self.hits + self.misses else 0.0


def zipf_stream(queries: Sequence[str], n: int, s: float = 1.0, seed: int = 9) -> list[str]:
    """``n`` queries drawn from ``queries`` with Zipf popularity (the i-th asked in proportion
    to 1/i**s): query logs are heavily skewed this way (Baeza-Yates et al., "The Impact of
    Caching on Search Engines", SIGIR 2007)."""
    rng = random.Random(seed)  # seeded: the same stream every run
    return rng.choices(list(queries), cum_weights=_zipf_weights(len(queries), s), k=n)


def lru_hit_ratios(stream: Sequence[str], capacities: Sequence[int]) -> dict[int, float]:
    """The hit ratio an LRU cache of each capacity gets on ``stream``, all in one pass.

    A request hits a cache of size C exactly when fewer than C other distinct queries were
    asked since its last time (its stack distance, Mattson et al., IBM Systems Journal 9(2),
    1970), so one pass gives every capacity.
    """
    stack: list[str] = []  # most recent first
    distances = []
    for item in (" ".join(terms_of(q)) for q in stream):
        if item in stack:
            d = stack.index(item)
            distances.append(d)
            stack.pop(d)
        else:
            distances.append(math.inf)
        stack.insert(0, item)
    n = len(stream) or 1
    return {c: sum(d < c for d in distances) / n for c in capacities}


# --- partitioning arithmetic --------------------------------------------------------------


@dataclass(frozen=True)
class PartitionCosts:
    """Per multi-word query, on average: what each way of splitting the index costs."""

    shards: int
    k: int
    doc_shards_touched: float  # always every shard
    doc_entries_sent: float  # at most k results per shard
    term_shards_touched: float  # the shards holding the query's words
    term_entries_sent: float  # postings entries moved to the shard that intersects them
    hottest_word: str  # the word in most documents: its shard serves every query using it
    hottest_df: int
    users: int
    shared_entries_read: float  # postings entries a query reads in the shared index
    user_entries_read: float  # ... in one user's own index (the corpus split among users)


def partition_costs(
    corpus: Sequence[str],
    queries: Sequence[str],
    shards: int = 8,
    k: int = 10,
    users: int = 100,
    seed: int = 12,
    index: InvertedIndex | None = None,
) -> PartitionCosts:
    """Compute, on this corpus and these queries (those of two or more words), what document
    and term partitioning cost, and what a per-user index reads against a shared one.

    Term partitioning puts each word on shard crc32(word) % shards; a query's lists are
    intersected on the shard whose lists are longest, so the others are sent there. For the
    per-user case the documents are split into ``users`` equal mailboxes and each query is
    asked by one seeded random user of their own mailbox. ``index``, if given, must be the
    index of ``corpus`` (it saves building it again).
    """
    index = index if index is not None else InvertedIndex(enumerate(corpus))
    multi = [terms_of(q) for q in queries if len(terms_of(q)) > 1]
    if not multi:
        raise ValueError("need at least one query of two or more words")
    rng = random.Random(seed)  # seeded: the same askers every run
    per_user = math.ceil(len(corpus) / users)
    touched = sent = shared = own = 0.0
    for terms in multi:
        by_shard: Counter[int] = Counter()
        for t in terms:
            by_shard[zlib.crc32(t.encode()) % shards] += len(index.postings.get(t, []))
        touched += len(by_shard)
        sent += sum(by_shard.values()) - max(by_shard.values())
        shared += sum(by_shard.values())
        lo = rng.randrange(users) * per_user
        for t in terms:
            plist = index.postings.get(t, [])
            own += bisect_left(plist, lo + per_user) - bisect_left(plist, lo)
    n = len(multi)
    hottest = max(index.postings, key=lambda w: len(index.postings[w]))
    return PartitionCosts(
        shards,
        k,
        float(shards),
        float(shards * k),
        touched / n,
        sent / n,
        hottest,
        len(index.postings[hottest]),
        users,
        shared / n,
        own / n,
    )


# --- the lab ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), interpolating between the two nearest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class FanOutRun:
    """Measured latencies of the same queries through the front with ``shards`` shards."""

    shards: int
    latencies_ms: tuple[float, ...]  # per query, as the front's caller saw it
    slowest_shard_ms: tuple[float, ...]  # per query, the slowest shard's own time

    @property
    def p50_ms(self) -> float:
        """Median query latency."""
        return percentile(self.latencies_ms, 50)

    @property
    def p99_ms(self) -> float:
        """99th-percentile query latency."""
        return percentile(self.latencies_ms, 99)

    @property
    def overhead_ms(self) -> float:
        """Median time the front adds beyond its slowest shard (network, threads, merge)."""
        return percentile(
            [a - b for a, b in zip(self.latencies_ms, self.slowest_shard_ms, strict=True)], 50
        )


@dataclass(frozen=True)
class CacheRun:
    """A Zipf stream of queries through an LRU result cache in front of the real shards."""

    shards: int
    capacity: int
    requests: int
    distinct: int  # distinct queries in the stream
    population: int  # queries the stream draws from
    hit_ratio: float
    hit_p50_ms: float
    miss_p50_ms: float
    curve: tuple[tuple[int, float], ...]  # (capacity, LRU hit ratio) on the same stream

    @property
    def uniform_ratio(self) -> float:
        """What the cache would get if every query were equally popular: capacity/population."""
        return min(1.0, self.capacity / self.population)

    @property
    def ceiling(self) -> float:
        """No cache can beat this: each distinct query misses at least its first time."""
        return 1 - self.distinct / self.requests


@dataclass(frozen=True)
class SearchLab:
    """Everything the search lab measured and computed."""

    docs: int
    vocabulary: int
    entries: int  # postings entries in one index of the whole corpus
    k: int
    delays: ShardDelays
    runs: tuple[FanOutRun, ...]
    same_as_one_index: bool  # every merged answer equalled the single index's
    cache: CacheRun
    partitioning: PartitionCosts


def _stop_all(servers: Sequence[ShardServer]) -> None:
    # Each stop waits up to half a second for its serving loop to notice; stop them at once.
    stopping = [threading.Thread(target=s.stop) for s in servers]
    for t in stopping:
        t.start()
    for t in stopping:
        t.join()


def run_search_lab(
    docs: int = 20_000,
    shard_counts: Sequence[int] = (1, 2, 4, 8),
    queries_per_run: int = 200,
    k: int = 10,
    delays: ShardDelays = ShardDelays(),  # noqa: B008 - frozen, so sharing it is safe
    cache_capacity: int = 100,
    cache_requests: int = 1_000,
    cache_shards: int = 2,
    seed: int = 7,
) -> SearchLab:
    """Build the corpus and its index, then serve it as 1, 2, 4 and 8 document shards and time
    the same ``queries_per_run`` queries through the scatter-gather front for each; then
    send a Zipf stream of ``cache_requests`` queries through an LRU result cache in front of
    ``cache_shards`` shards. Every merged answer is checked against the single index.
    Takes a few seconds.
    """
    if not shard_counts or min(shard_counts) < 1 or queries_per_run < 1:
        raise ValueError("need shard counts of at least 1 and at least one query per run")
    vocabulary = make_vocabulary(seed=seed)
    corpus = make_corpus(docs, vocabulary, seed=seed)
    whole = InvertedIndex(enumerate(corpus))
    population = make_queries(vocabulary, seed=seed + 1)
    measured = random.Random(seed).sample(population, queries_per_run)  # seeded
    expected = {q: whole.top_k(q, k) for q in measured}
    stream = zipf_stream(population, cache_requests, seed=seed + 2)
    cache = ResultCache(cache_capacity)
    hit_ms: list[float] = []
    miss_ms: list[float] = []
    same = True
    runs = []
    # One server per shard for the largest count; each run loads its split into the first n.
    servers = [ShardServer(s, whole, delays) for s in range(max(*shard_counts, cache_shards))]
    started: list[ShardServer] = []
    try:
        for s in servers:
            started.append(s.start())
        for n in shard_counts:
            for server, part in zip(servers, shard_indexes(whole, n), strict=False):
                server.index = part
            with ScatterGather([s.url for s in servers[:n]]) as front:
                front.search(measured[0], k, request=-1)  # opens the connections, not timed
                latencies, slowest = [], []
                for number, q in enumerate(measured):
                    start = time.perf_counter()
                    merged, shard_ms = front.search(q, k, request=number)
                    latencies.append((time.perf_counter() - start) * 1000)
                    slowest.append(max(shard_ms))
                    same = same and [tuple(r) for r in merged] == [tuple(r) for r in expected[q]]
            runs.append(FanOutRun(n, tuple(latencies), tuple(slowest)))

        for server, part in zip(servers, shard_indexes(whole, cache_shards), strict=False):
            server.index = part
        with ScatterGather([s.url for s in servers[:cache_shards]]) as front:
            for number, q in enumerate(stream):
                misses = cache.misses
                start = time.perf_counter()
                cache.get(q, k, lambda q_, k_, n=number: front.search(q_, k_, n)[0])
                took = (time.perf_counter() - start) * 1000
                (miss_ms if cache.misses > misses else hit_ms).append(took)
    finally:
        _stop_all(started)
    sizes = sorted({10, 30, 100, 300, 1_000, cache_capacity})
    cache_run = CacheRun(
        cache_shards,
        cache_capacity,
        len(stream),
        len({" ".join(terms_of(q)) for q in stream}),
        len(population),
        cache.hit_ratio,
        percentile(hit_ms, 50) if hit_ms else float("nan"),
        percentile(miss_ms, 50) if miss_ms else float("nan"),
        tuple(lru_hit_ratios(stream, sizes).items()),
    )
    return SearchLab(
        len(corpus),
        len(vocabulary),
        whole.entries,
        k,
        delays,
        tuple(runs),
        same,
        cache_run,
        partition_costs(corpus, population, shards=max(shard_counts), k=k, index=whole),
    )


def plot_search(result: SearchLab):
    """Two panels: p50 and p99 query latency against the number of shards (log axes), with
    the share of queries expected to meet a slow shard; and the LRU cache's hit ratio
    against its size on the Zipf stream, the measured run marked. Returns a Figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullFormatter, PercentFormatter

    fig = Figure(figsize=(7.0, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.25, 1))
    shards = [r.shards for r in result.runs]
    p50 = [r.p50_ms for r in result.runs]
    p99 = [r.p99_ms for r in result.runs]
    left.plot(shards, p99, color=VERMILLION, linestyle="--", marker="s", label="p99", gid="p99")
    left.plot(shards, p50, color=BLUE, linestyle="-", marker="o", label="p50 (median)", gid="p50")
    for n, v in zip(shards, p99, strict=True):
        left.annotate(
            f"{v:.0f}", (n, v), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=8
        )
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.xaxis.set_major_locator(FixedLocator(shards))
    shares = {r.shards: result.delays.slow_share(r.shards) for r in result.runs}
    left.xaxis.set_major_formatter(lambda v, _: f"{v:g}\n{shares.get(round(v), 0):.1%}")
    left.xaxis.set_minor_formatter(NullFormatter())
    left.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    left.set_ylim(min(p50) / 3, max(p99) * 2.5)
    left.set_xlabel("shards per query\n(below: share of queries that meet a slow shard)")
    left.set_ylabel("query latency (ms, log scale)")
    left.set_title(
        f"Fan-out: each shard is slow on\n1 request in {result.delays.slow_one_in}",
        loc="left",
        fontsize=9,
    )
    left.grid(alpha=0.3)
    left.legend(loc="upper left", fontsize=8)

    cache = result.cache
    sizes = [c for c, _ in cache.curve]
    right.plot(
        sizes,
        [r * 100 for _, r in cache.curve],
        color=BLUE,
        marker="o",
        label="LRU cache",
        gid="curve",
    )
    right.plot(
        sizes,
        [min(1, c / cache.population) * 100 for c in sizes],
        color=GREY,
        linestyle=":",
        marker="v",
        label="if queries were uniform",
        gid="uniform",
    )
    right.plot(
        [cache.capacity],
        [cache.hit_ratio * 100],
        linestyle="none",
        marker="*",
        markersize=13,
        color=BLACK,
        label=f"measured: {cache.hit_ratio:.0%}",
        gid="measured",
    )
    right.axhline(
        cache.ceiling * 100,
        color=BLACK,
        linestyle="--",
        linewidth=1,
        label=f"ceiling {cache.ceiling:.0%}: a first ask always misses",
        gid="ceiling",
    )
    right.set_xscale("log")
    right.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    right.yaxis.set_major_formatter(PercentFormatter())
    right.set_ylim(0, 100)
    right.set_xlabel("cache size (queries, log scale)")
    right.set_ylabel("hit ratio (% of requests)")
    right.set_title(
        f"Result cache, Zipf stream\n{cache.requests:,} requests, {cache.population:,} queries",
        loc="left",
        fontsize=9,
    )
    right.grid(alpha=0.3)
    right.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Search over {result.docs:,} documents, split into shards", fontsize=11)
    return fig


def summary_line(result: SearchLab) -> str:
    """The tail in one sentence: p99 with the most shards against one, and the cache."""
    one = min(result.runs, key=lambda r: r.shards)
    most = max(result.runs, key=lambda r: r.shards)
    return (
        f"With {most.shards} shards the p99 query took {most.p99_ms:.0f} ms against "
        f"{one.p99_ms:.0f} ms with {one.shards} ({most.p99_ms / one.p99_ms:.0f}x) while the "
        f"median moved from {one.p50_ms:.1f} to {most.p50_ms:.1f} ms: the slowest shard sets "
        f"the response time; a {result.cache.capacity}-query cache answered "
        f"{result.cache.hit_ratio:.0%} of a Zipf query stream."
    )
