"""The bandwidth bill of a video service, and what compression, caching and tiering save.

All prices and traffic figures are inputs the learner sets; the defaults are stated
assumptions of the order of 2024 published cloud prices, not quotes. The model:

- Viewing: hours watched x bitrate gives GB delivered to viewers.
- Delivery: a CDN serves what it has cached (the hit ratio) at the CDN price; misses are
  fetched from the origin, paying origin egress as well as CDN delivery.
- Storage: each title is stored once per rendition (resolution), at a hot or a cold price.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pmtech.labs.figures import BLACK, BLUE, GREEN, new_figure

GB_PER_HOUR_PER_MBPS = 3600 / 8 / 1000  # 1 Mbit/s for an hour = 0.45 GB


@dataclass(frozen=True)
class VideoService:
    """The inputs of the bill. Every default is an assumption to change, not a quote."""

    viewer_hours_per_month: float = 50_000_000
    bitrate_mbps: float = 5.0  # average delivered bitrate (an HD stream)
    cdn_price_per_gb: float = 0.02  # negotiated CDN delivery
    origin_egress_per_gb: float = 0.05  # origin to CDN on a cache miss
    cache_hit_ratio: float = 0.90
    catalogue_hours: float = 100_000
    renditions_gb_per_hour: float = 6.0  # all resolutions of one hour of content together
    hot_storage_per_gb_month: float = 0.023
    cold_storage_per_gb_month: float = 0.004
    cold_share: float = 0.0  # share of the catalogue kept in cold storage

    def __post_init__(self) -> None:
        for name in ("cache_hit_ratio", "cold_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a share between 0 and 1, got {value}")
        for name, value in self.__dict__.items():
            if value < 0:
                raise ValueError(f"{name} cannot be negative, got {value}")


@dataclass(frozen=True)
class Bill:
    """One month's bill in dollars, by line."""

    delivered_gb: float
    cdn: float
    origin: float
    storage: float

    @property
    def total(self) -> float:
        """The whole month."""
        return self.cdn + self.origin + self.storage


def monthly_bill(service: VideoService) -> Bill:
    """The month's bill for ``service``."""
    delivered = service.viewer_hours_per_month * service.bitrate_mbps * GB_PER_HOUR_PER_MBPS
    misses = delivered * (1 - service.cache_hit_ratio)
    stored = service.catalogue_hours * service.renditions_gb_per_hour
    storage = stored * (
        (1 - service.cold_share) * service.hot_storage_per_gb_month
        + service.cold_share * service.cold_storage_per_gb_month
    )
    return Bill(
        delivered_gb=delivered,
        cdn=delivered * service.cdn_price_per_gb,
        origin=misses * service.origin_egress_per_gb,
        storage=storage,
    )


def _compression(service: VideoService, codec_saving: float) -> VideoService:
    kept = 1 - codec_saving
    return replace(
        service,
        bitrate_mbps=service.bitrate_mbps * kept,
        renditions_gb_per_hour=service.renditions_gb_per_hour * kept,
    )


def _caching(service: VideoService, codec_saving: float) -> VideoService:
    return replace(service, cache_hit_ratio=max(0.98, service.cache_hit_ratio))


def _tiering(service: VideoService, codec_saving: float) -> VideoService:
    return replace(service, cold_share=max(0.8, service.cold_share))


_LEVERS = {"compression": _compression, "caching": _caching, "tiering": _tiering}


def levers(service: VideoService, codec_saving: float = 0.3) -> dict[str, Bill]:
    """The bill as it is and after each lever on its own.

    - ``compression``: a newer codec at the same quality delivers and stores ``codec_saving``
      fewer bytes (an assumption to vary: published comparisons differ by content);
    - ``caching``: the CDN hit ratio raised to 98 %;
    - ``tiering``: 80 % of the catalogue (the rarely watched long tail) in cold storage.
    """
    if not 0 <= codec_saving < 1:
        raise ValueError(f"codec_saving is a share between 0 and 1, got {codec_saving}")
    bills = {"today": monthly_bill(service)}
    for name, lever in _LEVERS.items():
        bills[name] = monthly_bill(lever(service, codec_saving))
    return bills


def levers_in_turn(service: VideoService, codec_saving: float = 0.3) -> list[tuple[str, Bill]]:
    """The bill today, then after adding each lever in turn, the one that saves most on its
    own first: ``[("today", bill), ("compression", bill with it), ("caching", bill with
    both), ...]``. Each step's saving is counted after the levers before it, so the steps
    add up exactly to the bill with every lever (a lever saves less after another that
    already shrank what it acts on)."""
    alone = levers(service, codec_saving)
    today = alone.pop("today")
    steps = [("today", today)]
    for name in sorted(alone, key=lambda n: alone[n].total):
        service = _LEVERS[name](service, codec_saving)
        steps.append((name, monthly_bill(service)))
    return steps


def _dollars(value: float) -> str:
    """$2.83M, $848k, $640: three significant digits."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if abs(value) >= size * 0.9995:  # 999,999 reads $1M, not $1e+03k
            return f"${value / size:,.3g}{unit}"
    return f"${value:,.0f}"


def _share(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 else f"{share:.1%}"


def plot_bill_waterfall(steps: list[tuple[str, Bill]]):
    """The month's bill as a waterfall: the bill today, what each lever saves in turn (a
    hatched step down), and the bill with every lever. Takes ``levers_in_turn``'s result;
    returns a Figure."""
    fig, ax = new_figure()
    totals = [bill.total for _, bill in steps]
    names = ["today"] + [f"{name}\nsaves" for name, _ in steps[1:]] + ["with every\nlever"]
    heights, bottoms = [totals[0]], [0.0]
    colours, hatches, labels = [BLUE], [None], [_dollars(totals[0])]
    for before, after in zip(totals, totals[1:], strict=False):
        heights.append(before - after)
        bottoms.append(after)
        colours.append(GREEN)
        hatches.append("\\\\")
        labels.append(f"\u2212{_dollars(before - after)}\n({_share((before - after) / totals[0])})")
    heights.append(totals[-1])
    bottoms.append(0.0)
    colours.append(BLUE)
    hatches.append(None)
    labels.append(_dollars(totals[-1]))
    x = list(range(len(heights)))
    bars = ax.bar(x, heights, bottom=bottoms, color=colours, edgecolor=BLACK, linewidth=0.8)
    for bar, hatch, name in zip(bars, hatches, names, strict=True):
        bar.set_hatch(hatch)
        bar.set_gid(name.split("\n")[0])
    for i in range(len(heights) - 1):  # a dotted step from each bar to where the next starts
        level = totals[min(i, len(totals) - 1)]
        ax.plot([i + 0.4, i + 0.6], [level, level], color=BLACK, linestyle=":", linewidth=1)
    for i, (height, bottom, label) in enumerate(zip(heights, bottoms, labels, strict=True)):
        ax.annotate(
            label,
            (i, bottom + height),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_xticks(x, names, fontsize=9)
    ax.set_ylim(0, totals[0] * 1.2)
    ax.yaxis.set_major_formatter(lambda v, _: _dollars(v))
    ax.set_xlabel("the bill today, then each lever added in turn, largest saving first")
    ax.set_ylabel("US dollars a month")
    ax.set_title("The bandwidth bill, and what each lever saves in turn", loc="left")
    ax.grid(axis="y", alpha=0.3)
    return fig


def summary_line(steps: list[tuple[str, Bill]]) -> str:
    """The bill, the lever that saves most, and the bill with every lever, in one line."""
    today, final = steps[0][1].total, steps[-1][1].total
    first, bill = steps[1]
    saved = today - bill.total
    return (
        f"The bill is {_dollars(today)} a month; {first} saves most ({_dollars(saved)}, "
        f"{_share(saved / today)}), and all {len(steps) - 1} levers together bring it to "
        f"{_dollars(final)} ({1 - final / today:.0%} less)."
    )
