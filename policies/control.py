"""A control: one rule plus its catalogue facts, and the CrossGuard policy that runs it.

The rule never sees exemptions, defaults or resource types it does not inspect: the
wrapper built here does that once for every control, so both runners (the Pulumi engine
and ``runner.evaluate``) get the same behaviour from the same policy object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

EXEMPT_PREFIX = "exempt: "
"""Start of the not-applicable reason a control gives when only exempted objects failed."""


_exempt_sink: ContextVar[list[tuple[str, str]] | None] = ContextVar("exempt_sink", default=None)


@contextmanager
def collecting_exemptions() -> Iterator[list[tuple[str, str]]]:
    """Collect (urn, text) of every exempted finding while the block runs.

    The engine only hears of exemptions through a not-applicable reason, which a stack
    policy with live violations cannot also give; the offline runner reads them here, so
    its output always lists them.
    """
    sink: list[tuple[str, str]] = []
    token = _exempt_sink.set(sink)
    try:
        yield sink
    finally:
        _exempt_sink.reset(token)


class Level(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)

Report = Callable[..., None]
"""``report(message, urn=None)``: the engine's ReportViolation."""
Rule = Callable[[Any, Report, Mapping[str, Any]], None]
"""``rule(args, report, settings)``; args are Resource- or StackValidationArgs."""

EXEMPTION_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Objects this control does not fail on; each is reported with its reason.",
    "default": [],
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason"],
        "minProperties": 2,
        "properties": {
            "resource": {"type": "string", "description": "Resource name or URN."},
            "namespace": {"type": "string", "description": "Kubernetes namespace."},
            "workload": {"type": "string", "description": "<namespace>/<Kind>/<name>."},
            "parent": {"type": "string", "description": "Parent component name or URN."},
            "reason": {"type": "string", "minLength": 10, "description": "Why; shown in output."},
        },
    },
}


@dataclass(frozen=True)
class Subject:
    """What an exemption can match a resource on."""

    urn: str
    name: str
    parent: str | None
    namespace: str | None
    workload: str | None


def subject(resource_type: str, name: str, urn: str, props: Any, parent: str | None) -> Subject:
    namespace = workload = None
    if resource_type.startswith("kubernetes:"):
        try:
            metadata = props.get("metadata") or {}
            kind = props.get("kind") or resource_type.rsplit(":", 1)[-1]
            # A Namespace belongs to itself: "everything in namespace X" includes X.
            namespace = metadata.get("name") if kind == "Namespace" else metadata.get("namespace")
            workload = f"{namespace or ''}/{kind}/{metadata.get('name') or name}"
        except UnknownValueError:
            pass
    return Subject(urn, name, parent, namespace, workload)


def _matches(entry: Mapping[str, Any], who: Subject) -> bool:
    tests = {
        "resource": lambda v: v in (who.name, who.urn),
        "namespace": lambda v: v == who.namespace,
        "workload": lambda v: v == who.workload,
        "parent": lambda v: (
            who.parent is not None and v in (who.parent, who.parent.rsplit("::", 1)[-1])
        ),
    }
    selectors = [key for key in tests if key in entry]
    return bool(selectors) and all(tests[key](entry[key]) for key in selectors)


def exemption_for(exemptions: Any, who: Subject) -> Mapping[str, Any] | None:
    return next((e for e in exemptions or () if _matches(e, who)), None)


@dataclass(frozen=True)
class Control:
    id: str
    description: str
    """One line: what must hold."""
    types: frozenset[str]
    """Type tokens the rule inspects; every other resource is skipped."""
    anchors: tuple[str, ...]
    """Checkov / CIS / PSS / guide ids this control implements."""
    severity: Severity
    level: Level
    """Default enforcement outside production."""
    remediation: str
    """What to change, in the mlplat spec where the fix lives there."""
    rule: Rule = field(repr=False)
    stack: bool = False
    """A stack policy: sees every resource at once (correlates side resources)."""
    prod_level: Level | None = None
    """Enforcement in production when stricter than ``level``."""
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON Schema per policy-config property, each with a ``default``."""

    def level_for(self, environment: str) -> Level:
        return self.prod_level if environment == "prod" and self.prod_level else self.level

    def defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.settings.items()} | {
            "exemptions": []
        }

    def config_schema(self) -> PolicyConfigSchema:
        return PolicyConfigSchema(properties={**self.settings, "exemptions": EXEMPTION_SCHEMA})

    def policy(self) -> ResourceValidationPolicy | StackValidationPolicy:
        common: dict[str, Any] = {
            "name": self.id,
            "description": self.description,
            "enforcement_level": EnforcementLevel(self.level.value),
            "config_schema": self.config_schema(),
            "severity": self.severity,
            "tags": [*sorted({t.split(":", 1)[0] for t in self.types}), *self.anchors],
            "remediation_steps": self.remediation,
        }
        if self.stack:
            return StackValidationPolicy(validate=self._validate_stack, **common)
        return ResourceValidationPolicy(validate=self._validate_resource, **common)

    def settings_of(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's settings: schema defaults (the engine applies them, unit tests do not)."""
        return self.defaults() | {k: v for k, v in config.items() if k != "enforcementLevel"}

    def _validate_resource(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in self.types:
            return
        settings = self.settings_of(args.get_config())
        found: list[tuple[str, str | None]] = []
        self.rule(args, lambda message, urn=None: found.append((message, urn)), settings)
        if not found:
            return
        who = subject(args.resource_type, args.name, args.urn, args.props, args.opts.parent)
        exemption = exemption_for(settings["exemptions"], who)
        if exemption is None:
            for message, urn in found:
                report(message, urn)
            return
        args.not_applicable(_record_exempted([(who, exemption, found[0][0])]))

    def _validate_stack(self, args: StackValidationArgs, report: ReportViolation) -> None:
        settings = self.settings_of(args.get_config())
        by_urn = {r.urn: r for r in args.resources}
        found: list[tuple[str, str | None]] = []
        self.rule(args, lambda message, urn=None: found.append((message, urn)), settings)
        exempted, live = [], []
        for message, urn in found:
            resource = by_urn.get(urn or "")
            who = _subject_of(resource) if resource is not None else None
            exemption = exemption_for(settings["exemptions"], who) if who else None
            if exemption is None:
                live.append((message, urn))
            else:
                exempted.append((who, exemption, message))
        for message, urn in live:
            report(message, urn)
        if exempted:
            reason = _record_exempted(exempted)
            if not live:
                args.not_applicable(reason)


def _subject_of(resource: PolicyResource) -> Subject:
    return subject(
        resource.resource_type, resource.name, resource.urn, resource.props, resource.opts.parent
    )


def _record_exempted(items: list[tuple[Subject, Mapping[str, Any], str]]) -> str:
    """Hand exempted findings to a collecting runner; return the engine's not-applicable reason."""
    texts = [(who.urn, f"{e['reason']} (would report: {message})") for who, e, message in items]
    sink = _exempt_sink.get()
    if sink is not None:
        sink.extend(texts)
    return EXEMPT_PREFIX + " | ".join(f"{urn} — {text}" for urn, text in texts)
