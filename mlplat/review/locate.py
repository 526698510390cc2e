"""Which line of the spec produced a resource: for review comments and SARIF results.

A resource is traced up its parents to the first component the composition root builds
from one spec section (a node pool from its ``nodePools`` entry, a team from its
``teams`` entry, Airflow from ``services.airflow``...), and that section's location is
read from the parsed spec (mlplat/spec/yaml_source.py keeps one for every value, in the
file of the ``extends`` chain that wrote it). Sections left to their defaults point at
the nearest written parent, at worst the top of the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplat.spec import AnySpec, Location, PlatformSpec, TeamStackSpec
from mlplat.spec.errors import Path
from mlplat.spec.yaml_source import SourceDoc

SECTIONS: Mapping[str, Path] = {
    "mlplat:index:PlatformKey": ("encryption",),
    "mlplat:index:Network": ("network",),
    "mlplat:index:EksCluster": ("cluster",),
    "mlplat:index:EksAddons": ("cluster",),
    "mlplat:index:EbsStorageClass": ("cluster",),
    "mlplat:index:KubernetesBase": ("cloud",),
    "mlplat:index:Registry": ("registry",),
    "mlplat:index:Storage": ("storage",),
    "mlplat:index:Database": ("database",),
    "mlplat:index:ServiceDatabases": ("database",),
    "mlplat:index:Airflow": ("services", "airflow"),
    "mlplat:index:Mlflow": ("services", "mlflow"),
    "mlplat:index:FeatureStore": ("services", "featureStore"),
    "mlplat:index:OnlineStore": ("services", "featureStore"),
    "mlplat:index:Monitoring": ("services", "monitoring"),
    "mlplat:index:ClusterAutoscaler": ("services", "autoscaling"),
    "mlplat:index:LoadBalancerController": ("services", "ingress"),
    "mlplat:index:GpuSoftware": ("nodePools",),
    "mlplat:index:Kueue": ("teams",),
    "mlplat:index:TeamAccess": ("teams",),
}
"""Component type -> the spec section it is built from (platform specs)."""

_IDENTITY_SUFFIXES: Mapping[str, Path] = {
    "-airflow": ("services", "airflow"),
    "-mlflow": ("services", "mlflow"),
    "-feast": ("services", "featureStore"),
    "-db-bootstrap": ("database",),
}
"""Top-level workload identities, by name suffix."""
SERVICE_NAMESPACES: Mapping[str, Path] = {
    "airflow": ("services", "airflow"),
    "mlflow": ("services", "mlflow"),
    "feast": ("services", "featureStore"),
}
"""Namespaces KubernetesBase creates for a service (the services' NAMESPACE constants)."""


class Locator:
    """Spec paths and file locations for the resources of one plan."""

    def __init__(
        self, plan: Mapping[str, Any], spec: AnySpec | None, source: SourceDoc | None
    ) -> None:
        self.by_urn = {r["urn"]: r for r in plan.get("resources", [])}
        self.spec = spec
        self.source = source

    def spec_path(self, urn: str | None) -> Path:
        """The spec path a resource comes from; () when nothing narrower is known."""
        if isinstance(self.spec, TeamStackSpec):
            return ("team",)
        if not isinstance(self.spec, PlatformSpec):
            return ()
        name = self.spec.metadata.name
        seen: set[str] = set()
        while urn and urn not in seen:
            seen.add(urn)
            resource = self.by_urn.get(urn)
            if resource is None:
                break
            path = self._section(resource, name)
            if path is not None:
                return path
            urn = resource.get("parent")
        return ()

    def location(self, urn: str | None) -> Location | None:
        return self.at(self.spec_path(urn))

    def at(self, path: Path) -> Location | None:
        """The location of ``path``, or of its nearest written parent."""
        if self.source is None:
            return None
        while path:
            found = self.source.keys.get(path) or self.source.values.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.source.values.get(())

    def _section(self, resource: Mapping[str, Any], platform: str) -> Path | None:
        assert isinstance(self.spec, PlatformSpec)
        typ, name = resource["type"], resource["name"]
        if typ == "kubernetes:core/v1:Namespace":
            namespace = ((resource.get("inputs") or {}).get("metadata") or {}).get("name")
            if namespace in SERVICE_NAMESPACES:
                return SERVICE_NAMESPACES[namespace]
        if typ == "mlplat:index:NodePool":
            pools = [p.name for p in self.spec.node_pools]
            pool = name.removeprefix(f"{platform}-")
            return ("nodePools", pools.index(pool)) if pool in pools else ("nodePools",)
        if typ == "mlplat:index:Team":
            teams = [t.name for t in self.spec.teams or ()]
            team = name.removeprefix(f"{platform}-team-")
            return ("teams", teams.index(team)) if team in teams else ("teams",)
        if typ == "aws:ecr/repository:Repository":
            for i, repo in enumerate(self.spec.registry.repositories):
                if name == f"{platform}-{repo.name}":
                    return ("registry", "repositories", i)
            return None
        if typ == "mlplat:index:WorkloadIdentity" and resource.get("parent") is None:
            return next(
                (p for suffix, p in _IDENTITY_SUFFIXES.items() if name.endswith(suffix)), None
            )
        if typ == "mlplat:index:Registry" and resource.get("parent") is not None:
            return None  # a team's registry: its team decides
        return SECTIONS.get(typ)
