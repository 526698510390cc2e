"""The review as one pull-request comment (Markdown), and as terminal text.

The comment opens with a hidden marker (CI finds and updates its own comment) and a
headline: verdict, counts, cost change, teams. Sections follow in order of urgency:
destructive changes, security, policy findings with their spec line, cost, the diagram,
the rendered platform, and the full list of changes, collapsed. GitHub refuses comments
over 65,536 characters: past ``LIMIT`` the tables are cut to fewer rows, and everything
goes to the job summary (the second file) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mlplat.review.cost import CostReport
from mlplat.review.diff import Action, Change, PathChange
from mlplat.review.report import LocatedFinding, Review
from mlplat.spec import Location

GITHUB_LIMIT = 65_536
LIMIT = 60_000
"""What the comment may use; the rest of GitHub's limit is headroom for CI's own text."""
SUMMARY_LIMIT = 1_000_000
"""GitHub caps a job summary at 1 MiB."""
ROW_CAPS = (200, 60, 25, 10, 4)
"""Rows per table tried in turn until the comment fits."""
MARKER = "<!-- mlplat-review stack={stack} -->"
SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "±", Action.DELETE: "-"}
NOTE = (
    "Offline review of what the program declares (base → head), planned under Pulumi's mock "
    "runtime: not a diff against live state. Secrets are masked and compared only as masks."
)


def money(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "unknown"
    sign = ("+" if value > 0.005 else "-" if value < -0.005 else "±") if signed else ""
    return f"{sign}${abs(value):,.2f}"


def unit_price(value: float | None) -> str:
    """A unit price as listed: up to four decimals ($0.048, $0.0252, $1.00)."""
    if value is None:
        return "unknown"
    return f"${value:.4f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def _value(value: Any, width: int = 60) -> str:
    text = (
        "∅"
        if value is None
        else str(int(value))
        if isinstance(value, float) and value.is_integer()
        else str(value)
    )
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(location: Location | None) -> str:
    return f"`{location.file}:{location.line}`" if location else ""


def headline(review: Review) -> str:
    counts = review.diff.counts()
    verdict = "❌ blocked" if review.blocked else "✅ ready to merge"
    policy = review.policy.get("summary") or {}
    policy_text = (
        f"policy FAILED ({policy.get('mandatory', 0)} mandatory)"
        if review.policy_failed
        else f"policy passed ({policy.get('advisory', 0)} advisory)"
        if review.policy
        else "no policy verdict"
    )
    changes = " · ".join(f"{SYMBOLS[a]}{counts[a.value]} {a.value}" for a in Action)
    delta_min = review.cost_head.total() - review.cost_base.total()
    delta_max = review.cost_head.total(True) - review.cost_base.total(True)
    cost = f"cost {money(delta_min, True)}/month at min, {money(delta_max, True)} at max"
    unknown = len({(i.price.category, i.price.item) for i in review.cost_head.unknown})
    if unknown:
        cost += f" ({unknown} prices unknown)"
    teams = ", ".join(review.teams[:8]) + (
        f" +{len(review.teams) - 8}" if len(review.teams) > 8 else ""
    )
    return f"{verdict} · {policy_text} · {changes} · {cost} · teams affected: {teams or 'none'}"


def render_markdown(review: Review) -> tuple[str, str]:
    """(comment, job summary): the comment fits ``LIMIT``; the summary has everything."""
    full = _markdown(review, cap=None)
    summary = (
        full
        if len(full) <= SUMMARY_LIMIT
        else full[: SUMMARY_LIMIT - 200]
        + ("\n\n…cut at GitHub's job-summary limit; `mlplat diff --format json` has everything.\n")
    )
    if len(full) <= LIMIT:
        return full, summary
    for cap in ROW_CAPS:
        comment = _markdown(review, cap=cap, overflow=True)
        if len(comment) <= LIMIT:
            return comment, summary
    return _markdown(review, cap=0, overflow=True)[:LIMIT], summary


def _markdown(review: Review, cap: int | None, overflow: bool = False) -> str:
    lines = [MARKER.format(stack=review.stack), f"## mlplat review: `{review.stack}`", ""]
    lines += [f"**{headline(review)}**", "", f"> {NOTE}", ""]
    lines.append(f"Base: `{review.base.label}` · head: `{review.head.label}`")
    lines.append("")
    if overflow:
        lines += [
            "> This comment is shortened to fit GitHub's limit: the workflow's **job summary** "
            "has every row.",
            "",
        ]
    for section in (_destructive, _security, _findings, _cost, _diagram, _render, _changes):
        lines += section(review, cap)
    for warning in review.warnings:
        lines.append(f"- note: {_cell(warning)}")
    return "\n".join(lines).rstrip() + "\n"


def _capped(rows: Sequence[str], cap: int | None, what: str) -> list[str]:
    if cap is None or len(rows) <= cap:
        return list(rows)
    return [*rows[:cap], f"| … | {len(rows) - cap} more {what} in the job summary | | | |"]


def _destructive(review: Review, cap: int | None) -> list[str]:
    if not review.destructive:
        return []
    open_ = len(review.unacknowledged)
    lines = [
        f"### ⚠️ Destructive changes: {len(review.destructive)} ({open_} unacknowledged)",
        "",
        "| Change | Resource | What is lost | Spec | Acknowledged |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows = []
    for item in review.destructive:
        change = item.change
        flags = [
            f
            for f, on in (("protected", item.protected), ("retained on delete", item.retained))
            if on
        ]
        why = item.why + (f" ({', '.join(flags)})" if flags else "")
        reasons = ", ".join(f"`{p.path}`" for p in change.paths if p.replaces)
        what = f"**{change.action}**" + (f" ({reasons})" if reasons else "")
        ack = f"✅ {_cell(item.acknowledged.reason)}" if item.acknowledged else "❌ no"
        location = review.locator.location(change.urn)
        rows.append(f"| {what} | `{change.name}` | {_cell(why)} | {_where(location)} | {ack} |")
    lines += _capped(rows, cap, "destructive changes")
    if open_:
        lines += [
            "",
            "Acknowledge an intended one in the head spec (`review.acknowledge`, see the schema):",
            "",
            "```yaml",
            "review:",
            "  acknowledge:",
            *(
                f"    - {{resource: {d.change.name}, reason: <why>}}"
                for d in review.unacknowledged[:3]
            ),
            "```",
        ]
    return [*lines, ""]


def _security(review: Review, cap: int | None) -> list[str]:
    if not review.security:
        return []
    widened = len(review.widened)
    lines = [
        f"### 🔐 Security: {widened} widened, {len(review.security) - widened} narrowed",
        "",
        "| | Kind | Object | Change | Declared by |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows = [
        f"| {'🔓 widened' if r.direction == 'widened' else '🔒 narrowed'} | {r.label} | "
        f"{_cell(r.scope)} | {_cell(r.detail)} | `{_cell(r.where)}` |"
        for r in review.security
    ]
    return [*lines, *_capped(rows, cap, "security rows"), ""]


def _findings(review: Review, cap: int | None) -> list[str]:
    if not review.findings:
        return []
    summary = review.policy.get("summary") or {}
    lines = [
        f"### 🛡️ Policy findings: {summary.get('mandatory', 0)} mandatory, "
        f"{summary.get('advisory', 0)} advisory, {summary.get('unknown', 0)} not evaluable, "
        f"{summary.get('exempt', 0)} exempt",
        "",
    ]
    header = [
        "| Status | Level | Control | Resource | Spec | Finding | Fix |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    urgent = [f for f in review.findings if f.new or f.level == "mandatory"]
    known = [f for f in review.findings if f not in urgent]
    if urgent:
        lines += [*header, *_capped([_finding_row(f) for f in urgent], cap, "findings"), ""]
    else:
        lines += ["No new findings.", ""]
    if known:
        lines += [
            f"<details><summary>{len(known)} advisory or exempt findings the base branch has "
            "too</summary>",
            "",
            *header,
            *_capped([_finding_row(f) for f in known], cap, "findings"),
            "",
            "</details>",
            "",
        ]
    return lines


def _finding_row(f: LocatedFinding) -> str:
    return (
        f"| {f.status}{' 🆕' if f.new else ''} | {f.level} | `{f.control}` | `{f.resource}` | "
        f"{_where(f.location)} | {_cell(f.message)} | "
        f"{_cell(f.remediation) if f.status == 'violation' else ''} |"
    )


def _cost(review: Review, cap: int | None) -> list[str]:
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
    lines += _capped(rows, cap, "components")
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
    return [*lines, *_capped(rows, cap, "teams"), ""]


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


def _diagram(review: Review, cap: int | None) -> list[str]:
    if not review.diagram:
        return []
    return ["### 🗺️ What changed", "", "```mermaid", review.diagram.rstrip(), "```", ""]


def _render(review: Review, cap: int | None) -> list[str]:
    if not review.render or (cap is not None and cap < 60):
        return []
    return [
        "<details><summary>The platform after this change (<code>mlplat render</code>)</summary>",
        "",
        review.render.rstrip(),
        "",
        "</details>",
        "",
    ]


def _changes(review: Review, cap: int | None) -> list[str]:
    changes = review.diff.changes
    if not changes:
        return ["No resource changes.", ""]
    lines = [
        f"<details><summary>All {len(changes)} changes "
        f"({review.diff.unchanged} resources unchanged)</summary>",
        "",
        "| | Resource | Type | Changed inputs (old → new) |",
        "| --- | --- | --- | --- |",
    ]
    order = (Action.DELETE, Action.REPLACE, Action.UPDATE, Action.CREATE)
    ranked = sorted(changes, key=lambda c: (order.index(c.action), c.urn))
    rows = [_change_row(c, detail=cap is None or cap >= 25) for c in ranked]
    return [*lines, *_capped(rows, cap, "changes"), "", "</details>", ""]


def _change_row(change: Change, detail: bool) -> str:
    parts = []
    if change.renamed_from:
        parts.append(
            f"renamed from `{change.renamed_from.rsplit('::', 1)[-1]}` (alias: no replacement)"
        )
    if detail:
        parts += [_path_text(p) for p in change.paths[:12]]
        if len(change.paths) > 12:
            parts.append(f"+{len(change.paths) - 12} more")
    elif change.paths:
        parts.append(f"{len(change.paths)} inputs")
    for extra in (change.note, change.hint):
        if extra:
            parts.append(f"_{extra}_")
    return (
        f"| {SYMBOLS[change.action]} {change.action} | `{change.name}` | `{change.type}` | "
        f"{_cell('<br>'.join(parts))} |"
    )


def _path_text(path: PathChange) -> str:
    mark = " **(replaces)**" if path.replaces else ""
    return f"`{path.path}`: {_value(path.old)} → {_value(path.new)}{mark}"


# ---- text (terminal) --------------------------------------------------------------------


def render_text(review: Review) -> str:
    lines = [f"mlplat diff: stack {review.stack}: {review.base.label} -> {review.head.label}"]
    lines += [headline(review).replace("·", "|"), NOTE, ""]
    sections: list[tuple[str, Callable[[Review], Iterator[str]]]] = [
        ("Destructive changes", _text_destructive),
        ("Security", _text_security),
        ("Policy findings", _text_findings),
        ("Cost (monthly, USD)", _text_cost),
        ("Changes", _text_changes),
    ]
    for title, section in sections:
        body = list(section(review))
        if body:
            lines += [f"{title}:", *body, ""]
    lines += [f"note: {w}" for w in review.warnings]
    return "\n".join(lines).rstrip() + "\n"


def _text_destructive(review: Review) -> Iterator[str]:
    for item in review.destructive:
        ack = (
            f"acknowledged: {item.acknowledged.reason}" if item.acknowledged else "NOT acknowledged"
        )
        yield f"  {item.change.action} {item.change.name} ({item.why}) — {ack}"


def _text_security(review: Review) -> Iterator[str]:
    for row in review.security:
        yield f"  {row.direction:8} {row.label}: {row.scope}: {row.detail}  [{row.where}]"


def _text_findings(review: Review) -> Iterator[str]:
    for f in review.findings:
        where = f"{f.location.file}:{f.location.line}: " if f.location else ""
        yield f"  {where}[{f.status}/{f.level}] {f.control} {f.resource}: {f.message}"


def _text_cost(review: Review) -> Iterator[str]:
    base, head = review.cost_base, review.cost_head
    yield (
        f"  prices as of {head.as_of} ({head.region}); at min {money(base.total())} -> "
        f"{money(head.total())} ({money(head.total() - base.total(), True)}); at max "
        f"{money(base.total(True))} -> {money(head.total(True))} "
        f"({money(head.total(True) - base.total(True), True)})"
    )
    for (category, item), reason in sorted(
        {(i.price.category, i.price.item): i.price.reason for i in head.unknown}.items()
    ):
        yield f"  unknown price: {category} {item}: {reason}"


def _text_changes(review: Review) -> Iterator[str]:
    for change in review.diff.changes:
        yield f"  {SYMBOLS[change.action]} {change.action:7} {change.urn}"
        if change.renamed_from:
            yield f"      renamed from {change.renamed_from} (alias: no replacement)"
        for path in change.paths:
            yield f"      {path.path}: {_value(path.old)} -> {_value(path.new)}" + (
                "  (replaces)" if path.replaces else ""
            )
        for extra in (change.note, change.hint):
            if extra:
                yield f"      {extra}"
