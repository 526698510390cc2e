"""The review as one pull-request comment (Markdown; terminal text is text.py).

The comment opens with a hidden marker (CI finds and updates its own comment) and a
headline: verdict, counts, cost change, teams. Sections follow in order of urgency:
destructive changes, security, policy findings with their spec line, cost, the diagram,
the rendered platform, and the full list of changes, collapsed. GitHub refuses comments
over 65,536 characters: past ``LIMIT`` the tables are cut to fewer rows, and everything
goes to the job summary (the second file) instead.
"""

from __future__ import annotations

from mlplat.review.comment_cost import cost_section
from mlplat.review.diff import Action, Change, PathChange
from mlplat.review.markdown import capped, cell, money, value_text, where
from mlplat.review.report import LocatedFinding, Review

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
    if review.render is not None:
        policy_text += " · render FAILED" if review.render_failed else " · render passed"
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
    for section in (_destructive, _security, _findings, cost_section, _diagram, _render, _changes):
        lines += section(review, cap)
    for warning in review.warnings:
        lines.append(f"- note: {cell(warning)}")
    return "\n".join(lines).rstrip() + "\n"


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
        ack = f"✅ {cell(item.acknowledged.reason)}" if item.acknowledged else "❌ no"
        location = review.locator.location(change.urn)
        rows.append(f"| {what} | `{change.name}` | {cell(why)} | {where(location)} | {ack} |")
    lines += capped(rows, cap, "destructive changes")
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
        f"{cell(r.scope)} | {cell(r.detail)} | `{cell(r.where)}` |"
        for r in review.security
    ]
    return [*lines, *capped(rows, cap, "security rows"), ""]


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
        lines += [*header, *capped([_finding_row(f) for f in urgent], cap, "findings"), ""]
    else:
        lines += ["No new findings.", ""]
    if known:
        lines += [
            f"<details><summary>{len(known)} advisory or exempt findings the base branch has "
            "too</summary>",
            "",
            *header,
            *capped([_finding_row(f) for f in known], cap, "findings"),
            "",
            "</details>",
            "",
        ]
    return lines


def _finding_row(f: LocatedFinding) -> str:
    return (
        f"| {f.status}{' 🆕' if f.new else ''} | {f.level} | `{f.control}` | `{f.resource}` | "
        f"{where(f.location)} | {cell(f.message)} | "
        f"{cell(f.remediation) if f.status == 'violation' else ''} |"
    )


def _diagram(review: Review, cap: int | None) -> list[str]:
    if not review.diagram:
        return []
    return ["### 🗺️ What changed", "", "```mermaid", review.diagram.rstrip(), "```", ""]


def _render(review: Review, cap: int | None) -> list[str]:
    """`mlplat render`'s section for the head, when the review rendered it."""
    if review.render is None:
        return []
    from mlplat.render.report import markdown, verdict

    lines = ["### 🧩 What would run (`mlplat render`)", ""]
    if cap is not None and cap < 60:
        state = "❌" if review.render_failed else "✅"
        return [*lines, f"{state} {verdict(review.render)} (details in the job summary)", ""]
    return [*lines, *markdown(review.render), ""]


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
    return [*lines, *capped(rows, cap, "changes"), "", "</details>", ""]


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
        f"{cell('<br>'.join(parts))} |"
    )


def _path_text(path: PathChange) -> str:
    mark = " **(replaces)**" if path.replaces else ""
    return f"`{path.path}`: {value_text(path.old)} → {value_text(path.new)}{mark}"
