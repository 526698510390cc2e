"""Small readers of the plan JSON document shared by the review modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Resource = Mapping[str, Any]


def index(plan: Mapping[str, Any]) -> dict[str, Resource]:
    return {r["urn"]: r for r in plan.get("resources", [])}


def top_component(resource: Resource, by_urn: Mapping[str, Resource]) -> Resource:
    """The outermost ancestor of ``resource`` (itself when it has no parent in the plan)."""
    current, seen = resource, set()
    while current.get("parent") in by_urn and current["urn"] not in seen:
        seen.add(current["urn"])
        current = by_urn[current["parent"]]
    return current


def component_label(resource: Resource) -> str:
    """``NodePool mlplat-prod-gpu-training``: a component's class and name."""
    if resource.get("custom", True):
        return str(resource["name"])
    return f"{resource['type'].rsplit(':', 1)[-1]} {resource['name']}"


class Teams:
    """Which team each resource of one plan belongs to: the ``mlplat.dev/team`` label or
    tag on it or an ancestor, or the team of the Team component above it."""

    def __init__(self, by_urn: Mapping[str, Resource]) -> None:
        self.by_urn = by_urn
        self.components: dict[str, str] = {}
        for resource in by_urn.values():
            parent = by_urn.get(resource.get("parent") or "")
            if parent is not None and parent.get("type") == "mlplat:index:Team":
                team = _label(resource)
                if team:
                    self.components.setdefault(parent["urn"], team)
        for urn, resource in by_urn.items():
            if resource.get("type") == "mlplat:index:Team":
                self.components.setdefault(urn, str(resource["name"]))

    def of(self, resource: Resource) -> str | None:
        current: Resource | None = resource
        while current is not None:
            team = _label(current) or self.components.get(current["urn"])
            if team:
                return team
            current = self.by_urn.get(current.get("parent") or "")
        return None


def _label(resource: Resource) -> str | None:
    inputs = resource.get("inputs") or {}
    labels = (inputs.get("metadata") or {}).get("labels") or {}
    team = labels.get("mlplat.dev/team") or (inputs.get("tags") or {}).get("mlplat.dev/team")
    return str(team) if team else None
