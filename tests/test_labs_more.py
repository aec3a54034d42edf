"""The labs for the web, real time, cloud, system design and what-takes-long sections."""

from __future__ import annotations

import math
import sqlite3

import pytest

from pmtech.labs.backfill import backfill_tax, blocked_writer, copy_database, scratch_path
from pmtech.labs.coldstart import measure_cold_and_warm, percentile_with_cold_starts
from pmtech.labs.realtime import compare_delivery
from pmtech.labs.shop import build_shop
from pmtech.labs.sizing import measure_row_size
from pmtech.labs.web import KeepAliveServer, round_trips_before_first_byte


@pytest.fixture(scope="module")
def small_shop(tmp_path_factory):
    path = build_shop(tmp_path_factory.mktemp("shop") / "shop.db", customers=2_000, orders=30_000)
    conn = sqlite3.connect(path, check_same_thread=False)
    yield conn
    conn.close()


def test_keep_alive_uses_one_connection_and_fresh_uses_one_per_request():
    with KeepAliveServer() as server:
        reused = server.fetch(40, reuse=True)
        fresh = server.fetch(40, reuse=False)
    assert (reused.requests, reused.connections) == (40, 1)
    assert (fresh.requests, fresh.connections) == (40, 40)
    assert reused.ms_per_request > 0


def test_fetch_rejects_zero_requests():
    with KeepAliveServer() as server, pytest.raises(ValueError, match="at least 1"):
        server.fetch(0, reuse=True)


def test_round_trips_count_dns_tcp_tls_and_request():
    assert round_trips_before_first_byte("1.2") == 5
    assert round_trips_before_first_byte("1.3") == 4
    assert round_trips_before_first_byte("1.3", dns_cached=True) == 3
    with pytest.raises(ValueError, match="tls must be one of"):
        round_trips_before_first_byte("1.1")


def test_long_polling_delivers_everything_at_once_and_polling_trades_delay_for_requests():
    reports = {r.style: r for r in compare_delivery(messages=5, duration_s=1.5, seed=2)}
    fast, slow, long = (
        reports["poll every 0.25 s"],
        reports["poll every 1 s"],
        reports["long polling"],
    )
    assert all(len(r.delays_ms) == 5 for r in (fast, slow, long))
    assert long.empty == 0 and long.requests <= 5
    assert fast.requests > slow.requests
    # a poller's wait is bounded by its interval (plus scheduling slack)
    assert fast.max_delay_ms < 250 + 150 and slow.max_delay_ms < 1000 + 150
    assert long.mean_delay_ms < fast.mean_delay_ms < slow.mean_delay_ms


def test_compare_delivery_rejects_nonsense():
    with pytest.raises(ValueError):
        compare_delivery(messages=0)
    with pytest.raises(ValueError):
        compare_delivery(intervals=(0,))


def test_a_cold_call_costs_many_warm_calls():
    timing = measure_cold_and_warm(cold_runs=2, warm_runs=20)
    assert timing.cold_ms > 10 * timing.warm_ms
    assert timing.ratio == pytest.approx(timing.cold_ms / timing.warm_ms)


def test_cold_starts_reach_the_percentile_once_they_exceed_its_tail():
    assert percentile_with_cold_starts(1, 500, 0.005, 99) == 1
    assert percentile_with_cold_starts(1, 500, 0.02, 99) == 500
    assert percentile_with_cold_starts(1, 500, 0.02, 95) == 1
    with pytest.raises(ValueError):
        percentile_with_cold_starts(1, 500, 2, 99)


def test_backfill_fills_every_row_correctly_in_the_expected_batches(small_shop):
    copy = copy_database(small_shop, scratch_path())
    run = backfill_tax(copy, batch_size=7_000)
    assert run.rows == 30_000 and run.batches == math.ceil(30_000 / 7_000)
    wrong = copy.execute(
        "SELECT count(*) FROM orders WHERE total_with_tax_cents IS NULL"
        " OR total_with_tax_cents != CAST(round(total_cents * 1.2) AS INT)"
    ).fetchone()[0]
    assert wrong == 0
    assert backfill_tax(copy, batch_size=30_000).batches == 1  # a rerun is safe


def test_backfill_rejects_a_zero_batch(small_shop):
    with pytest.raises(ValueError, match="batch_size"):
        backfill_tax(copy_database(small_shop, scratch_path()), 0)


def test_one_long_transaction_times_out_a_writer_and_paused_batches_do_not(shop_100k):
    one = scratch_path()
    copy_database(shop_100k, one).close()
    _, failed = blocked_writer(one, batch_size=100_000, timeout_s=0.01)
    assert failed >= 1
    paused = scratch_path()
    copy_database(shop_100k, paused).close()
    placed, failed = blocked_writer(paused, batch_size=1_000, pause_s=0.003, timeout_s=0.2)
    assert failed == 0 and placed > 5


@pytest.fixture(scope="module")
def shop_100k(tmp_path_factory):
    conn = sqlite3.connect(build_shop(tmp_path_factory.mktemp("big") / "shop.db"))
    yield conn
    conn.close()


def test_row_size_is_measured_from_real_pages():
    size = measure_row_size(rows=5_000)
    assert size.rows == 5_000
    assert 60 < size.mean_url_chars < 120
    # a row holds a 7-char key, the URL and two integers, plus B-tree overhead
    assert size.mean_url_chars < size.table_bytes_per_row < 4 * size.mean_url_chars
    assert size.indexed_bytes_per_row > size.table_bytes_per_row
    with pytest.raises(ValueError):
        measure_row_size(rows=0)
