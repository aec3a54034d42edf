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


def levers(service: VideoService, codec_saving: float = 0.3) -> dict[str, Bill]:
    """The bill as it is and after each lever on its own.

    - ``compression``: a newer codec at the same quality delivers and stores ``codec_saving``
      fewer bytes (an assumption to vary: published comparisons differ by content);
    - ``caching``: the CDN hit ratio raised to 98 %;
    - ``tiering``: 80 % of the catalogue (the rarely watched long tail) in cold storage.
    """
    if not 0 <= codec_saving < 1:
        raise ValueError(f"codec_saving is a share between 0 and 1, got {codec_saving}")
    kept = 1 - codec_saving
    return {
        "today": monthly_bill(service),
        "compression": monthly_bill(
            replace(
                service,
                bitrate_mbps=service.bitrate_mbps * kept,
                renditions_gb_per_hour=service.renditions_gb_per_hour * kept,
            )
        ),
        "caching": monthly_bill(
            replace(service, cache_hit_ratio=max(0.98, service.cache_hit_ratio))
        ),
        "tiering": monthly_bill(replace(service, cold_share=max(0.8, service.cold_share))),
    }
