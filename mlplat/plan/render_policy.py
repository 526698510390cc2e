"""The policy verdict as text (terminal) and Markdown (the PR comment)."""

from __future__ import annotations

from collections.abc import Iterator

from mlplat.plan.policy_check import PolicyReport
from mlplat.policies.runner import Finding, Status

HEADINGS = {
    Status.VIOLATION: "Violations",
    Status.UNKNOWN: "Cannot evaluate before apply (enforced at `pulumi up`)",
    Status.EXEMPT: "Exempt (by policy config, with reason)",
}


def headline(report: PolicyReport) -> str:
    s = report.summary()
    verdict = "FAILED" if report.failed else "passed"
    return (
        f"Policy {verdict}: {s['mandatory']} mandatory and {s['advisory']} advisory "
        f"violations, {s['unknown']} not evaluable before apply, {s['exempt']} exempt "
        f"({report.verdict.controls} controls over {report.verdict.resources} resources)"
    )


def _groups(report: PolicyReport) -> Iterator[tuple[str, str, list[Finding]]]:
    """(status heading, severity, findings) in the report's order."""
    findings = report.findings()
    for status in HEADINGS:
        of_status = [f for f in findings if f.status is status]
        severities = dict.fromkeys(f.severity.value for f in of_status)
        for severity in severities:
            yield HEADINGS[status], severity, [f for f in of_status if f.severity.value == severity]


def _where(finding: Finding) -> str:
    return finding.urn.rsplit("::", 1)[-1] if finding.urn else "(stack)"


def render_policy_text(report: PolicyReport) -> list[str]:
    lines = [headline(report)]
    for heading, severity, findings in _groups(report):
        lines.append(f"  {heading} — {severity}:")
        for f in findings:
            lines.append(f"    [{f.level}] {f.control}  {_where(f)}")
            lines.append(f"        {f.message}")
            if f.status is Status.VIOLATION:
                lines.append(f"        fix: {f.remediation}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_policy_markdown(report: PolicyReport) -> list[str]:
    icon = "❌" if report.failed else "✅"
    lines = [f"#### {icon} {headline(report)}", ""]
    for heading, severity, findings in _groups(report):
        lines += [
            f"**{heading} — {severity}**",
            "",
            "| Level | Control | Resource | Finding | Fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {f.level} | `{f.control}` | `{_where(f)}` | {_cell(f.message)} | "
            f"{_cell(f.remediation) if f.status is Status.VIOLATION else ''} |"
            for f in findings
        ]
        lines.append("")
    return lines
