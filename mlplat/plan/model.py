"""The plan document: every declared resource under its real-engine URN, secrets masked.

Shape of ``Plan.to_dict()`` (also the JSON output; keys sorted, resources sorted by URN):

    formatVersion  1
    kind           "mlplat.dev/plan"
    note           what the plan is and is not
    project, stack, specFiles
    resources[]    urn, type, name, custom, parent (URN|null), provider (URN|null),
                   inputs (camelCase wire names; secrets "[secret]"),
                   propertyDependencies {input: [URNs its value came from]},
                   options {protect, retainOnDelete, dependsOn[], ignoreChanges[],
                            aliases[] (the old URNs this resource answers to)}
    outputs        stack outputs (secrets "[secret]")
    summary        {resources: count of custom resources, components: count, byType: {type: n}}
    diagnostics[]  warnings the program logged
    policy         the policy pack's verdict: pack, controls, summary, findings[]
                   {control, status, level, severity, urn, message, remediation}, config
    render         with --render: helm, kubeVersion, chartCache, objects, releases[],
                   summary, findings[] {check, severity, release, object, field, message,
                   fix}, flows[] {name, source, target, port, expected, actual, reason, ok}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mlplat.plan.policy_check import PolicyReport
from mlplat.plan.runtime import ProgramRun, Registration
from mlplat.render.findings import RenderReport

FORMAT_VERSION = 1
SECRET = "[secret]"
NOTE = (
    "Offline synth of what the program declares, run in-process under Pulumi's mock runtime. "
    "Not a diff against live state: nothing was read from the cloud, and computed values "
    "(ids, ARNs, endpoints) are deterministic placeholders."
)
# Wire-protocol markers of the Pulumi SDK (pulumi/runtime/rpc.py); stable across versions.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    inputs: dict[str, Any]
    propertyDependencies: dict[str, list[str]]
    options: dict[str, Any]


@dataclass
class Plan:
    project: str
    stack: str
    spec_files: list[str]
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    diagnostics: list[str] = field(default_factory=list)
    duplicate_urns: list[str] = field(default_factory=list)
    """URNs declared more than once; the real engine refuses such a program."""
    policy: PolicyReport | None = None
    """The policy pack's verdict on these resources."""
    rendered: RenderReport | None = None
    """What the Helm releases render to, checked (`mlplat plan --render`)."""
    _children: dict[str | None, list[PlannedResource]] | None = field(
        default=None, repr=False, compare=False
    )

    def summary(self) -> dict[str, Any]:
        custom = [r for r in self.resources if r.custom]
        return {
            "resources": len(custom),
            "components": len(self.resources) - len(custom),
            "byType": dict(sorted(Counter(r.type for r in custom).items())),
        }

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "formatVersion": FORMAT_VERSION,
                "kind": "mlplat.dev/plan",
                "note": NOTE,
                "project": self.project,
                "stack": self.stack,
                "specFiles": self.spec_files,
                "resources": [vars(r) for r in self.resources],
                "outputs": self.outputs,
                "summary": self.summary(),
                "diagnostics": self.diagnostics,
            }
            | ({"policy": self.policy.to_dict()} if self.policy else {})
            | ({"render": self.rendered.to_dict()} if self.rendered else {})
        )

    def children(self, parent: str | None) -> list[PlannedResource]:
        """Resources directly under ``parent`` (None: top level), by type then name."""
        if self._children is None:
            index: dict[str | None, list[PlannedResource]] = {}
            for resource in sorted(self.resources, key=lambda r: (r.type, r.name)):
                index.setdefault(resource.parent, []).append(resource)
            self._children = index
        return self._children.get(parent, [])


def build_plan(run: ProgramRun, spec_files: list[str]) -> Plan:
    by_mock = {r.mock_urn: r for r in run.registrations}
    real: dict[str, str] = {}

    def qualified_type(reg: Registration) -> str:
        parent = by_mock.get(reg.parent)
        return reg.type if parent is None else f"{qualified_type(parent)}${reg.type}"

    prefix = f"urn:pulumi:{run.stack}::{run.project}::"
    for reg in run.registrations:
        real[reg.mock_urn] = f"{prefix}{qualified_type(reg)}::{reg.name}"
    counts = Counter(real[r.mock_urn] for r in run.registrations)

    def alias_urn(alias: dict[str, Any], reg: Registration) -> str:
        """The old URN an alias stands for, in the same real-engine format."""
        if "urn" in alias:
            return alias["urn"]
        typ = alias.get("type", reg.type)
        parent = None if alias.get("noParent") else by_mock.get(alias.get("parentUrn", reg.parent))
        chain = typ if parent is None else f"{qualified_type(parent)}${typ}"
        return f"{prefix}{chain}::{alias.get('name', reg.name)}"

    resources = []
    for reg in run.registrations:
        implicit = {urn for urns in reg.property_dependencies.values() for urn in urns}
        explicit = [real.get(d, d) for d in reg.dependencies if d not in implicit]
        provider = real.get(reg.provider.rsplit("::", 1)[0]) if reg.provider else None
        resources.append(
            PlannedResource(
                urn=real[reg.mock_urn],
                type=reg.type,
                name=reg.name,
                custom=reg.custom,
                parent=real.get(reg.parent),
                provider=provider,
                inputs=mask(reg.inputs),
                propertyDependencies={
                    key: sorted(real.get(u, u) for u in urns)
                    for key, urns in sorted(reg.property_dependencies.items())
                },
                options={
                    "protect": reg.protect,
                    "retainOnDelete": reg.retain_on_delete,
                    "dependsOn": sorted(explicit),
                    "ignoreChanges": sorted(reg.ignore_changes),
                    "aliases": sorted(alias_urn(a, reg) for a in reg.aliases),
                },
            )
        )
    resources.sort(key=lambda r: r.urn)
    outputs = {
        key: SECRET if secret else mask(value)
        for key, (value, secret) in sorted(run.outputs.items())
    }
    return Plan(
        project=run.project,
        stack=run.stack,
        spec_files=spec_files,
        resources=resources,
        outputs=outputs,
        diagnostics=list(run.log),
        duplicate_urns=sorted(urn for urn, n in counts.items() if n > 1),
    )


_PLAIN_SCALARS = frozenset({int, float, bool, type(None)})


def mask(value: Any) -> Any:
    """Replace secrets with a marker and make the value plain JSON data."""
    kind = type(value)  # most of a plan's values are plain strings: answer those first
    if kind is str:
        return "[unknown]" if value == _UNKNOWN else value
    if kind in _PLAIN_SCALARS:
        return value
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            return SECRET
        if sig == _RESOURCE_SIG:
            return value.get("urn", "")
        return {str(k): mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    if value == _UNKNOWN:
        return "[unknown]"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
