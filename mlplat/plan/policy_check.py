"""The policy pack over a plan, offline: the verdict `mlplat plan` prints and
`mlplat check` recomputes from a plan file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mlplat_policies import PACK_NAME
from mlplat_policies.control import SEVERITY_ORDER
from mlplat_policies.runner import Finding, Resource, Status, Verdict, evaluate

STATUS_ORDER = (Status.VIOLATION, Status.UNKNOWN, Status.EXEMPT)


@dataclass
class PolicyReport:
    verdict: Verdict
    config: dict[str, Any]

    @property
    def failed(self) -> bool:
        return bool(self.verdict.mandatory_failures)

    def findings(self) -> list[Finding]:
        """Most urgent first: status, then mandatory before advisory, then severity."""
        return sorted(
            self.verdict.findings,
            key=lambda f: (
                STATUS_ORDER.index(f.status),
                f.level != "mandatory",
                SEVERITY_ORDER.index(f.severity),
                f.control,
                f.urn or "",
                f.message,
            ),
        )

    def summary(self) -> dict[str, int]:
        counts = Counter(
            "mandatory" if f.status is Status.VIOLATION and f.level == "mandatory"
            else "advisory" if f.status is Status.VIOLATION
            else str(f.status)
            for f in self.verdict.findings
        )  # fmt: skip
        return {k: counts.get(k, 0) for k in ("mandatory", "advisory", "unknown", "exempt")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": PACK_NAME,
            "controls": self.verdict.controls,
            "summary": self.summary(),
            "findings": [
                {
                    "control": f.control,
                    "status": str(f.status),
                    "level": str(f.level),
                    "severity": f.severity.value,
                    "urn": f.urn,
                    "message": f.message,
                    "remediation": f.remediation,
                }
                for f in self.findings()
            ],
            "config": self.config,
        }


def resources_of(entries: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """Plan-JSON resources as the runner takes them (components carry no properties)."""
    return [
        Resource(
            urn=e["urn"],
            type=e["type"],
            name=e["name"],
            props=e.get("inputs") or {},
            parent=e.get("parent"),
            property_dependencies=e.get("propertyDependencies") or {},
            protect=bool((e.get("options") or {}).get("protect")),
            depends_on=tuple((e.get("options") or {}).get("dependsOn") or ()),
        )
        for e in entries
        if e.get("custom", True)
    ]


def check(entries: Iterable[Mapping[str, Any]], config: Mapping[str, Any]) -> PolicyReport:
    return PolicyReport(evaluate(resources_of(entries), config), dict(config))
