"""What a render check reports, and the report of a whole render."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from mlplat.render.objects import Inventory


class Severity(enum.StrEnum):
    ERROR = "error"
    """Would fail the deploy or leave a service broken; `mlplat render` exits 1."""
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    check: str
    """schema | admission | policy | wiring | network | hazard | values | capacity | render."""
    severity: Severity
    release: str
    """The release that renders the object, or "mlplat" for the program's own objects."""
    object: str
    """<namespace>/<Kind>/<name>, or the release itself."""
    field: str
    """Where in the object (a dotted path), or "" for the whole object."""
    message: str
    fix: str = ""

    def sort_key(self) -> tuple[int, str, str, str, str]:
        order = list(Severity).index(self.severity)
        return (order, self.check, self.release, self.object, self.message)


@dataclass(frozen=True)
class ReleaseRender:
    """How one release fared."""

    release: str
    namespace: str
    chart: str
    version: str
    rendered: bool
    objects: int = 0
    note: str = ""
    """Why it was not rendered, or from which file."""
    seconds: float = 0.0


@dataclass(frozen=True)
class FlowResult:
    """One row of the reachability matrix."""

    name: str
    source: str
    target: str
    port: str
    expected: str
    """open | closed."""
    actual: str
    """open | closed | partial (open for some pods or addresses, not others)."""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass
class RenderReport:
    helm: str
    """Helm's path and version, or why there is none."""
    kube_version: str
    chart_cache: str
    releases: list[ReleaseRender] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    flows: list[FlowResult] = field(default_factory=list)
    objects: int = 0
    seconds: float = 0.0
    manifests: dict[str, str] = field(default_factory=dict, repr=False)
    """Each rendered release's `helm template` output, by release (not in to_dict)."""
    inventory: Inventory | None = field(default=None, repr=False)
    """What the checks read (not in to_dict)."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def failed(self) -> bool:
        """Error-level findings; a release that was not rendered is one of them."""
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(f.severity is s for f in self.findings) for s in Severity}

    def to_dict(self) -> dict[str, Any]:
        return {
            "helm": self.helm,
            "kubeVersion": self.kube_version,
            "chartCache": self.chart_cache,
            "objects": self.objects,
            "releases": [asdict(r) for r in self.releases],
            "summary": self.counts() | {"notRendered": sum(not r.rendered for r in self.releases)},
            "findings": [asdict(f) for f in sorted(self.findings, key=Finding.sort_key)],
            "flows": [asdict(f) | {"ok": f.ok} for f in self.flows],
        }
