"""The system-design labs: hash ring, quorums, rate limiters, load balancers."""

from __future__ import annotations

import random

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from pmtech.labs import hashring, loadbalancer, quorum, ratelimit  # noqa: E402


def patches(fig: Figure, gid: str) -> list:
    """Every bar drawn with ``gid``, across the figure's axes, in drawing order."""
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == gid]


def line(fig: Figure, gid: str):
    """The one line drawn with ``gid``."""
    (found,) = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == gid]
    return found


# --- hash ring ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ring_result():
    return hashring.run_hashring()


def test_modulo_moves_about_n_over_n_plus_1_of_keys_and_the_ring_about_1_over_n_plus_1(
    ring_result,
):
    """When a node joins, does modulo placement move about n/(n+1) of the keys and the ring
    about 1/(n+1)?"""
    r = ring_result
    for n, modulo, ring in zip(r.node_counts, r.modulo_moved, r.ring_moved, strict=True):
        assert modulo == pytest.approx(n / (n + 1), abs=0.02)
        assert ring == pytest.approx(1 / (n + 1), rel=0.3)
        assert modulo / ring == pytest.approx(n, rel=0.35)  # n times as many keys move


def test_on_the_ring_keys_only_move_to_the_new_node(ring_result):
    """Does every key that moves on the ring move to the node that joined, and does a
    leaving node hand its keys on without moving anyone else's?"""
    assert ring_result.moved_only_to_new_node
    keys = hashring.generate_keys(2_000, seed=5)
    ring = hashring.HashRing(hashring.node_names(6), vnodes=50)
    before = [ring.node_for(k) for k in keys]
    ring.remove("node-2")
    after = [ring.node_for(k) for k in keys]
    assert "node-2" not in after
    assert all(b == a for b, a in zip(before, after, strict=True) if b != "node-2")
    ring.add("node-2")
    assert [ring.node_for(k) for k in keys] == before


def test_more_virtual_nodes_lower_the_max_over_mean_load(ring_result):
    """Does the busiest node's load come down towards the mean as virtual nodes go up?"""
    spread = ring_result.spread
    assert ring_result.vnode_options == (1, 10, 100, 200)
    assert all(a > b for a, b in zip(spread, spread[1:], strict=False))
    assert spread[0] > 1.8 and spread[-1] < 1.2


def test_placement_uses_a_stable_hash_not_pythons_salted_one():
    """Is a key placed the same way in every process (Python's str hash() is salted)?"""
    assert hashring.stable_hash("user:1") == 15310966450534750738
    assert hashring.modulo_placement(["user:1"], 7) == [15310966450534750738 % 7]


def test_ring_and_spread_reject_bad_input():
    """Are impossible rings and placements refused with a clear error?"""
    with pytest.raises(ValueError, match="vnodes"):
        hashring.HashRing(["a"], vnodes=0)
    with pytest.raises(LookupError):
        hashring.HashRing().node_for("k")
    with pytest.raises(ValueError, match="already"):
        hashring.HashRing(["a"]).add("a")
    with pytest.raises(ValueError):
        hashring.moved_fraction([1, 2], [1])


def test_hashring_plot_shows_the_measured_numbers(ring_result):
    """Does the figure draw exactly the lab's numbers?"""
    fig = hashring.plot_hashring(ring_result)
    assert isinstance(fig, Figure)
    assert list(line(fig, "modulo").get_ydata()) == [m * 100 for m in ring_result.modulo_moved]
    assert list(line(fig, "ring").get_ydata()) == [m * 100 for m in ring_result.ring_moved]
    assert [p.get_height() for p in patches(fig, "spread")] == list(ring_result.spread)


def test_hashring_summary_line_states_the_moved_shares(ring_result):
    """Does the summary line carry the keys moved by each scheme at the last step?"""
    text = hashring.summary_line(ring_result)
    assert f"{ring_result.modulo_moved[-1]:.0%}" in text
    assert f"{ring_result.ring_moved[-1]:.1%}" in text
    assert f"{ring_result.spread[0]:.2f}x" in text


# --- quorums ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quorum_result():
    return quorum.run_quorum()


def test_r_plus_w_over_n_never_reads_stale_after_the_ack_and_3_1_1_does(quorum_result):
    """With no failures, is every read after the ack fresh when R + W > N, and are some
    stale when R + W <= N?"""
    r = quorum_result
    for n, rr, w in r.quorums:
        stale = r.stale[(n, rr, w)]
        if rr + w > n:
            assert max(stale) == 0
        else:
            assert stale[0] > 0.2
    assert r.stale[(3, 1, 1)][0] == pytest.approx(2 / 3, abs=0.03)
    assert r.stale[(3, 1, 1)] == tuple(sorted(r.stale[(3, 1, 1)], reverse=True))


def test_stale_reads_match_the_formula(quorum_result):
    """Does the simulation agree with the probability worked out by hand?"""
    r = quorum_result
    for q in r.quorums:
        for measured, expected in zip(r.stale[q], r.expected_stale[q], strict=True):
            assert measured == pytest.approx(expected, abs=0.03)


def test_write_ack_waits_for_the_wth_fastest_replica_and_read_for_the_rth(quorum_result):
    """Is the ack time the W-th order statistic of the replica delays, and the read time
    the R-th?"""
    r = quorum_result
    for n, rr, w in r.quorums:
        q = (n, rr, w)
        mean = r.mean_delay_ms
        assert r.write_ack_mean_ms[q] == pytest.approx(
            quorum.expected_kth_fastest_ms(w, n, mean), rel=0.06
        )
        assert r.read_mean_ms[q] == pytest.approx(
            quorum.expected_kth_fastest_ms(rr, n, mean), rel=0.06
        )
    assert r.write_ack_mean_ms[(3, 1, 3)] > 4 * r.write_ack_mean_ms[(3, 1, 1)]
    assert r.write_ack_p99_ms[(3, 1, 3)] > r.write_ack_mean_ms[(3, 1, 3)]


def test_quorum_rejects_impossible_settings():
    """Is R or W larger than N refused?"""
    with pytest.raises(ValueError, match="R, W"):
        quorum.simulate_quorum((3, 4, 1), [0.0])
    with pytest.raises(ValueError):
        quorum.expected_kth_fastest_ms(4, 3, 10)


def test_quorum_plot_shows_the_measured_numbers(quorum_result):
    """Does the figure draw exactly the lab's stale rates and latencies?"""
    r = quorum_result
    fig = quorum.plot_quorum(r)
    assert isinstance(fig, Figure)
    for q in r.quorums:
        assert list(line(fig, quorum.label(q)).get_ydata()) == [s * 100 for s in r.stale[q]]
    assert [p.get_width() for p in patches(fig, "write ack")] == [
        r.write_ack_mean_ms[q] for q in r.quorums
    ]
    assert [p.get_width() for p in patches(fig, "read")] == [r.read_mean_ms[q] for q in r.quorums]


def test_quorum_summary_line_states_the_stale_rate(quorum_result):
    """Does the summary line carry the stale share of N=3 R=1 W=1 and the zero of R + W > N?"""
    text = quorum.summary_line(quorum_result)
    assert f"{quorum_result.stale[(3, 1, 1)][0]:.0%}" in text
    assert f"0 of {quorum_result.trials:,}" in text


# --- rate limiters ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limit_result():
    return ratelimit.run_ratelimit()


def test_fixed_window_admits_more_than_the_limit_around_a_boundary(limit_result):
    """Does the fixed window let more than the limit through within one window length,
    across a boundary, while the sliding log never does?"""
    r = limit_result
    one_window = r.spans_ms.index(r.window_ms)
    assert r.max_in_span["fixed_window"][one_window] > r.limit
    assert r.max_in_span["sliding_log"][one_window] <= r.limit
    times = ratelimit.request_timeline()
    kept = ratelimit.admitted(ratelimit.FixedWindow(r.limit, r.window_ms), times)
    around = [t for t in kept if 1_800 <= t < 2_200]
    assert len(around) > 1.5 * r.limit


def test_token_bucket_never_exceeds_capacity_plus_rate_times_span(limit_result):
    """On the lab's timeline and on a flood, does the token bucket stay within
    capacity + rate x span for every span?"""
    r = limit_result
    for span, most in zip(r.spans_ms, r.max_in_span["token_bucket"], strict=True):
        assert most <= r.bucket_bound(span)
    rng = random.Random(3)  # seeded: the same flood every run
    flood = sorted(rng.uniform(0, 5_000) for _ in range(3_000))
    bucket = ratelimit.TokenBucket(capacity=10, rate_per_s=50)
    kept = ratelimit.admitted(bucket, flood)
    for span in (10, 50, 100, 200, 500, 1_000, 3_000):
        assert ratelimit.max_in_span(kept, span) <= 10 + 50 * span / 1_000 + 1e-9
    assert len(kept) > 0.9 * (10 + 50 * 5)  # and it does let the rate through


def test_every_limiter_rejects_part_of_the_bursts_and_counts_add_up(limit_result):
    """Does each limiter reject some requests, and do admitted plus rejected make the
    offered total?"""
    r = limit_result
    for algorithm in r.algorithms:
        assert 0 < r.rejected(algorithm) < r.offered
        assert sum(r.admitted_per_bin[algorithm]) == r.admitted[algorithm]
    assert sum(r.offered_per_bin) == r.offered
    assert r.rejected("sliding_log") > r.rejected("fixed_window")


def test_ratelimit_rejects_unknown_algorithm():
    """Is an unknown algorithm refused by name?"""
    with pytest.raises(ValueError, match="algorithm"):
        ratelimit.make_limiter("leaky", 10, 1_000)


def test_ratelimit_plot_shows_the_measured_numbers(limit_result):
    """Does each row draw exactly that limiter's admitted requests per bin?"""
    fig = ratelimit.plot_ratelimit(limit_result)
    assert isinstance(fig, Figure)
    for algorithm in limit_result.algorithms:
        heights = [p.get_height() for p in patches(fig, algorithm)]
        assert heights == list(limit_result.admitted_per_bin[algorithm])


def test_ratelimit_summary_line_states_the_burst(limit_result):
    """Does the summary line carry the fixed window's burst and the token bucket's bound?"""
    text = ratelimit.summary_line(limit_result)
    i = limit_result.spans_ms.index(200)
    assert f"let {limit_result.max_in_span['fixed_window'][i]} requests" in text
    assert f"= {limit_result.bucket_bound(200):g}" in text


# --- load balancers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lb_result():
    return loadbalancer.run_loadbalancer()


def test_two_choices_and_least_connections_beat_random_and_round_robin_on_p99(lb_result):
    """On servers of unequal speed, do the load-aware policies beat the blind ones on p99,
    and send fewer requests to the slowest server?"""
    p99 = lb_result.p99_ms
    for aware in ("least_connections", "two_choices"):
        for blind in ("random", "round_robin", "consistent_hash"):
            assert p99[aware] * 5 < p99[blind]
    assert lb_result.max_queue["least_connections"] < lb_result.max_queue["round_robin"]
    slowest = lb_result.speeds.index(min(lb_result.speeds))
    served = lb_result.served
    assert served["least_connections"][slowest] < served["round_robin"][slowest]


@pytest.mark.parametrize("policy", list(loadbalancer.POOLS))
def test_drain_stops_new_requests_and_lets_in_flight_finish(policy):
    """After a drain, does the server get no new requests while its in-flight ones still
    complete, and can it come back?"""
    pool = loadbalancer.make_pool(policy, range(5))
    for client in range(40):
        pool.started(pool.pick(client))
    busy = max(pool.in_flight, key=pool.in_flight.get)
    before = pool.in_flight[busy]
    pool.drain(busy)
    assert busy not in pool.members
    assert all(pool.pick(c) != busy for c in range(500))
    for _ in range(before):
        pool.finished(busy)
    assert pool.in_flight[busy] == 0
    pool.add(busy)
    assert any(pool.pick(c) == busy for c in range(500))
    with pytest.raises(ValueError):
        pool.drain(99)


def test_least_connections_heap_always_picks_a_least_loaded_server():
    """Does the heap's pick always have the smallest in-flight count, through churn?"""
    rng = random.Random(4)  # seeded: the same churn every run
    pool = loadbalancer.LeastConnections(range(8))
    running = []
    for step in range(3_000):
        if running and rng.random() < 0.45:
            pool.finished(running.pop(rng.randrange(len(running))))
        else:
            server = pool.pick(step)
            assert pool.in_flight[server] == min(pool.in_flight[s] for s in pool.members)
            pool.started(server)
            running.append(server)
        if step == 1_500:
            pool.drain(3)


def test_consistent_hash_is_sticky_by_client():
    """Does a client keep reaching the same server, and do most keep theirs when one joins?"""
    pool = loadbalancer.ConsistentHash(range(10))
    first = [pool.pick(c) for c in range(1_000)]
    assert [pool.pick(c) for c in range(1_000)] == first
    pool.add(10)
    moved = sum(pool.pick(c) != s for c, s in enumerate(first))
    assert 0 < moved < 200


def test_pick_costs_grow_as_their_structures_say(lb_result):
    """Does a linear scan cost more per pick than round robin in a big pool, and does
    adding a server to the ring cost far more than appending to a list?"""
    costs = lb_result.costs
    assert costs.pick_us["least_connections_scan"][-1] > 3 * costs.pick_us["round_robin"][-1]
    assert costs.add_us["consistent_hash"][-1] > 10 * costs.add_us["round_robin"][-1]
    for table in (costs.pick_us, costs.add_us, costs.drain_us):
        assert all(v > 0 for values in table.values() for v in values)


def test_loadbalancer_plot_shows_the_measured_numbers(lb_result):
    """Does the figure draw exactly the lab's p50, p99 and pick costs?"""
    r = lb_result
    fig = loadbalancer.plot_loadbalancer(r)
    assert isinstance(fig, Figure)
    assert [p.get_width() for p in patches(fig, "p99")] == [r.p99_ms[p] for p in r.policies]
    assert [p.get_width() for p in patches(fig, "p50")] == [r.p50_ms[p] for p in r.policies]
    for name, values in r.costs.pick_us.items():
        assert list(line(fig, name).get_ydata()) == list(values)


def test_loadbalancer_summary_line_states_the_p99s(lb_result):
    """Does the summary line carry the best and the worst p99?"""
    text = loadbalancer.summary_line(lb_result)
    p99 = lb_result.p99_ms
    assert f"{min(p99.values()):,.0f} ms" in text
    assert f"{max(p99.values()):,.0f} ms" in text
