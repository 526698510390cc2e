"""The review of a change: everything `mlplat diff` and the pull-request comment show.

Built from two sides (mlplat/review/sides.py): the resource diff, destructive changes and
their acknowledgements, security broadening, the head plan's policy findings located in
the spec, the cost of both sides, and the diagram of what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlplat.review.cost import CostReport, estimate
from mlplat.review.destructive import Destructive, destructive_changes
from mlplat.review.diagram import diff_graph, mermaid
from mlplat.review.diff import Action, PlanDiff, diff_plans
from mlplat.review.locate import Locator
from mlplat.review.plans import Teams, index
from mlplat.review.security import WIDENED, SecurityRow, security_changes
from mlplat.review.sides import Side
from mlplat.spec import Location


@dataclass(frozen=True)
class LocatedFinding:
    control: str
    status: str
    level: str
    severity: str
    urn: str | None
    message: str
    remediation: str
    location: Location | None
    new: bool
    """Not reported on the base side (same control and resource)."""

    @property
    def resource(self) -> str:
        return self.urn.rsplit("::", 1)[-1] if self.urn else "(stack)"


@dataclass
class Review:
    base: Side
    head: Side
    diff: PlanDiff
    destructive: list[Destructive]
    security: list[SecurityRow]
    findings: list[LocatedFinding]
    cost_base: CostReport
    cost_head: CostReport
    teams: list[str]
    """Teams with a changed resource."""
    diagram: str
    """Mermaid source of what changed ('' when nothing did)."""
    locator: Locator
    render: Any = None
    """`mlplat render`'s report of the head (a RenderReport), when it was asked for."""
    warnings: list[str] = field(default_factory=list)

    @property
    def unacknowledged(self) -> list[Destructive]:
        return [d for d in self.destructive if d.acknowledged is None]

    @property
    def policy(self) -> Mapping[str, Any]:
        return self.head.plan.get("policy") or {}

    @property
    def policy_failed(self) -> bool:
        return bool((self.policy.get("summary") or {}).get("mandatory"))

    @property
    def render_failed(self) -> bool:
        return bool(self.render is not None and self.render.failed)

    @property
    def blocked(self) -> bool:
        """The change should not merge as is (the command exits 1)."""
        return bool(self.unacknowledged) or self.policy_failed or self.render_failed

    @property
    def widened(self) -> list[SecurityRow]:
        return [r for r in self.security if r.direction == WIDENED]

    @property
    def stack(self) -> str:
        return str(self.head.plan.get("stack", ""))


def build_review(base: Side, head: Side, render: Any = None) -> Review:
    diff = diff_plans(base.plan, head.plan)
    acks = head.spec.review.acknowledge if head.spec is not None else ()
    locator = Locator(_union(head.plan, base.plan), head.spec, head.source)
    changed = {c.urn: str(c.action) for c in diff.changes}
    changed |= {c.renamed_from: str(c.action) for c in diff.changes if c.renamed_from}
    graph, shown = diff_graph(base.plan, head.plan, changed)
    return Review(
        base=base,
        head=head,
        diff=diff,
        destructive=destructive_changes(diff.changes, acks),
        security=security_changes(base.plan, head.plan),
        findings=_findings(base.plan, head.plan, locator),
        cost_base=estimate(base.plan),
        cost_head=estimate(head.plan),
        teams=_teams(diff),
        diagram=mermaid(graph, shown) if any(n.status for n in graph.nodes.values()) else "",
        locator=locator,
        render=render,
        warnings=[*base.warnings, *head.warnings],
    )


def _union(head: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """Head's resources, plus base's that head no longer has (to locate a deletion)."""
    urns = {r["urn"] for r in head.get("resources", [])}
    gone = [r for r in base.get("resources", []) if r["urn"] not in urns]
    return {"resources": [*head.get("resources", []), *gone]}


def _teams(diff: PlanDiff) -> list[str]:
    old, new = Teams(index(diff.base)), Teams(index(diff.head))
    teams = set()
    for change in diff.changes:
        team = (old if change.action is Action.DELETE else new).of(change.entry)
        if team:
            teams.add(team)
    return sorted(teams)


def _findings(
    base: Mapping[str, Any], head: Mapping[str, Any], locator: Locator
) -> list[LocatedFinding]:
    before = {
        (f.get("control"), f.get("urn"), f.get("status"))
        for f in (base.get("policy") or {}).get("findings") or []
    }
    return [
        LocatedFinding(
            control=str(f.get("control")),
            status=str(f.get("status")),
            level=str(f.get("level")),
            severity=str(f.get("severity")),
            urn=f.get("urn"),
            message=str(f.get("message", "")),
            remediation=str(f.get("remediation", "")),
            location=locator.location(f.get("urn")),
            new=(f.get("control"), f.get("urn"), f.get("status")) not in before,
        )
        for f in (head.get("policy") or {}).get("findings") or []
    ]
