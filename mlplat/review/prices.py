"""The price table mlplat ships (prices.json), and its refresh from AWS's offer files.

Every price carries its category's source page and the table's as-of date, which every
cost report prints. A price the table does not have is *unknown*, with the reason when
the table gives one: never estimated from a neighbour.

``mlplat prices refresh`` rebuilds the table from the Price List bulk API's regional
offer files (``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<offer>/current/
<region>/index.csv``), streaming each CSV row by row (the EC2 file is hundreds of MB).
It needs network access; without it, point ``--offers DIR`` at files downloaded
elsewhere (``DIR/<offer>/<region>.csv``).
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

PRICES_FILE = "prices.json"
OFFER_URL = (
    "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/{region}/index.csv"
)
UNITS = {
    "ec2": "hour",
    "rds": "hour",
    "elasticache": "hour",
    "eks": "hour",
    "nat": "hour",
    "vpce": "hour",
    "ipv4": "hour",
    "elb": "hour",
    "ebs": "GB-month",
    "rds-storage": "GB-month",
    "s3": "GB-month",
    "kms": "month",
    "secrets": "month",
}
"""Unit of each category (``nat/gb`` and ``vpce/gb`` are per GB processed)."""


@dataclass(frozen=True)
class Price:
    category: str
    item: str
    value: float | None
    """USD per unit; None when unknown."""
    source: str
    reason: str = ""
    """Why the price is unknown."""

    @property
    def known(self) -> bool:
        return self.value is not None


class PriceTable:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.as_of = str(document["asOf"])
        self.hours = float(document.get("hoursPerMonth", 730))
        self.sources: Mapping[str, str] = document.get("sources", {})

    def regions(self) -> list[str]:
        return sorted(self.document["regions"])

    def get(self, region: str | None, category: str, item: str) -> Price:
        source = self.sources.get(category, "")
        table = self.document["regions"].get(region or "")
        if table is None:
            return Price(category, item, None, source, f"no prices for region {region}")
        value = table.get(category, {}).get(item)
        if value is not None:
            return Price(category, item, float(value), source)
        unknown = self.document.get("unknown", {}).get(region, {}).get(category, {})
        reason = next((why for pattern, why in unknown.items() if fnmatchcase(item, pattern)), "")
        return Price(category, item, None, source, reason or "not in mlplat's price table")


@cache
def shipped() -> PriceTable:
    text = resources.files("mlplat.review").joinpath(PRICES_FILE).read_text("utf-8")
    return PriceTable(json.loads(text))


# ---- refresh from the Price List bulk API ---------------------------------------------


@dataclass(frozen=True)
class OfferRule:
    """Which rows of an offer file give one category's prices, and under which item."""

    offer: str
    category: str
    match: Callable[[Mapping[str, str]], str | None]
    """A row -> the item it prices, or None to skip the row."""


def _on_demand(row: Mapping[str, str]) -> bool:
    return row.get("TermType") == "OnDemand"


def _ec2_instance(row: Mapping[str, str]) -> str | None:
    ok = (
        row.get("Product Family") == "Compute Instance"
        and row.get("Operating System") == "Linux"
        and row.get("Tenancy") == "Shared"
        and row.get("Pre Installed S/W") == "NA"
        and row.get("License Model") in ("No License required", "")
        and row.get("CapacityStatus") == "Used"
        and row.get("Unit") == "Hrs"
    )
    return row.get("Instance Type") if ok else None


def _usage(suffix: str, item: str, family: str | None = None) -> Callable[..., str | None]:
    def match(row: Mapping[str, str]) -> str | None:
        if family is not None and row.get("Product Family") != family:
            return None
        return item if row.get("usageType", "").endswith(suffix) else None

    return match


def _ebs_gp3(row: Mapping[str, str]) -> str | None:
    ok = row.get("Product Family") == "Storage" and row.get("Volume API Name") == "gp3"
    return "gp3" if ok and row.get("Unit") == "GB-Mo" else None


def _rds_instance(row: Mapping[str, str]) -> str | None:
    ok = (
        row.get("Product Family") == "Database Instance"
        and row.get("Database Engine") == "PostgreSQL"
        and row.get("Deployment Option") == "Single-AZ"
        and row.get("Unit") == "Hrs"
    )
    return row.get("Instance Type") if ok else None


def _rds_storage(row: Mapping[str, str]) -> str | None:
    ok = (
        row.get("Product Family") == "Database Storage"
        and row.get("Volume Type") == "General Purpose-GP3"
        and row.get("Database Engine") in ("PostgreSQL", "Any")
        and row.get("Deployment Option") == "Single-AZ"
    )
    return "gp3" if ok else None


def _cache_node(row: Mapping[str, str]) -> str | None:
    ok = row.get("Product Family") == "Cache Instance" and row.get("Cache Engine") == "Redis"
    return row.get("Instance Type") if ok and row.get("Unit") in ("Hrs", "NodeUsage") else None


def _s3_standard(row: Mapping[str, str]) -> str | None:
    ok = (
        row.get("Product Family") == "Storage"
        and row.get("Volume Type") == "Standard"
        and row.get("StartingRange") in ("0", "")
    )
    return "standard" if ok else None


RULES: tuple[OfferRule, ...] = (
    OfferRule("AmazonEC2", "ec2", _ec2_instance),
    OfferRule("AmazonEC2", "ebs", _ebs_gp3),
    OfferRule("AmazonEC2", "nat", _usage("NatGateway-Hours", "hour", "NAT Gateway")),
    OfferRule("AmazonEC2", "nat", _usage("NatGateway-Bytes", "gb", "NAT Gateway")),
    OfferRule("AmazonVPC", "ipv4", _usage("PublicIPv4:InUseAddress", "hour")),
    OfferRule("AmazonVPC", "vpce", _usage("VpcEndpoint-Hours", "interface-hour")),
    OfferRule("AmazonVPC", "vpce", _usage("VpcEndpoint-Bytes", "gb")),
    OfferRule("AmazonEKS", "eks", _usage("AmazonEKS-Hours:perCluster", "cluster")),
    OfferRule("AmazonEKS", "eks", _usage("AmazonEKS-Hours:extendedSupport", "cluster-extended")),
    OfferRule(
        "AWSELB", "elb", _usage("LoadBalancerUsage", "alb-hour", "Load Balancer-Application")
    ),
    OfferRule("AWSELB", "elb", _usage("LCUUsage", "lcu-hour", "Load Balancer-Application")),
    OfferRule("AmazonRDS", "rds", _rds_instance),
    OfferRule("AmazonRDS", "rds-storage", _rds_storage),
    OfferRule("AmazonElastiCache", "elasticache", _cache_node),
    OfferRule("AmazonS3", "s3", _s3_standard),
    OfferRule("awskms", "kms", _usage("KMS-Keys", "key")),
    OfferRule("AWSSecretsManager", "secrets", _usage("AWSSecretsManager-Secrets", "secret")),
)


def offer_rows(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """The price rows of an offer CSV: its metadata lines skipped, header row as keys."""
    lines = iter(lines)
    for line in lines:
        if line.startswith('"SKU"'):
            header = next(csv.reader([line]))
            break
    else:
        return
    for values in csv.reader(lines):
        yield dict(zip(header, values, strict=False))


def prices_from_rows(offer: str, rows: Iterable[Mapping[str, str]]) -> dict[str, dict[str, float]]:
    """category -> item -> USD per unit, from one offer file's rows."""
    found: dict[str, dict[str, float]] = {}
    rules = [r for r in RULES if r.offer == offer]
    for row in rows:
        if not _on_demand(row) or row.get("Currency", "USD") != "USD":
            continue
        for rule in rules:
            item = rule.match(row)
            if item:
                price = float(row.get("PricePerUnit") or 0)
                if price > 0:  # free tiers and zero-priced SKUs are not the list price
                    found.setdefault(rule.category, {})[item] = price
    return found


def refresh(
    regions: Iterable[str],
    offers_dir: Path | None = None,
    opener: Callable[[str], Any] = urllib.request.urlopen,
) -> dict[str, Any]:
    """A new price table for ``regions``, from local offer files or AWS's servers."""
    table: dict[str, Any] = {
        **{k: v for k, v in shipped().document.items() if k not in ("regions", "unknown")},
        "asOf": date.today().isoformat(),
        "note": "Generated by `mlplat prices refresh` from AWS's Price List bulk API offer "
        "files (on-demand, USD).",
        "regions": {},
        "unknown": {},
    }
    for region in regions:
        prices: dict[str, dict[str, float]] = {category: {} for category in UNITS}
        for offer in sorted({r.offer for r in RULES}):
            rows = offer_rows(_offer_lines(offer, region, offers_dir, opener))
            for category, items in prices_from_rows(offer, rows).items():
                prices[category].update(items)
        table["regions"][region] = {c: dict(sorted(v.items())) for c, v in prices.items()}
    return table


def _offer_lines(
    offer: str, region: str, offers_dir: Path | None, opener: Callable[[str], Any]
) -> Iterator[str]:
    if offers_dir is not None:
        path = offers_dir / offer / f"{region}.csv"
        if not path.is_file():
            return
        with path.open(encoding="utf-8", newline="") as handle:
            yield from handle
        return
    with opener(OFFER_URL.format(offer=offer, region=region)) as response:
        yield from io.TextIOWrapper(response, encoding="utf-8", newline="")
