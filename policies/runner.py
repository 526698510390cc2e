"""The in-process runner: the pack's own policy objects over a list of resources, called
the way the engine calls them (wire-shaped props behind the unknown-checking proxy,
config per policy, enforcement resolved from the config)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from mlplat.policies import CONTROLS
from mlplat.policies.control import Control, Level, collecting_exemptions

UNKNOWN_MARKER = "[unknown]"
"""How the offline plan writes a value that is unknown until apply."""


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    """Inputs under their camelCase wire names."""
    parent: str | None = None
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Input name -> URNs that input's value came from."""
    protect: bool = False
    depends_on: Sequence[str] = ()
    """URNs of explicit dependencies (dependsOn); the engine lists them as dependencies too."""


class Status(StrEnum):
    VIOLATION = "violation"
    EXEMPT = "exempt"
    UNKNOWN = "unknown"
    """The rule needed a value that is only known after apply."""


@dataclass(frozen=True)
class Finding:
    control: str
    status: Status
    level: Level
    severity: Severity
    urn: str | None
    message: str
    remediation: str


@dataclass
class Verdict:
    findings: list[Finding]
    controls: int
    """Controls that ran (not disabled)."""
    resources: int

    @property
    def mandatory_failures(self) -> list[Finding]:
        return [
            f for f in self.findings if f.status is Status.VIOLATION and f.level is Level.MANDATORY
        ]


def wire(value: Any) -> Any:
    """Plan JSON to what the engine sends: numbers as floats, unknowns as the sentinel."""
    kind = type(value)  # plain JSON first: the ABC checks below took half of this time
    if kind is str:
        return UNKNOWN_STRING_VALUE if value == UNKNOWN_MARKER else value
    if kind is dict:
        return {k: wire(v) for k, v in value.items()}
    if kind is list:
        return [wire(v) for v in value]
    if kind is int:
        return float(value)
    if kind is bool or kind is float or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return UNKNOWN_STRING_VALUE if value == UNKNOWN_MARKER else value


def level_of(control: Control, config: Mapping[str, Any]) -> Level:
    """The engine's order: the policy's own config entry, then "all", then the default."""
    entry = config.get(control.id)
    if isinstance(entry, Mapping):
        entry = entry.get("enforcementLevel")
    entry = entry or config.get("all")
    return Level(entry) if entry else control.level


def settings_of(control: Control, config: Mapping[str, Any]) -> dict[str, Any]:
    entry = config.get(control.id)
    return dict(entry) if isinstance(entry, Mapping) else {}


def _options(resource: Resource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        resource.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], resource.parent
    )


def _call(validate: Any, args: Any, report: Any) -> None:
    result = validate(args, report)
    if inspect.isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()  # its selector's file handles would wait for the cycle collector


def evaluate(
    resources: Sequence[Resource],
    config: Mapping[str, Any] | None = None,
    controls: Sequence[Control] = CONTROLS,
) -> Verdict:
    config = config or {}
    props = {r.urn: unknown_checking_proxy(wire(r.props)) for r in resources}
    options = {r.urn: _options(r) for r in resources}  # shared: every rule only reads them
    by_type: dict[str, list[Resource]] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource)
    stack_view: list[PolicyResource] | None = None
    findings: list[Finding] = []
    ran = 0
    for control in controls:
        level = level_of(control, config)
        if level is Level.DISABLED:
            continue
        ran += 1
        settings = settings_of(control, config)
        policy = control.policy()

        def finding(status: Status, urn: str | None, message: str, c: Control = control,
                    lv: Level = level) -> Finding:  # fmt: skip
            return Finding(c.id, status, lv, c.severity, urn, message, c.remediation)

        if control.stack:
            stack_view = stack_view or _stack_view(resources, props, options)
            mine = [r for r in stack_view if r.resource_type in control.types]
            args = StackValidationArgs(mine, settings)
            targets: list[tuple[Any, str | None]] = [(args, None)]
        else:
            targets = [
                (
                    ResourceValidationArgs(
                        r.type, props[r.urn], r.urn, r.name, options[r.urn], None, settings
                    ),
                    r.urn,
                )
                for t in control.types
                for r in by_type.get(t, ())
            ]
        for args, urn in targets:
            with collecting_exemptions() as exempt:
                try:
                    _call(
                        policy.validate,
                        args,
                        lambda message, at=None, u=urn: findings.append(
                            finding(Status.VIOLATION, at or u, message)
                        ),
                    )
                except UnknownValueError as error:
                    message = f"cannot evaluate before apply: {error.message}"
                    findings.append(finding(Status.UNKNOWN, urn, message))
                except _NotApplicableError:
                    pass  # exemptions arrive through the sink, with their URNs
            findings.extend(finding(Status.EXEMPT, at, text) for at, text in exempt)
    return Verdict(findings, ran, len(resources))


def _stack_view(
    resources: Sequence[Resource],
    props: Mapping[str, Any],
    options: Mapping[str, PolicyResourceOptions],
) -> list[PolicyResource]:
    """PolicyResources with parents and property dependencies linked, as the engine builds them."""
    view = {
        r.urn: PolicyResource(
            r.type, props[r.urn], r.urn, r.name, options[r.urn], None, None, [], {}
        )
        for r in resources
    }
    for resource in resources:
        policy_resource = view[resource.urn]
        policy_resource.parent = view.get(resource.parent or "")
        policy_resource.property_dependencies = {
            key: [view[u] for u in urns if u in view]
            for key, urns in resource.property_dependencies.items()
        }
        linked = [d for deps in policy_resource.property_dependencies.values() for d in deps]
        explicit = [view[u] for u in resource.depends_on if u in view]
        policy_resource.dependencies = list({id(d): d for d in linked + explicit}.values())
    return list(view.values())
