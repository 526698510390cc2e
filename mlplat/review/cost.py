"""A monthly cost estimate of a plan: per component, per team, at minimum and maximum size.

Priced from what the plan declares (node groups at their min and max sizes, their root
volumes, the EKS control plane, NAT gateways and their public addresses, interface
endpoints, the database and its storage, the online store's nodes, load balancers asked
for through ingress annotations, persistent volumes in chart values, keys and secrets)
with the shipped price table (mlplat/review/prices.py). Usage-based charges (data through
NAT, S3 storage, load-balancer capacity units) are listed with their unit price and no
amount. Spot pools are priced at on-demand, a ceiling. An unknown price is reported as
unknown and left out of the totals, which then say how many items they miss.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlplat.review.cost_items import (
    HOURS,
    PRICERS,
    Context,
    LineItem,
    TeamQuotaCost,
    load_balancers,
    team_quotas,
)
from mlplat.review.prices import PriceTable, shipped

__all__ = ["HOURS", "CostReport", "LineItem", "TeamQuotaCost", "estimate"]


@dataclass
class CostReport:
    region: str | None
    items: list[LineItem]
    quotas: list[TeamQuotaCost] = field(default_factory=list)
    as_of: str = ""

    def total(self, maximum: bool = False) -> float:
        values = [i.monthly_max if maximum else i.monthly_min for i in self.items]
        return sum(v for v in values if v is not None)

    @property
    def unknown(self) -> list[LineItem]:
        return [i for i in self.items if not i.price.known and not i.usage_based]

    @property
    def usage(self) -> list[LineItem]:
        return [i for i in self.items if i.usage_based]

    @property
    def gpu_hours_max(self) -> float:
        return sum(i.gpu_hours_max for i in self.items)

    def by_component(self) -> dict[str, tuple[float, float, int]]:
        """component -> (monthly at min, at max, unknown items)."""
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        for item in self.items:
            row = out[item.component]
            if item.usage_based:
                continue
            if item.price.known:
                row[0] += item.monthly_min or 0.0
                row[1] += item.monthly_max or 0.0
            else:
                row[2] += 1
        return {k: (v[0], v[1], int(v[2])) for k, v in sorted(out.items())}

    def by_team(self) -> dict[str, tuple[float | None, float | None]]:
        """team -> (GPU quota at full use, with borrowing); None when a price is unknown."""
        out: dict[str, list[float | None]] = {}
        for quota in self.quotas:
            row = out.setdefault(quota.team, [0.0, 0.0])
            for i, borrowing in enumerate((False, True)):
                value = quota.monthly(borrowing)
                row[i] = None if value is None or row[i] is None else row[i] + value  # type: ignore[operator]
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def estimate(plan: Mapping[str, Any], table: PriceTable | None = None) -> CostReport:
    table = table or shipped()
    resources = [r for r in plan.get("resources", [])]
    by_urn = {r["urn"]: r for r in resources}
    region = _region(plan)
    ctx = Context(table, region, by_urn)
    items: list[LineItem] = []
    for resource in resources:
        price_of = PRICERS.get(resource["type"])
        if price_of is not None and resource.get("custom", True):
            items.extend(price_of(ctx, resource))
    items.extend(load_balancers(ctx, resources))
    quotas = list(team_quotas(ctx, resources))
    return CostReport(region, items, quotas, table.as_of)


def _region(plan: Mapping[str, Any]) -> str | None:
    for resource in plan.get("resources", []):
        if resource["type"] == "pulumi:providers:aws":
            return (resource.get("inputs") or {}).get("region")
    region = (plan.get("outputs") or {}).get("region")
    return region if isinstance(region, str) else None
