"""PlatformOutputs: what a team needs from its platform, and the platform stack exports.

The platform stack exports one ``teamPlatform`` output in this shape; a team stack reads
it back through a StackReference. Teams inside the platform stack consume the very same
value, so the two kinds of stack cannot drift apart. Keys are camelCase in the export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from mlplat.spec.teams import TEAM_REPOSITORIES

CONTRACT_VERSION = 1
"""Bumped when a key changes meaning; a team stack refuses a platform of another version."""
CPU_FLAVOR = "default"
"""The Kueue ResourceFlavor of CPU and memory (no node labels: any node)."""


class ContractError(ValueError):
    """The platform's outputs are not what this version of mlplat's team stacks consume."""


@dataclass(frozen=True)
class PlatformOutputs:
    platform: str
    """Platform name; prefixes what teams create in the cloud."""
    environment: str
    """dev, staging or prod; prod protects what teams create."""
    provider: str
    """aws or existing."""
    cohort: str
    """Kueue cohort every team's ClusterQueue joins (borrowing and lending happen in it)."""
    gpu_quotas: Mapping[str, Mapping[str, int]]
    """Every team's nominal GPU quota per pool, team -> pool -> GPUs: the platform's own
    teams and the team stacks its spec lists (teamStacks). A team stack is refused a quota
    above what the other teams leave of a pool."""
    gpu_pools: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """GPU pool (= its ResourceFlavor's name) -> {gpus: capacity, basis: how}."""
    other_pools: Mapping[str, str] = field(default_factory=dict)
    """Pools a GPU quota cannot name -> why."""
    services: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Platform service -> {namespace, port}: where team pods may connect."""
    monitoring_namespace: str | None = None
    """Namespace whose Prometheus scrapes team pods; None without monitoring."""
    teams: tuple[str, ...] = ()
    """Teams the platform stack manages."""
    principals: tuple[str, ...] = ()
    """IAM principals that already have an EKS access entry."""
    namespaces: tuple[str, ...] = ()
    """Namespaces already taken (the platform's and its teams')."""
    region: str | None = None
    partition: str | None = None
    account_id: str | None = None
    cluster_name: str | None = None
    cluster_arn: str | None = None
    oidc_provider_arn: str | None = None
    oidc_issuer: str | None = None
    workload_identity: str | None = None
    """irsa or podIdentity (aws)."""
    kms_key_arn: str | None = None
    """The platform key: buckets and repositories are encrypted with it (aws)."""
    buckets: Mapping[str, str] = field(default_factory=dict)
    """Bucket name by purpose (artifacts, data); teams own teams/<team>/ in each (aws)."""
    interface_endpoints: tuple[str, ...] = ()
    """Services with a private interface endpoint in the VPC (aws)."""
    endpoint_cidrs: tuple[str, ...] = ()
    """The interface endpoints' own subnets: the only VPC addresses team pods may reach (aws)."""
    s3_cidrs: tuple[str, ...] = ()
    """S3's prefix list: traffic to it takes the VPC's gateway endpoint (aws)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """The platform's cost tags, which team resources carry too."""
    repository_namespace: str | None = None
    """Where team repositories go: <namespace>/teams/<team>/<name>. None (platforms that
    predate it, or registry.scopeTeamRepositories false) keeps <team>/<name> (aws)."""

    def team_repository_prefix(self, team: str) -> str:
        """The namespace of a team's repositories; its workload role reaches <prefix>/*."""
        if self.repository_namespace:
            return f"{self.repository_namespace}/{TEAM_REPOSITORIES}/{team}"
        return team

    def exported(self) -> dict[str, Any]:
        """This value in the exported shape, which ``from_dict`` reads back."""
        return self.export({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def export(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The exported shape of ``values`` (field name -> value or Output): camelCase keys
        plus the contract version. Unknown names are a programming error."""
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        assert not unknown, f"not PlatformOutputs fields: {sorted(unknown)}"
        out: dict[str, Any] = {"version": CONTRACT_VERSION}
        for key, value in values.items():
            out[_camel(key)] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> PlatformOutputs:
        """Read the exported shape back; a wrong version or missing key is a ContractError."""
        if not isinstance(data, Mapping):
            raise ContractError(
                "the platform stack exports no teamPlatform output; deploy it with an mlplat "
                "that has teams (pulumi up on the platform stack) first"
            )
        if data.get("version") != CONTRACT_VERSION:
            raise ContractError(
                f"the platform exports teamPlatform version {data.get('version')!r}; this "
                f"mlplat reads version {CONTRACT_VERSION}: upgrade the older of the two"
            )
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            key = _camel(f.name)
            if key not in data:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise ContractError(
                        f"the platform's teamPlatform output has no '{key}': it was deployed "
                        "by an older mlplat; run pulumi up on the platform stack with this one"
                    )
                continue
            value = data[key]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
        return cls(**kwargs)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
