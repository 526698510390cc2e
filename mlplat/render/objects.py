"""Kubernetes objects as they would reach the API server: rendered by Helm or declared by mlplat.

Both kinds land in one inventory so every check sees the whole cluster the platform
builds. Objects keep where they came from (the release and template, or the program's
URN) so a finding can say what to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from mlplat.plan.placeholders import kubernetes_autoname

SECRET = "[secret]"
"""How the plan masks a secret value (mlplat.plan.model.SECRET)."""
MLPLAT = "mlplat"
"""The source of objects the program declares itself (not rendered by a chart)."""

CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CSIDriver",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)
"""Built-in kinds without a namespace; custom kinds take their scope from their CRD."""

_SOURCE = re.compile(r"^# Source: (\S+)", re.MULTILINE)


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML as the API server reads it: a bare ``=`` is a string (YAML 1.1's value tag is
    not), and libyaml when present (rendered charts run to megabytes)."""


Loader.add_constructor(
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
)


@dataclass(frozen=True)
class K8sObject:
    """One object, with where it came from."""

    manifest: Mapping[str, Any]
    source: str
    """The Helm release that renders it, or MLPLAT."""
    origin: str
    """The chart template (``chart/templates/x.yaml``) or the program's resource URN."""
    namespace: str | None
    """Its namespace (a rendered object without one lands in its release's), None if
    cluster-scoped."""
    masked: frozenset[str] = frozenset()
    """Top-level fields whose content the plan masks as a secret (a Secret's data)."""
    synthetic: bool = False
    """A stand-in for what the cluster or an operator creates: resolves references, is
    not itself judged."""

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.manifest.get("apiVersion", ""))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def name(self) -> str:
        return str((self.manifest.get("metadata") or {}).get("name", ""))

    @property
    def labels(self) -> Mapping[str, str]:
        return (self.manifest.get("metadata") or {}).get("labels") or {}

    @property
    def annotations(self) -> Mapping[str, str]:
        return (self.manifest.get("metadata") or {}).get("annotations") or {}

    @property
    def ident(self) -> str:
        """``<namespace>/<Kind>/<name>``, as the policy pack's exemptions write workloads."""
        return f"{self.namespace or ''}/{self.kind}/{self.name}"

    @property
    def hooks(self) -> tuple[str, ...]:
        """The Helm hook phases this object runs in (empty for ordinary release objects)."""
        value = self.annotations.get("helm.sh/hook", "")
        return tuple(p.strip() for p in str(value).split(",") if p.strip())

    @property
    def type_token(self) -> str:
        """The Pulumi type token the kubernetes provider gives this kind."""
        group, _, version = self.api_version.rpartition("/")
        return f"kubernetes:{group or 'core'}/{version}:{self.kind}"


@dataclass
class Inventory:
    """Everything that would run: rendered and declared objects, indexed once."""

    objects: list[K8sObject] = field(default_factory=list)
    crd_scopes: dict[tuple[str, str], str] = field(default_factory=dict)
    """(group, kind) -> "Namespaced" | "Cluster", from every CRD in the inventory."""

    def add(self, objects: Iterable[K8sObject]) -> None:
        self.objects.extend(objects)

    def of_kind(self, *kinds: str) -> Iterator[K8sObject]:
        return (o for o in self.objects if o.kind in kinds)

    def in_namespace(self, namespace: str, *kinds: str) -> Iterator[K8sObject]:
        return (o for o in self.of_kind(*kinds) if o.namespace == namespace)

    def find(self, kind: str, namespace: str | None, name: str) -> K8sObject | None:
        return next(
            (o for o in self.of_kind(kind) if o.namespace == namespace and o.name == name), None
        )

    def namespaces(self) -> dict[str, K8sObject]:
        return {o.name: o for o in self.of_kind("Namespace")}


def parse_rendered(text: str, release: str, namespace: str) -> list[K8sObject]:
    """The objects of ``helm template`` output, each with its template path.

    Empty documents (templates that render nothing) are dropped; a rendered object
    without a namespace is placed in the release's namespace later, once CRD scopes are
    known (see ``place``).
    """
    objects = []
    for chunk in re.split(r"^---\s*$", text, flags=re.MULTILINE):
        source = _SOURCE.search(chunk)
        for doc in yaml.load_all(chunk, Loader=Loader):
            if not isinstance(doc, dict) or "kind" not in doc:
                continue
            if doc["kind"].endswith("List") and isinstance(doc.get("items"), list):
                docs = [d for d in doc["items"] if isinstance(d, dict)]
            else:
                docs = [doc]
            for item in docs:
                meta = item.get("metadata") or {}
                objects.append(
                    K8sObject(
                        manifest=item,
                        source=release,
                        origin=source.group(1) if source else "(no source)",
                        namespace=meta.get("namespace") or namespace,
                    )
                )
    return objects


def place(
    objects: Iterable[K8sObject], crd_scopes: Mapping[tuple[str, str], str]
) -> list[K8sObject]:
    """Drop the namespace of cluster-scoped objects (built-in table, or their CRD's scope)."""
    placed = []
    for obj in objects:
        scope = crd_scopes.get((obj.group, obj.kind))
        cluster = obj.kind in CLUSTER_SCOPED if scope is None else scope == "Cluster"
        placed.append(
            K8sObject(
                obj.manifest,
                obj.source,
                obj.origin,
                None if cluster else obj.namespace,
                obj.masked,
                obj.synthetic,
            )
        )
    return placed


def crd_scopes(objects: Iterable[K8sObject]) -> dict[tuple[str, str], str]:
    scopes = {}
    for obj in objects:
        if obj.kind == "CustomResourceDefinition":
            spec = obj.manifest.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            if kind:
                scopes[(str(spec.get("group", "")), str(kind))] = str(
                    spec.get("scope", "Namespaced")
                )
    return scopes


def declared_objects(resources: Iterable[Mapping[str, Any]]) -> list[K8sObject]:
    """The Kubernetes objects the program declares itself, from plan resources.

    Plan inputs are wire-shaped: whole numbers arrive as floats and names Pulumi would
    generate are absent; both are restored as the API server would see them (an
    auto-name as the plan's placeholders give it).
    """
    objects = []
    for resource in resources:
        typ = str(resource["type"])
        if not typ.startswith("kubernetes:") or not resource.get("custom"):
            continue
        if typ.startswith(("kubernetes:helm.sh/", "pulumi:providers:")):
            continue
        manifest = integral(dict(resource["inputs"]))
        if "kind" not in manifest:
            continue
        masked = frozenset(k for k, v in manifest.items() if v == SECRET)
        manifest |= {key: {} for key in masked}
        meta = dict(manifest.get("metadata") or {})
        meta.setdefault("name", kubernetes_autoname(str(resource["name"])))
        manifest["metadata"] = meta
        objects.append(
            K8sObject(
                manifest=manifest,
                source=MLPLAT,
                origin=str(resource["urn"]),
                namespace=meta.get("namespace") or "default",
                masked=masked,
            )
        )
    return objects


def integral(value: Any) -> Any:
    """Floats that hold whole numbers back to ints (the wire format has only floats)."""
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
