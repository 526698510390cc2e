"""The policy pack over a plan, offline: the verdict `mlplat plan` prints and
`mlplat check` recomputes from a plan file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from mlplat.policies import BY_ID, PACK_NAME
from mlplat.policies.control import SEVERITY_ORDER, Level
from mlplat.policies.runner import Finding, Resource, Status, Verdict, evaluate

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


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Why the pack would refuse ``config`` (a policy-config file or a plan's), if it would:
    controls it does not have, enforcement levels it does not know, settings its schemas
    refuse. The engine refuses such a config too; the offline check says which entry."""
    levels = [level.value for level in Level]
    problems: list[str] = []
    for key, entry in config.items():
        control = BY_ID.get(key)
        if control is None and key != "all":
            problems.append(f"{key}: not a control of {PACK_NAME}")
            continue
        level = entry.get("enforcementLevel") if isinstance(entry, Mapping) else entry
        if level is not None and level not in levels:
            problems.append(f"{key}: expected an enforcement level ({', '.join(levels)}), "
                            f"found {level!r}"[:200])  # fmt: skip
        if control is not None and isinstance(entry, Mapping):
            schema = {"type": "object", "properties": control.config_schema().properties}
            settings = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            for error in Draft202012Validator(schema).iter_errors(settings):
                where = ".".join(map(str, (key, *error.absolute_path)))
                problems.append(f"{where}: {error.message}"[:200])
    return problems
