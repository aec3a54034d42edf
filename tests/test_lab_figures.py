"""Do the labs' figures draw the numbers the labs measured, and say them in one line too?"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import matplotlib
import pytest

matplotlib.use("Agg")

from pmtech.labs import bandwidth, cache, ladder, pageload, plan, realtime, rollout, timing  # noqa: E402
from pmtech.labs.api import LocalAPI  # noqa: E402
from pmtech.labs.figures import png_bytes, show  # noqa: E402


def only_axes(fig):
    (ax,) = fig.axes
    return ax


def line(ax, gid):
    (found,) = [artist for artist in ax.get_lines() if artist.get_gid() == gid]
    return found


def assert_readable(fig):
    """About 7 inches wide, every axis labelled, a title, and it renders to a PNG."""
    width, height = fig.get_size_inches()
    assert 6 <= width <= 8 and 3 <= height <= 6
    for ax in fig.axes:
        assert ax.get_xlabel()
        assert ax.get_ylabel() or any(t.get_text() for t in ax.get_yticklabels())
    assert fig.axes[0].get_title(loc="left")
    assert png_bytes(fig).startswith(b"\x89PNG")


# --- the latency ladder -------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured():
    return ladder.measure_ladder()


def test_ladder_is_drawn_on_a_log_axis_fastest_first(measured):
    fig = ladder.plot_ladder(measured)
    ax = only_axes(fig)
    assert ax.get_xscale() == "log"
    assert "log" in ax.get_xlabel()
    dots = ax.get_lines()[0]
    assert list(dots.get_xdata()) == sorted(measured.values())
    fastest = min(measured, key=measured.get)
    top_label = ax.get_yticklabels()[0].get_text()
    assert top_label == ladder.RUNG_LABELS[fastest]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted: index 0 at the top
    assert_readable(fig)


def test_ladder_marks_each_published_figure_on_its_own_rung(measured):
    ax = only_axes(ladder.plot_ladder(measured))
    published = ax.get_lines()[1]
    rungs = sorted(measured, key=measured.get)
    expected = sorted(
        (rungs.index(r), ns) for r, ns in ladder.PUBLISHED_NS.items() if r in measured
    )
    assert sorted(zip(published.get_ydata(), published.get_xdata(), strict=True)) == expected


def test_ladder_summary_prices_a_durable_write_in_memory_reads(measured):
    ratio = measured["durable_write_4kb"] / measured["memory_reference"]
    line_ = ladder.summary_line(measured)
    assert f"{ratio:,.0f} main-memory reads" in line_
    assert ladder.human_time(measured["durable_write_4kb"]) in line_
    assert [ladder.human_time(v) for v in (2.7, 100, 17_306, 1.2e6, 3e9)] == [
        "2.7 ns",
        "100 ns",
        "17.3 µs",
        "1.2 ms",
        "3 s",
    ]


# --- cache hit ratio against cache size ---------------------------------------------------


@pytest.fixture(scope="module")
def workload():
    return cache.zipf_requests(10_000, keys=1_000, seed=3)


def test_hit_ratio_lines_are_the_measured_ratios(workload):
    sizes = (10, 25, 50, 100, 200)
    curve = cache.hit_ratio_curve(workload, sizes, keys=1_000)
    fig = cache.plot_hit_ratios(curve)
    ax = only_axes(fig)
    assert ax.get_xscale() == "log"
    for policy in ("lru", "fifo"):
        drawn = line(ax, policy)
        assert list(drawn.get_xdata()) == list(sizes)
        measured = [100 * cache.hit_ratio(policy, c, workload) for c in sizes]
        assert list(drawn.get_ydata()) == pytest.approx(measured)
    assert line(ax, "lru").get_linestyle() != line(ax, "fifo").get_linestyle()
    assert "%" in ax.get_ylabel()
    assert_readable(fig)


def test_hit_ratio_summary_names_the_smallest_cache_serving_half(workload):
    sizes = (200, 10, 100, 25, 50)  # any order
    curve = cache.hit_ratio_curve(workload, sizes, keys=1_000)
    lru = {c: cache.hit_ratio("lru", c, workload) for c in sorted(sizes)}
    size = min(c for c, r in lru.items() if r >= 0.5)
    fifo = cache.hit_ratio("fifo", size, workload)
    text = cache.summary_line(curve)
    assert f"a cache of {size:,} items ({size / 1_000:.0%} of the 1,000 keys)" in text
    assert f"serves {lru[size]:.0%} of requests; FIFO {fifo:.0%}" in text


def test_hit_ratio_summary_falls_back_to_the_largest_cache(workload):
    curve = cache.hit_ratio_curve(workload, (2, 5), keys=1_000)
    assert max(curve.ratios["lru"]) < 0.5
    assert "a cache of 5 items" in cache.summary_line(curve)
    with pytest.raises(ValueError):
        cache.hit_ratio_curve(workload, ())


# --- delivery delay: polling vs long polling ---------------------------------------------


@pytest.fixture(scope="module")
def reports():
    return realtime.compare_delivery(messages=4, duration_s=1.0, intervals=(0.2, 0.5), seed=2)


def test_each_client_row_holds_its_measured_delays(reports):
    fig = realtime.plot_delivery(reports)
    ax = only_axes(fig)
    assert ax.get_xscale() == "log"
    assert "ms" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    for row, report in enumerate(reports):
        drawn = line(ax, report.style)
        assert list(drawn.get_xdata()) == pytest.approx([max(d, 0.01) for d in report.delays_ms])
        assert set(drawn.get_ydata()) == {row}
        assert labels[row].startswith(report.style)
        assert f"{report.requests} requests, {report.empty} empty" in labels[row]
    markers = {line(ax, r.style).get_marker() for r in reports}
    assert len(markers) == len(reports)  # told apart without colour
    assert_readable(fig)


def test_delivery_summary_gives_worst_delays_and_requests(reports):
    text = realtime.summary_line(reports)
    long = next(r for r in reports if r.style == realtime.LONG_POLLING)
    slow = max((r for r in reports if r is not long), key=lambda r: r.max_delay_ms)
    assert slow.style == "poll every 0.5 s"
    assert f"long polling {realtime._ms(long.max_delay_ms)} ({long.requests} requests)" in text
    assert f"{slow.style} {realtime._ms(slow.max_delay_ms)} ({slow.requests} requests" in text


# --- page load distribution with its p75 ---------------------------------------------------

CALLS = [40, 20, 60]


@pytest.fixture(scope="module")
def visits():
    with LocalAPI(rate_limit=1_000) as api:
        return [
            pageload.measure_visits(api, CALLS, parallel, visits=12, round_trip_ms=30, at_once=12)
            for parallel in (False, True)
        ]


def test_visits_are_real_page_loads_with_their_own_round_trips(visits):
    sequential, parallel = visits
    assert sequential.round_trip_ms == parallel.round_trip_ms  # the same seeded visitors
    assert len(set(sequential.round_trip_ms)) > 1
    for load, trip in zip(sequential.load_s, sequential.round_trip_ms, strict=True):
        assert load >= (sum(CALLS) + len(CALLS) * trip) / 1000
    for load, trip in zip(parallel.load_s, parallel.round_trip_ms, strict=True):
        assert load >= (max(CALLS) + trip) / 1000
    assert parallel.p75 < sequential.p75


def test_p75_is_the_nearest_rank_percentile(visits):
    for run in visits:
        ordered = sorted(run.load_s)
        assert run.p75 == ordered[math.ceil(0.75 * len(ordered)) - 1]
        assert run.median == ordered[math.ceil(0.5 * len(ordered)) - 1]
        assert run.percentile(100) == ordered[-1]
        with pytest.raises(ValueError):
            run.percentile(0)


def test_p75_of_ten_visits_is_the_eighth_fastest():
    run = pageload.Visits(True, (0.9, 0.2, 1.0, 0.4, 0.1, 0.7, 0.5, 0.3, 0.8, 0.6), (0.0,) * 10)
    assert (run.p75, run.median, run.percentile(10)) == (0.8, 0.5, 0.1)
    assert run.style == "all at once"


def test_load_histogram_counts_every_visit_and_marks_each_p75(visits):
    fig = pageload.plot_load_times(visits)
    ax = only_axes(fig)
    assert "(s)" in ax.get_xlabel() and ax.get_ylabel() == "visits"
    bars = [p for p in ax.patches if p.get_height() > 0 or p.get_width() > 0]
    assert sum(p.get_height() for p in bars) == sum(len(v.load_s) for v in visits)
    for run in visits:
        marker = line(ax, f"p75 {run.style}")
        assert list(marker.get_xdata()) == [run.p75, run.p75]
        assert any(t.get_text() == f"p75 {run.p75:.2f} s" for t in ax.texts)
    styles = {line(ax, f"p75 {run.style}").get_linestyle() for run in visits}
    assert len(styles) == 2
    assert_readable(fig)


def test_load_summary_states_each_p75(visits):
    text = pageload.summary_line(visits)
    sequential, parallel = visits
    assert f"{sequential.p75:.2f} s one after another" in text
    assert f"{parallel.p75:.2f} s all at once" in text
    assert f"(all at once is {sequential.p75 / parallel.p75:.1f}x faster)" in text


def test_measure_visits_rejects_nonsense():
    with LocalAPI() as api:
        with pytest.raises(ValueError):
            pageload.measure_visits(api, CALLS, True, visits=0)
        with pytest.raises(ValueError):
            pageload.measure_visits(api, [], True)


# --- the critical path as a Gantt chart ----------------------------------------------------

PLAN = {
    "spec": (2, []),
    "api": (4, ["spec"]),
    "migration": (3, ["spec"]),
    "backfill": (5, ["migration"]),
    "web": (4, ["api"]),
    "security-review": (5, ["api", "backfill"]),
    "launch": (1, ["web", "security-review"]),
}


def test_gantt_bars_are_the_estimates_from_each_start():
    result = plan.schedule(PLAN)
    fig = plan.plot_schedule(result)
    ax = only_axes(fig)
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert set(bars) == set(PLAN)
    for task, (days, _) in PLAN.items():
        assert bars[task].get_width() == days
        assert bars[task].get_x() == result.start[task]
    assert ax.get_xlabel() == "days from the start"
    assert_readable(fig)


def test_gantt_marks_the_critical_path_by_hatch_and_bold_name():
    result = plan.schedule(PLAN)
    assert result.critical_path == ("spec", "migration", "backfill", "security-review", "launch")
    ax = only_axes(plan.plot_schedule(result))
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    hatched = {task for task, bar in bars.items() if bar.get_hatch()}
    assert hatched == set(result.critical_path)
    bold = {t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"}
    assert bold == set(result.critical_path)
    slack_outlines = [p for p in ax.patches if not p.get_gid() and p.get_linestyle() == ":"]
    assert sorted(p.get_width() for p in slack_outlines) == sorted(
        s for s in result.slack.values() if s > 0
    )
    assert any(list(ln.get_xdata()) == [16, 16] for ln in ax.get_lines())  # the finish day


def test_gantt_summary_gives_the_day_and_the_chain():
    result = plan.schedule(PLAN)
    text = plan.summary_line(result)
    assert text.startswith("Earliest launch: day 16, set by spec -> migration -> backfill")
    assert f"long pole: {result.long_pole}, 5 days" in text


# --- a rollout's guardrail metric over time ------------------------------------------------

GUARDRAIL = rollout.Guardrail(max_error_rate=0.01, min_requests=1_000)
STAGED = [
    rollout.Stage(1, 60),
    rollout.Stage(10, 30),
    rollout.Stage(50, 30),
    rollout.Stage(100, 30),
]


def stage_rates(series, stage_minutes, min_requests):
    """The guardrail's metric computed here from the raw minutes, independently of the lab."""
    rates, minute = [], 0
    for length in stage_minutes:
        requests = failures = 0
        for m in series[minute : minute + length]:
            requests += m.requests
            failures += m.failures
            rates.append(100 * failures / requests if requests >= min_requests else math.nan)
        minute += length
    return rates


def test_the_judged_line_is_the_stage_error_rate_the_guardrail_uses():
    result = rollout.simulate(STAGED, GUARDRAIL, new_error_rate=0.005)
    assert not result.halted
    ax = only_axes(rollout.plot_rollout(result))
    drawn = list(line(ax, "judged").get_ydata())
    expected = stage_rates(result.series, [s.minutes for s in STAGED], 1_000)
    assert drawn == pytest.approx(expected, nan_ok=True)
    assert all(math.isnan(v) for v in drawn[:49])  # 20 requests a minute: 50 to judge
    assert not math.isnan(drawn[49])


def test_rollout_figure_has_threshold_stage_boundaries_and_the_halt():
    result = rollout.simulate(STAGED, GUARDRAIL, new_error_rate=0.03)
    assert result.halted and result.halted_at_minute == 50
    fig = rollout.plot_rollout(result)
    ax = only_axes(fig)
    assert list(line(ax, "threshold").get_ydata()) == [1.0, 1.0]
    starts = [line(ax, f"stage {i}").get_xdata()[0] for i in range(len(STAGED))]
    assert starts == [0.5, 60.5, 90.5, 120.5]
    stage_labels = {t.get_text() for t in ax.texts}
    assert {"1%", "10%", "50%", "100%"} <= stage_labels
    (halt,) = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    judged = result.judged_rates()[49]
    assert list(halt.get_xdata()) == [50] and list(halt.get_ydata()) == [100 * judged]
    assert judged > GUARDRAIL.max_error_rate
    assert ax.get_xlim() == (0.5, 150.5)  # the whole plan, stages not reached included
    assert "%" in ax.get_ylabel()
    assert_readable(fig)


def test_minutes_after_a_halt_belong_to_the_stage_that_tripped():
    result = rollout.simulate(
        [rollout.Stage(100, 2), rollout.Stage(100, 2)], GUARDRAIL, new_error_rate=0.03
    )
    assert result.halted_at_minute == 1 and len(result.series) == 6
    assert result.stage_of_minutes() == (0,) * 6
    assert rollout.RolloutResult(False, None, None, 0, 0, ()).stages == ()
    with pytest.raises(ValueError, match="plan and guardrail"):
        rollout.RolloutResult(False, None, None, 0, 0, ()).judged_rates()


def test_rollout_summary_says_when_it_halted_and_the_harm():
    bad = rollout.simulate(STAGED, GUARDRAIL, new_error_rate=0.03)
    text = rollout.summary_line(bad)
    assert "halted the rollout at minute 50, with 1% of traffic" in text
    assert f"{bad.failed_requests:,} of the {bad.new_version_requests:,} requests" in text
    good = rollout.simulate(STAGED, GUARDRAIL, new_error_rate=0.005)
    peak = max(r for r in good.judged_rates() if r is not None)
    text = rollout.summary_line(good)
    assert text.startswith("No halt") and f"peaked at {peak:.2%}, under 1.00%" in text


# --- the bandwidth bill as a waterfall -----------------------------------------------------


def test_levers_in_turn_add_up_to_the_bill_with_every_lever():
    service = bandwidth.VideoService()
    steps = bandwidth.levers_in_turn(service, codec_saving=0.3)
    assert [name for name, _ in steps] == ["today", "compression", "caching", "tiering"]
    everything = replace(
        service,
        bitrate_mbps=service.bitrate_mbps * 0.7,
        renditions_gb_per_hour=service.renditions_gb_per_hour * 0.7,
        cache_hit_ratio=0.98,
        cold_share=0.8,
    )
    assert steps[-1][1].total == pytest.approx(bandwidth.monthly_bill(everything).total)
    alone = bandwidth.levers(service, codec_saving=0.3)
    assert steps[1][1].total == alone["compression"].total  # the biggest lever goes first
    caching_after = steps[1][1].total - steps[2][1].total
    assert caching_after < alone["today"].total - alone["caching"].total


def test_the_lever_that_saves_most_alone_goes_first():
    leaky = bandwidth.VideoService(cache_hit_ratio=0.5)
    steps = bandwidth.levers_in_turn(leaky, codec_saving=0.05)
    assert [name for name, _ in steps] == ["today", "caching", "compression", "tiering"]
    assert bandwidth.summary_line(steps).split("; ")[1].startswith("caching saves most")


def test_waterfall_bars_step_down_by_each_saving():
    steps = bandwidth.levers_in_turn(bandwidth.VideoService())
    totals = [bill.total for _, bill in steps]
    fig = bandwidth.plot_bill_waterfall(steps)
    ax = only_axes(fig)
    bars = ax.patches
    assert len(bars) == len(steps) + 1
    assert bars[0].get_height() == totals[0] and bars[0].get_y() == 0
    for bar, before, after in zip(bars[1:-1], totals[:-1], totals[1:], strict=True):
        assert bar.get_y() == pytest.approx(after)
        assert bar.get_height() == pytest.approx(before - after)
        assert bar.get_hatch()  # a saving is told apart from a total without colour
    assert bars[-1].get_height() == totals[-1] and not bars[-1].get_hatch()
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "with every\nlever"
    assert "dollars" in ax.get_ylabel()
    assert_readable(fig)


def test_waterfall_summary_gives_the_bill_the_biggest_lever_and_the_result():
    steps = bandwidth.levers_in_turn(bandwidth.VideoService())
    today, final = steps[0][1].total, steps[-1][1].total
    assert round(today) == 2_826_300  # 112.5 M GB at $0.02 + misses at $0.05 + storage
    text = bandwidth.summary_line(steps)
    assert text.startswith("The bill is $2.83M a month; compression saves most ($848k, 30%)")
    assert f"bring it to $1.66M ({1 - final / today:.0%} less)" in text


# --- list vs set membership ----------------------------------------------------------------


def test_membership_figure_plots_the_timings_on_log_axes():
    rows = timing.membership_timings(sizes=(1_000, 10_000, 100_000))
    fig = timing.plot_membership(rows)
    ax = only_axes(fig)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert list(line(ax, "list").get_ydata()) == pytest.approx([t * 1e6 for _, t, _ in rows])
    assert list(line(ax, "set").get_xdata()) == [1_000, 10_000, 100_000]
    assert "µs" in ax.get_ylabel()
    assert_readable(fig)
    _, in_list, in_set = rows[-1]
    assert f"{in_list / in_set:,.0f}x faster" in timing.summary_line(rows)


# --- the convention ------------------------------------------------------------------------


def test_show_prints_the_line_before_the_figure(capsys):
    show(cache.plot_hit_ratios(cache.hit_ratio_curve([1, 2, 1, 1], (1, 2))), "the line")
    out = capsys.readouterr().out
    assert out.startswith("the line\n") and "Image" in out


def test_importing_pmtech_and_the_labs_leaves_matplotlib_unloaded():
    code = (
        "import sys, pmtech, pmtech.quiz\n"
        "from pmtech.labs import bandwidth, cache, ladder, pageload, plan, realtime, rollout\n"
        "from pmtech.labs import figures, timing\n"
        "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
