"""Do the lab components do what the lessons claim, for real?"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request

import pytest

from pmtech.labs.api import LocalAPI
from pmtech.labs.cache import hit_ratio, zipf_requests
from pmtech.labs.shop import build_shop, query_plan


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build_shop(tmp_path_factory.mktemp("shop") / "shop.db")


def test_shop_is_deterministic(shop, tmp_path):
    other = build_shop(tmp_path / "again.db")
    query = "SELECT count(*), sum(total_cents), max(ordered_at) FROM orders"
    a = sqlite3.connect(shop).execute(query).fetchone()
    b = sqlite3.connect(other).execute(query).fetchone()
    assert a == b and a[0] == 100_000


def test_index_turns_a_scan_into_a_search_and_is_much_faster(shop, tmp_path):
    conn = sqlite3.connect(build_shop(tmp_path / "idx.db"))
    sql = "SELECT sum(total_cents) FROM orders WHERE customer_id = ?"
    assert query_plan(conn, sql, (5,)).startswith("SCAN orders")

    def timed():
        start = time.perf_counter()
        for i in range(5_001, 5_041):  # ordinary customers (ids 1-100 are the heavy buyers)
            conn.execute(sql, (i,)).fetchone()
        return time.perf_counter() - start

    before = timed()
    conn.execute("CREATE INDEX orders_by_customer ON orders (customer_id)")
    assert "USING INDEX orders_by_customer" in query_plan(conn, sql, (5,))
    after = timed()
    assert before / after > 20  # measured ~1000x on a 2-core machine


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def test_api_paginates_with_cursors_and_returns_every_order_once():
    with LocalAPI(orders=250, rate_limit=1000) as api:
        seen, cursor = [], None
        while True:
            url = f"{api.url}/orders?limit=100" + (f"&cursor={cursor}" if cursor else "")
            status, _, body = get(url)
            assert status == 200
            seen += [o["id"] for o in body["data"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert seen == list(range(1, 251))


def test_api_rejects_bad_input():
    with LocalAPI() as api:
        assert get(f"{api.url}/orders?limit=500")[0] == 400
        assert get(f"{api.url}/orders?cursor=!!")[0] == 400
        assert get(f"{api.url}/nothing")[0] == 404


def test_api_returns_429_with_retry_after_past_its_limit():
    with LocalAPI(rate_limit=5, window_s=30) as api:
        codes = [get(f"{api.url}/orders", {"X-Client": "a"})[0] for _ in range(7)]
        status, headers, _ = get(f"{api.url}/orders", {"X-Client": "a"})
        other = get(f"{api.url}/orders", {"X-Client": "b"})[0]
    assert codes == [200] * 5 + [429] * 2
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert other == 200  # limits are per client


def test_api_etag_gives_304():
    with LocalAPI() as api:
        _, headers, _ = get(f"{api.url}/orders?limit=10")
        status, _, body = get(f"{api.url}/orders?limit=10", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body is None


def post(url, body, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_idempotency_key_stops_a_double_charge():
    with LocalAPI() as api:
        first = post(f"{api.url}/payments", {"amount_cents": 4000}, key="checkout-1")
        retry = post(f"{api.url}/payments", {"amount_cents": 4000}, key="checkout-1")
        assert first[0] == 201 and retry[0] == 200 and retry[1] == first[1]
        assert len(api.payments) == 1
        post(f"{api.url}/payments", {"amount_cents": 4000})
        post(f"{api.url}/payments", {"amount_cents": 4000})
        assert len(api.payments) == 3  # without a key, a retry charges again


def test_lru_beats_fifo_on_a_skewed_workload_and_grows_with_capacity():
    requests = zipf_requests(50_000, keys=5_000, seed=3)
    lru = [hit_ratio("lru", c, requests) for c in (50, 200, 800)]
    fifo = hit_ratio("fifo", 200, requests)
    assert lru == sorted(lru) and lru[0] < lru[-1]
    assert lru[1] > fifo
    assert 0 < fifo < 1


def test_cache_rejects_unknown_policy():
    with pytest.raises(ValueError, match="policy"):
        hit_ratio("random", 10, [1, 2])


def test_availability_formula_matches_simulation():
    from pmtech.labs.availability import availability, downtime_per_year_hours, simulate

    system = ("series", 0.99, ("parallel", 0.9, 0.9), 0.98)
    exact = 0.99 * (1 - 0.1 * 0.1) * 0.98
    assert abs(availability(system) - exact) < 1e-12
    assert abs(simulate(system, minutes=200_000, seed=4) - exact) < 0.003
    assert abs(downtime_per_year_hours(0.999) - 8.76) < 1e-9
    with pytest.raises(ValueError, match="series"):
        availability(("ring", 0.9))
    with pytest.raises(ValueError, match="fraction"):
        availability(1.5)


def test_at_least_once_delivery_duplicates_and_idempotent_consumer_absorbs():
    from pmtech.labs.queue import Broker, idempotent_consumer, naive_consumer, payments_db

    messages = [{"id": f"e-{i}", "account": "acme", "amount_cents": 100} for i in range(5)]
    results = {}
    for name, unique, consumer in (
        ("naive", False, naive_consumer),
        ("idempotent", True, idempotent_consumer),
    ):
        broker, db = Broker(), payments_db(unique)
        for m in messages:
            broker.publish(m)
        broker.run(consumer(db), lose_ack_for={"e-2"})
        assert broker.deliveries == 6  # e-2 was delivered twice
        results[name] = db.execute("SELECT count(*), sum(amount_cents) FROM payments").fetchone()
    assert results["naive"] == (6, 600)  # a double charge
    assert results["idempotent"] == (5, 500)


def test_scrypt_is_orders_of_magnitude_slower_than_sha256():
    from pmtech.labs.hashing import fast_hash, guesses_per_second, slow_hash

    salt = b"0123456789abcdef"
    assert fast_hash("pw", salt) != fast_hash("pw", b"another salt....")
    assert slow_hash("pw", salt) == slow_hash("pw", salt)
    rates = guesses_per_second()
    assert rates["sha256"] / rates["scrypt"] > 1_000


def test_list_membership_grows_with_n_and_set_does_not():
    from pmtech.labs.timing import membership_timings

    rows = membership_timings(sizes=(1_000, 100_000))
    (_, list_small, set_small), (_, list_big, set_big) = rows
    assert list_big / list_small > 20  # 100x more items, linear scan
    assert set_big / set_small < 10  # constant time, noise aside


def test_latency_ladder_rungs_are_ordered_like_the_published_ones():
    from pmtech.labs.ladder import measure_ladder

    ns = measure_ladder()
    assert ns["cache_reference"] < ns["memory_reference"] < ns["read_1mb_memory"]
    assert ns["loopback_round_trip"] > ns["memory_reference"]
    assert all(v > 0 for v in ns.values())
