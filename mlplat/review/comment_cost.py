"""The cost section of the pull-request comment."""

from __future__ import annotations

from mlplat.review.cost import CostReport
from mlplat.review.markdown import capped, money, unit_price
from mlplat.review.report import Review


def cost_section(review: Review, cap: int | None) -> list[str]:
    base, head = review.cost_base, review.cost_head
    lines = [
        "### 💰 Cost (monthly estimate, USD)",
        "",
        f"Region {head.region or 'none (nothing priced)'} · on-demand list prices as of "
        f"**{head.as_of}** (mlplat/review/prices.json; sources below) · 730 h/month.",
        "",
        "| Component | Base min | Head min | Δ min | Base max | Head max | Δ max |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    old, new = base.by_component(), head.by_component()
    rows = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name, (0.0, 0.0, 0)), new.get(name, (0.0, 0.0, 0))
        if a == b and cap is not None and cap < 60:
            continue
        unknown = " (+ unknown)" if b[2] else ""
        rows.append(
            f"| {name}{unknown} | {money(a[0])} | {money(b[0])} | {money(b[0] - a[0], True)} | "
            f"{money(a[1])} | {money(b[1])} | {money(b[1] - a[1], True)} |"
        )
    lines += capped(rows, cap, "components")
    lines.append(
        f"| **Total (known prices)** | {money(base.total())} | {money(head.total())} | "
        f"{money(head.total() - base.total(), True)} | {money(base.total(True))} | "
        f"{money(head.total(True))} | {money(head.total(True) - base.total(True), True)} |"
    )
    lines += ["", *_gpu_lines(head), *_team_lines(review, cap), *_price_notes(head), ""]
    return lines


def _gpu_lines(cost: CostReport) -> list[str]:
    pools = [i for i in cost.items if i.gpu_hours_max]
    if not pools:
        return []
    lines = ["GPU pools (at min → at max):", ""]
    for item in pools:
        lines.append(
            f"- {item.what}: {money(item.monthly_min)} → {money(item.monthly_max)}; "
            f"{item.gpu_hours_max:,.0f} GPU-hours/month at max"
            + (f" ({item.note})" if item.note else "")
            + ("" if item.price.known else f" — price unknown: {item.price.reason}")
        )
    return [*lines, f"- all GPU pools: {cost.gpu_hours_max:,.0f} GPU-hours/month at max", ""]


def _team_lines(review: Review, cap: int | None) -> list[str]:
    old, new = review.cost_base.by_team(), review.cost_head.by_team()
    if not new and not old:
        return []
    lines = [
        "Teams (their GPU quota used in full, priced per GPU at the pool's instance):",
        "",
        "| Team | Base | Head | With borrowing |",
        "| --- | ---: | ---: | ---: |",
    ]
    rows = []
    for team in sorted(set(old) | set(new)):
        a, b = old.get(team), new.get(team)
        if a == b and team not in review.teams and cap is not None:
            continue
        base = money(a[0]) if a else "—"
        head, borrowing = (money(b[0]), money(b[1])) if b else ("—", "—")
        rows.append(f"| {team} | {base} | {head} | {borrowing} |")
    if not rows:
        return []
    return [*lines, *capped(rows, cap, "teams"), ""]


def _price_notes(cost: CostReport) -> list[str]:
    lines = []
    unknown = {(i.price.category, i.price.item): i.price.reason for i in cost.unknown}
    unknown |= {
        ("ec2", q.gpu_price.item): q.gpu_price.reason for q in cost.quotas if not q.gpu_price.known
    }
    if unknown:
        lines.append(
            "Unknown prices (left out of the totals): "
            + "; ".join(f"`{item}` ({reason})" for (_, item), reason in sorted(unknown.items()))
        )
        lines.append("")
    usage = {(i.price.category, i.price.item): i for i in cost.usage}
    if usage:
        lines.append(
            "Usage-based, not in the totals: "
            + "; ".join(
                f"{i.what.split(' in ')[0]} {unit_price(i.price.value)}/"
                f"{'GB' if k[1] == 'gb' else 'LCU-hour' if 'lcu' in k[1] else 'GB-month'}"
                for k, i in sorted(usage.items())
            )
        )
        lines.append("")
    sources = sorted({(i.price.category, i.price.source) for i in cost.items if i.price.source})
    if sources:
        lines.append("Sources: " + " · ".join(f"{c}: {s}" for c, s in sources))
    return lines
