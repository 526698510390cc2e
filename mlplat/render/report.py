"""Render reports as text, JSON (stable bytes) or a Markdown section for a PR comment."""

from __future__ import annotations

from collections.abc import Iterator

from mlplat import stable_json
from mlplat.render.findings import Finding, RenderReport, Severity

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "💬"}


def render_report(report: RenderReport, fmt: str) -> str:
    if fmt == "json":
        return stable_json.dumps(report.to_dict())
    lines = markdown(report) if fmt == "markdown" else text(report)
    return "\n".join(lines) + "\n"


def verdict(report: RenderReport) -> str:
    counts = report.counts()
    skipped = sum(not r.rendered for r in report.releases)
    rendered = len(report.releases) - skipped
    parts = [
        f"{rendered}/{len(report.releases)} releases rendered, {report.objects} objects",
        f"{counts['error']} errors, {counts['warning']} warnings",
    ]
    bad_flows = sum(not f.ok for f in report.flows)
    parts.append(f"{len(report.flows) - bad_flows}/{len(report.flows)} flows as required")
    return "; ".join(parts)


def text(report: RenderReport) -> list[str]:
    lines = [
        f"mlplat render: helm {report.helm}; Kubernetes {report.kube_version}; charts from "
        f"{report.chart_cache}",
        "",
        "Releases:",
    ]
    for release in report.releases:
        state = f"{release.objects} objects" if release.rendered else "NOT RENDERED"
        lines.append(
            f"  {release.release} ({release.chart} {release.version}, ns {release.namespace}): "
            f"{state}; {release.note}"
        )
    lines += ["", "Reachability:"]
    for flow in report.flows:
        mark = "ok " if flow.ok else "ERR"
        lines.append(f"  {mark} {flow.name}: {flow.actual} (must be {flow.expected}) [{flow.port}]")
    lines += ["", "Findings:"]
    lines += [f"  {line}" for f in report.findings for line in _finding_text(f)] or ["  none"]
    lines += ["", f"Render {'FAILED' if report.failed else 'passed'}: {verdict(report)}"]
    return lines


def _finding_text(finding: Finding) -> Iterator[str]:
    where = f" {finding.field}" if finding.field else ""
    yield (
        f"{finding.severity}[{finding.check}] {finding.release} {finding.object}{where}: "
        f"{finding.message}"
    )
    if finding.fix:
        yield f"    fix: {finding.fix}"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(report: RenderReport) -> list[str]:
    lines = [
        "#### Rendered releases",
        "",
        f"{'❌' if report.failed else '✅'} {verdict(report)} · Helm {_cell(report.helm)} · "
        f"Kubernetes {report.kube_version}",
        "",
    ]
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    if errors:
        lines += [
            "| | Check | Release | Object | Field | Finding | Fix |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {_ICON[f.severity]} | {f.check} | {f.release} | `{_cell(f.object)}` | "
            f"`{_cell(f.field)}` | {_cell(f.message)} | {_cell(f.fix)} |"
            for f in errors
        ]
        lines.append("")
    others = [f for f in report.findings if f.severity is not Severity.ERROR]
    if others:
        lines += [
            f"<details><summary>{len(others)} warnings and notes</summary>",
            "",
            "| | Check | Release | Object | Finding |",
            "|---|---|---|---|---|",
            *(
                f"| {_ICON[f.severity]} | {f.check} | {f.release} | `{_cell(f.object)}` | "
                f"{_cell(f.message)} |"
                for f in others
            ),
            "",
            "</details>",
            "",
        ]
    lines += [
        f"<details><summary>Reachability ({len(report.flows)} flows)</summary>",
        "",
        "| | Flow | Port | Must be | Is |",
        "|---|---|---|---|---|",
        *(
            f"| {'✅' if f.ok else '❌'} | {_cell(f.name)} | {_cell(f.port)} | {f.expected} | "
            f"{f.actual} |"
            for f in report.flows
        ),
        "",
        "</details>",
    ]
    return lines
