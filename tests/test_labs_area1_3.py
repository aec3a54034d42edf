"""The labs of areas 1 and 3: spec checker, critical path, rollout, spinner log, bandwidth,
page load. Each claim the notebooks make is asserted on real runs."""

from __future__ import annotations

import sqlite3

import pytest

from pmtech.labs.api import LocalAPI
from pmtech.labs.bandwidth import VideoService, levers, monthly_bill
from pmtech.labs.pageload import load_page, predicted_seconds
from pmtech.labs.plan import PlanError, schedule
from pmtech.labs.rollout import Guardrail, Stage, simulate
from pmtech.labs.spec import TEMPLATE, check_spec
from pmtech.labs.spinner import generate_log, last_step_of_stuck, stuck_rate_by

GOOD_SPEC = """# Saved cards at checkout

## User stories
- As a returning shopper, I want to pay with a saved card so that checkout takes one tap.

## Acceptance criteria
- Given a shopper with a saved card, when they open checkout, then the card is preselected.
- Given an expired saved card, when the shopper pays, then they are asked for another card.

## Empty states
A shopper with no saved card sees the card form and a "save this card" box, unticked.

## Error states
- Card declined: show the bank's reason and keep the basket.
- Payment provider timeout after 10 s: say the payment did not go through; no retry charge.

## Non-functional requirements
- Checkout page p75 load under 1 s on 4G.
- 99.95% of payment requests succeed (excluding declines).

## Analytics
- `saved_card_used`, `saved_card_added`, `saved_card_removed`: feed one-tap checkout share.

## Rollout
- 1% of shoppers for a day, then 10%, 50%, 100%, each after the guardrails hold.
- Kill switch: the `saved_cards` feature flag turns it off without a release.
"""


def test_a_complete_spec_passes_every_part():
    report = check_spec(GOOD_SPEC)
    assert report.missing == [], str(report)
    assert report.passed == 7


def test_the_bare_template_passes_nothing_and_each_part_says_what_to_add():
    report = check_spec(TEMPLATE)
    assert report.passed == 0
    by_part = {f.part: f.feedback for f in report.findings}
    assert "placeholders" in by_part["stories"]
    assert "numbers and units" in by_part["nfr"]
    assert "kill switch" in by_part["rollout"]


@pytest.mark.parametrize(
    ("remove", "part", "words"),
    [
        ("- Given an expired saved card,", "acceptance", "two testable criteria"),
        ("- Checkout page p75 load under 1 s on 4G.\n- 99.95% of payment", "nfr", "numbers"),
        ("- Kill switch: the `saved_cards` feature flag", "rollout", "kill switch"),
        ("## Empty states", "empty", "missing"),
    ],
)
def test_a_thin_part_is_named_with_its_feedback(remove, part, words):
    thin = GOOD_SPEC.replace(remove, "- Something vague" if remove.startswith("-") else "")
    report = check_spec(thin)
    finding = next(f for f in report.findings if f.part == part)
    assert not finding.ok and words in finding.feedback
    assert report.missing == [part] or part in report.missing


def test_spec_input_errors_are_clear():
    with pytest.raises(ValueError, match="empty"):
        check_spec("   ")
    with pytest.raises(TypeError, match="Markdown text"):
        check_spec(None)


PLAN = {
    "spec": (2, []),
    "api": (4, ["spec"]),
    "migration": (3, ["spec"]),
    "backfill": (5, ["migration"]),
    "web": (4, ["api"]),
    "ios": (6, ["api"]),
    "store-review": (2, ["ios"]),
    "security-review": (5, ["api", "backfill"]),
    "launch": (1, ["web", "store-review", "security-review"]),
}


def test_critical_path_and_slack_on_a_feature_plan():
    s = schedule(PLAN)
    assert s.days == 16
    assert s.critical_path == ("spec", "migration", "backfill", "security-review", "launch")
    assert s.long_pole in ("backfill", "security-review")
    assert s.slack["web"] == 5 and s.slack["ios"] == 1 and s.slack["backfill"] == 0
    assert all(s.slack[t] == 0 for t in s.critical_path)


def test_shortening_a_task_off_the_critical_path_does_not_move_the_date():
    faster = dict(PLAN, web=(1, ["api"]))
    assert schedule(faster).days == 16
    shorter_pole = dict(PLAN, backfill=(2, ["migration"]))
    assert schedule(shorter_pole).days < 16


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        ({}, "no tasks"),
        ({"a": (1, ["b"])}, "'b', which is not in the plan"),
        ({"a": (1, ["b"]), "b": (1, ["a"])}, "cycle: a -> b -> a"),
        ({"a": (-1, [])}, "days must be a number >= 0"),
        ({"a": (1, "b"), "b": (1, [])}, "dependencies must be a list"),
        ({"a": 3}, "give (days, [tasks it waits for])"),
    ],
)
def test_bad_plans_name_the_task_and_the_problem(plan, words):
    with pytest.raises(PlanError, match=r".*") as err:
        schedule(plan)
    assert words in str(err.value)


CANARY = [Stage(1, 60), Stage(10, 30), Stage(50, 30), Stage(100, 30)]


def test_a_canary_halts_a_bad_release_early_and_a_big_bang_hurts_more():
    guard = Guardrail(max_error_rate=0.01, min_requests=1_000)
    staged = simulate(CANARY, guard, new_error_rate=0.03, seed=2)
    big_bang = simulate([Stage(100, 120)], guard, new_error_rate=0.03, seed=2)
    assert staged.halted and staged.halted_at_percent <= 10
    assert big_bang.halted
    assert staged.failed_requests < big_bang.failed_requests


def test_a_healthy_release_reaches_everyone_and_a_twitchy_guardrail_halts_it():
    healthy = simulate(CANARY, Guardrail(0.01, 1_000), new_error_rate=0.005, seed=4)
    assert not healthy.halted and healthy.series[-1].percent == 100
    twitchy = simulate(CANARY, Guardrail(0.006, 20), new_error_rate=0.005, seed=4)
    assert twitchy.halted  # noise on a few requests looks like a regression


def test_rollout_plans_are_checked():
    with pytest.raises(ValueError, match="only widens"):
        simulate([Stage(10, 5), Stage(5, 5)], Guardrail(0.01), 0.01)
    with pytest.raises(ValueError, match="percent"):
        simulate([Stage(0, 5)], Guardrail(0.01), 0.01)
    with pytest.raises(ValueError, match="max_error_rate"):
        simulate([Stage(5, 5)], Guardrail(2), 0.01)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    conn = sqlite3.connect(generate_log(tmp_path_factory.mktemp("log") / "log.db"))
    yield conn
    conn.close()


def test_segmenting_finds_the_broken_app_version(log):
    worst = stuck_rate_by(log, "platform", "app_version")[0]
    assert worst.values == ("android", "5.2.0") and worst.rate > 0.2
    others = stuck_rate_by(log, "platform", "app_version")[1:]
    assert all(s.rate < 0.05 for s in others)


def test_the_last_step_tells_a_client_bug_from_a_network_problem(log):
    app = last_step_of_stuck(log, platform="android", app_version="5.2.0")
    assert max(app, key=app.get) == "feed_response_received 200"  # server answered, app hung
    net = last_step_of_stuck(log, region="BR", network="3g", platform="ios")
    assert max(net, key=net.get) == "feed_request_sent"  # the request never reached us
    worst_network = stuck_rate_by(log, "region", "network")[0]
    assert worst_network.values == ("BR", "3g")


def test_segment_arguments_are_checked(log):
    with pytest.raises(ValueError, match="segment by"):
        stuck_rate_by(log, "colour")
    with pytest.raises(ValueError, match="filter by"):
        last_step_of_stuck(log, colour="red")


def test_bandwidth_bill_and_what_each_lever_saves():
    service = VideoService()
    bill = monthly_bill(service)
    # 50 M hours x 5 Mbit/s x 0.45 GB per Mbit/s-hour = 112.5 M GB
    assert bill.delivered_gb == pytest.approx(112.5e6)
    assert bill.cdn == pytest.approx(112.5e6 * 0.02)
    options = levers(service, codec_saving=0.3)
    assert options["compression"].total == pytest.approx(bill.total * 0.7)
    assert options["caching"].origin == pytest.approx(bill.origin * 0.2)
    assert options["tiering"].storage < bill.storage and options["tiering"].cdn == bill.cdn
    with pytest.raises(ValueError, match="cache_hit_ratio"):
        VideoService(cache_hit_ratio=1.5)


def test_parallel_calls_load_in_about_the_slowest_call_not_the_sum():
    calls = [120, 80, 200, 60]
    with LocalAPI(rate_limit=1_000) as api:
        paths = [f"/orders?limit=3&work_ms={ms}" for ms in calls]
        sequential = load_page(api, paths, parallel=False)
        parallel = load_page(api, paths, parallel=True)
    assert sequential >= predicted_seconds(calls, parallel=False)
    assert predicted_seconds(calls, parallel=True) <= parallel < 0.8 * sequential
    with pytest.raises(ValueError):
        load_page(api, [], parallel=True)
