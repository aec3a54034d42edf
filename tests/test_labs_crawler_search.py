"""The system-design labs: a crawler against generated sites, search at fan-out. Each claim
the lessons make is asserted on real runs (servers on 127.0.0.1, real timings)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import matplotlib
import pytest

from pmtech.labs import crawler, search
from pmtech.labs.crawler import crawl_politely, normalise, run_crawler_lab, url_pattern
from pmtech.labs.search import (
    InvertedIndex,
    ScatterGather,
    ShardDelays,
    ShardServer,
    brute_force_and,
    intersect,
    lru_hit_ratios,
    make_corpus,
    make_queries,
    make_vocabulary,
    merge_top_k,
    run_search_lab,
    shard_indexes,
    zipf_stream,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def crawl():
    return run_crawler_lab()


@pytest.fixture(scope="module")
def lab():
    return run_search_lab()


@pytest.fixture(scope="module")
def corpus():
    vocabulary = make_vocabulary()
    return make_corpus(20_000, vocabulary), make_queries(vocabulary)


def _pages(report):
    """The page requests (robots.txt left out) of a crawler's run, from the sites' logs."""
    return [r for r in report.log if r.kind != "robots"]


# --- the crawler --------------------------------------------------------------------------


def test_normalise_gives_one_spelling_per_page_and_keeps_queries_that_matter():
    """Do the spellings of one page normalise alike, and do meaningful parameters survive?"""
    base = "http://127.0.0.1:8000/p/oak-desk"
    spellings = [
        base,
        base + "/",
        base + "#reviews",
        base + "?utm_source=feed&utm_medium=rss",
        base + "/?ref=related",
        "HTTP://127.0.0.1:8000/p/x/../oak-desk",
    ]
    assert {normalise(u) for u in spellings} == {base}
    assert normalise("http://Shop.example:80/a/./b?page=2&utm_source=x") == (
        "http://shop.example/a/b?page=2"
    )
    assert normalise("http://shop.example/refunds?refund=1&b=2&a=1") == (
        "http://shop.example/refunds?a=1&b=2&refund=1"
    )
    assert url_pattern("http://h/calendar/2026/01") == url_pattern("http://h/calendar/2391/7")


def test_polite_crawler_never_asks_one_host_faster_than_its_delay(crawl):
    """Is every gap between two requests to one host, in that server's own log, at least the
    politeness delay, while the naive crawler's gaps are far shorter?"""
    for host in range(crawl.hosts):
        times = sorted(r.at for r in crawl.polite.log if r.host == host)
        assert len(times) > 50
        gaps_ms = [(b - a) * 1000 for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps_ms) >= crawl.delay_ms
    assert crawl.polite.min_gap_ms >= crawl.delay_ms
    assert crawl.polite.per_host_rate <= 1000 / crawl.delay_ms
    assert crawl.naive.min_gap_ms < crawl.delay_ms / 2


def test_polite_crawler_fetches_each_distinct_page_once_and_all_of_them(crawl):
    """Does the polite crawler request each page once (whatever the spelling), and collect
    every page of real content on the sites?"""
    pages = _pages(crawl.polite)
    by_path = Counter((r.host, urlsplit(r.path).path.rstrip("/") or "/") for r in pages)
    assert max(by_path.values()) == 1, by_path.most_common(3)
    assert all(urlsplit(r.path).query == "" for r in pages)  # tracking parameters dropped
    real = {r.content for r in pages if r.kind == "page"}
    assert len(real) == crawl.distinct_pages
    breakdown = crawl.polite.breakdown()
    assert breakdown["new content"] == crawl.distinct_pages
    assert breakdown["same page, another URL"] == 0
    assert crawl.polite.stats.url_duplicates > 100  # it met the other spellings, skipped them
    # The print views are the only copies it cannot tell apart before fetching them.
    prints = sum(r.kind == "print" for r in pages)
    assert crawl.polite.stats.content_duplicates == prints == breakdown["same bytes, another URL"]


def test_polite_crawler_reads_robots_first_and_never_fetches_a_disallowed_path(crawl):
    """Is robots.txt the first request to each host, and is nothing under /private/ asked?"""
    for host in range(crawl.hosts):
        first = min((r for r in crawl.polite.log if r.host == host), key=lambda r: r.at)
        assert first.path == "/robots.txt"
    assert not [r.path for r in crawl.polite.log if r.path.startswith("/private/")]
    assert crawl.polite.stats.robots_blocked > 0  # it met such links and held back


def test_polite_crawler_stops_in_the_calendar_trap_within_its_budget(crawl):
    """Does the endless calendar cost at most the pattern budget per host?"""
    calendar = Counter(r.host for r in crawl.polite.log if r.kind == "calendar")
    assert 0 < max(calendar.values()) <= crawl.pattern_budget
    assert crawl.polite.stats.trap_cut > 0


def test_naive_crawler_fetches_duplicates_disallowed_and_trap_pages(crawl):
    """Does the naive crawler spend most of its requests on copies, forbidden pages and the
    trap, for the same real content, until its cap stops it?"""
    naive = crawl.naive.breakdown()
    assert crawl.naive.stats.fetched == sum(naive.values()) == 800
    assert naive["new content"] == crawl.distinct_pages  # the same real content in the end
    assert naive["same page, another URL"] > crawl.distinct_pages
    assert naive["robots-disallowed"] > 0
    assert naive["calendar trap"] > crawl.pattern_budget * crawl.hosts
    assert sum(naive.values()) > 2.5 * sum(crawl.polite.breakdown().values())


def test_polite_crawler_rejects_nonsense():
    """Are impossible settings refused before any request is made?"""
    with pytest.raises(ValueError):
        crawl_politely(["http://127.0.0.1:1/"], delay_ms=-1)
    with pytest.raises(ValueError):
        crawl_politely(["http://127.0.0.1:1/"], pattern_budget=0)


def test_crawler_plot_and_summary_line_carry_the_numbers(crawl):
    """Does the figure draw the logged counts and the summary line state them?"""
    fig = crawler.plot_crawler(crawl)
    ax = fig.axes[0]
    drawn = Counter()
    for patch in ax.patches:
        drawn[(patch.get_gid(), round(patch.get_y() + patch.get_height() / 2))] += patch.get_width()
    for row, report in enumerate((crawl.polite, crawl.naive)):
        for kind, count in report.breakdown().items():
            assert drawn[(kind, row)] == count
    assert str(crawl.distinct_pages) in ax.get_title(loc="left")
    assert ax.get_xlabel() and "count" in ax.get_xlabel()
    assert tuple(fig.get_size_inches()) == (7.0, 3.5)
    line = crawler.summary_line(crawl)
    assert f"{crawl.distinct_pages} pages" in line
    assert f"naive one {crawl.naive.stats.fetched}" in line
    assert f"{crawl.polite.min_gap_ms:.1f} ms" in line


# --- search ---------------------------------------------------------------------------------


def test_intersect_walks_two_sorted_lists():
    """Does the merge-intersection find exactly the common ids, including at the ends?"""
    assert intersect([1, 3, 5, 9], [1, 2, 5, 9, 10]) == [1, 5, 9]
    assert intersect([], [1, 2]) == [] == intersect([4], [1, 2, 3])


def test_and_queries_equal_a_brute_force_scan(corpus):
    """Does the inverted index answer AND queries exactly as reading every document does?"""
    docs, queries = corpus
    index = InvertedIndex(enumerate(docs))
    multi = [q for q in queries if len(q.split()) >= 2][:5]
    single = [q for q in queries if len(q.split()) == 1][:2]
    checks = [*multi, *single, "steel black", "black steel black", "nosuchword oak", ""]
    answered = 0
    for q in checks:
        expected = brute_force_and(docs, q)
        assert index.and_query(q) == expected, q
        answered += bool(expected)
    assert answered >= 5  # the check is not vacuous: most queries match documents


def test_scatter_gather_over_real_shards_equals_one_index(corpus):
    """Do three shard servers, merged by the front, give the single index's top k exactly,
    and would shard-local idf statistics have broken that?"""
    docs, queries = corpus
    whole = InvertedIndex(enumerate(docs))
    parts = shard_indexes(whole, 3)
    assert sum(p.size for p in parts) == whole.size == len(docs)
    local = [InvertedIndex((d, docs[d]) for d in range(s, len(docs), 3)) for s in range(3)]
    calm = ShardDelays(base_ms=0, jitter_ms=0, slow_ms=0)
    servers = [ShardServer(s, ix, calm).start() for s, ix in enumerate(parts)]
    differs = 0
    try:
        with ScatterGather([s.url for s in servers]) as front:
            for n, q in enumerate([*queries[:20], "steel", "blue set"]):
                merged, shard_ms = front.search(q, 10, request=n)
                assert [tuple(r) for r in merged] == whole.top_k(q, 10), q
                assert len(shard_ms) == 3
                with_local = merge_top_k((p.top_k(q, 10) for p in local), 10)
                differs += [d for d, _ in with_local] != [d for d, _ in whole.top_k(q, 10)]
    finally:
        with ThreadPoolExecutor() as pool:  # each stop waits up to 0.5 s: stop them together
            list(pool.map(lambda s: s.stop(), servers))
    assert differs > 0


def test_slowness_design_is_one_request_in_n_per_shard():
    """Is each shard slow on exactly one request per block, at seeded places, and does the
    model give 1 - (1 - p)**n?"""
    delays = ShardDelays()
    for shard in range(4):
        slow = [n for n in range(600) if delays.delay_ms(shard, n) >= delays.slow_ms]
        assert len(slow) == 600 // delays.slow_one_in
    assert delays.delay_ms(2, 17) == ShardDelays().delay_ms(2, 17)
    assert delays.slow_share(1) == pytest.approx(0.005)
    assert delays.slow_share(8) == pytest.approx(0.0393, abs=1e-4)


def test_the_lab_merges_every_answer_like_one_index(lab):
    """Did every query of every fan-out run return the single index's top k?"""
    assert lab.same_as_one_index
    assert [r.shards for r in lab.runs] == [1, 2, 4, 8]
    assert all(len(r.latencies_ms) == 200 for r in lab.runs)


def test_p99_grows_with_the_fan_out_and_the_slowest_shard_sets_it(lab):
    """Is p99 with eight shards well above p99 with one, at least one slow shard's delay, and
    does every query take at least as long as its slowest shard?"""
    one, eight = lab.runs[0], lab.runs[-1]
    assert eight.p99_ms >= 1.2 * one.p99_ms
    assert eight.p99_ms >= lab.delays.slow_ms
    for run in lab.runs:
        assert all(
            total >= slowest
            for total, slowest in zip(run.latencies_ms, run.slowest_shard_ms, strict=True)
        )
    # The slow queries are the ones that met a slow shard, as the design says.
    assert sum(s >= lab.delays.slow_ms for s in eight.slowest_shard_ms) >= 3


def test_cache_hit_ratio_on_a_zipf_stream_beats_the_computed_bounds(lab):
    """Does the LRU result cache beat what it would get on uniform queries, and a lower bound
    computed from the stream itself, and stay under the compulsory-miss ceiling?"""
    cache = lab.cache
    population = make_queries(make_vocabulary(seed=7), seed=8)
    stream = zipf_stream(population, cache.requests, seed=9)
    keys = [" ".join(search.terms_of(q)) for q in stream]
    # A request repeating one of the previous `capacity` requests is a hit in LRU for sure:
    # at most capacity - 1 other distinct queries came in between.
    window_hits = sum(
        keys[i] in set(keys[max(0, i - cache.capacity + 1) : i]) for i in range(len(keys))
    )
    bound = window_hits / len(keys)
    assert cache.hit_ratio >= bound > cache.uniform_ratio
    assert cache.hit_ratio >= 5 * cache.uniform_ratio
    assert cache.hit_ratio <= cache.ceiling
    assert cache.hit_ratio == lru_hit_ratios(stream, [cache.capacity])[cache.capacity]
    assert cache.hit_p50_ms < cache.miss_p50_ms


def test_partition_costs_show_the_trade_offs(lab):
    """Does term partitioning touch fewer shards but ship more postings, and does a per-user
    index read about 1/users of what the shared index reads?"""
    cost = lab.partitioning
    assert 1 < cost.term_shards_touched < cost.doc_shards_touched == 8
    assert cost.term_entries_sent > cost.doc_entries_sent
    assert cost.hottest_df > lab.docs / 2
    ratio = cost.user_entries_read / cost.shared_entries_read
    assert 0.5 / cost.users < ratio < 2 / cost.users


def test_search_plot_and_summary_line_carry_the_numbers(lab):
    """Does the figure draw the measured p50, p99 and hit ratio, and the summary line state the
    p99s and the hit ratio?"""
    fig = search.plot_search(lab)
    left, right = fig.axes
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines()}
    assert list(lines["p99"].get_ydata()) == [r.p99_ms for r in lab.runs]
    assert list(lines["p50"].get_ydata()) == [r.p50_ms for r in lab.runs]
    assert list(lines["measured"].get_ydata()) == [lab.cache.hit_ratio * 100]
    assert "ms" in left.get_ylabel() and "%" in right.get_ylabel()
    assert tuple(fig.get_size_inches()) == (7.0, 3.5)
    line = search.summary_line(lab)
    assert f"{lab.runs[-1].p99_ms:.0f} ms" in line and f"{lab.runs[0].p99_ms:.0f} ms" in line
    assert f"{lab.cache.hit_ratio:.0%}" in line
