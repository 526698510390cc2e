"""The typed spec that components consume.

Frozen dataclasses, not pydantic: the JSON Schema is already the validation authority
(editors use it too), so a second validating model would duplicate it; dataclasses add
no dependency and keep ``mlplat validate`` fast. Defaults are written here once; the
schema repeats them for editors and a test keeps both equal.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar


class Environment(enum.StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CloudProvider(enum.StrEnum):
    AWS = "aws"
    EXISTING = "existing"


class NatGateways(enum.StrEnum):
    PER_ZONE = "perZone"
    SINGLE = "single"


class EndpointAccess(enum.StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"
    BOTH = "both"


class CapacityType(enum.StrEnum):
    ON_DEMAND = "onDemand"
    SPOT = "spot"


@dataclass(frozen=True)
class MetadataSpec:
    name: str
    """Platform name; prefixes resource names and names the EKS cluster."""
    environment: Environment
    """dev, staging or prod; prod is checked more strictly and protects stateful resources."""
    owner: str
    """Owning team or contact, tagged on every cloud resource."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags for every cloud resource."""


@dataclass(frozen=True)
class CloudSpec:
    provider: CloudProvider
    """aws builds the cloud layer; existing targets a cluster through a kubeconfig context."""
    region: str | None = None
    """AWS region (provider aws)."""
    kubeconfig: str | None = None
    """kubeconfig path (provider existing); None means the provider's default lookup."""
    context: str | None = None
    """kubeconfig context (provider existing)."""


@dataclass(frozen=True)
class NetworkSpec:
    cidr: str = "10.0.0.0/16"
    """VPC IPv4 CIDR."""
    availability_zones: int = 3
    """Number of availability zones to spread subnets over."""
    nat_gateways: NatGateways = NatGateways.PER_ZONE
    """One NAT gateway per zone, or a single shared one."""


@dataclass(frozen=True)
class ClusterSpec:
    kubernetes_version: str = "1.35"
    """Kubernetes minor version of the EKS control plane."""
    endpoint_access: EndpointAccess = EndpointAccess.PRIVATE
    """Who can reach the API server endpoint."""
    public_access_cidrs: tuple[str, ...] = ()
    """CIDRs allowed to reach a public endpoint."""
    admins: tuple[str, ...] = ()
    """IAM principal ARNs granted cluster admin via access entries."""


@dataclass(frozen=True)
class NodePoolSpec:
    name: str
    """Pool name, unique in the spec."""
    instance_types: tuple[str, ...]
    """EC2 instance types of one CPU architecture."""
    min_size: int = 1
    """Fewest nodes."""
    desired_size: int | None = None
    """Nodes at creation; None means min_size."""
    max_size: int = 3
    """Most nodes."""
    disk_size_gib: int = field(default=50, metadata={"key": "diskSizeGiB"})
    """Root volume size in GiB."""
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    """On-demand or spot capacity."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Extra Kubernetes node labels."""

    @property
    def initial_size(self) -> int:
        """The node count at creation: desired_size, or min_size when unset."""
        return self.min_size if self.desired_size is None else self.desired_size


@dataclass(frozen=True)
class PlatformSpec:
    api_version: str
    """Always mlplat.dev/v1."""
    kind: str
    """Always Platform."""
    metadata: MetadataSpec
    """Who and what the platform is."""
    cloud: CloudSpec
    """Where it runs."""
    network: NetworkSpec = field(default_factory=NetworkSpec)
    """The VPC (aws)."""
    cluster: ClusterSpec = field(default_factory=ClusterSpec)
    """The EKS control plane (aws)."""
    node_pools: tuple[NodePoolSpec, ...] = ()
    """Managed node pools (aws)."""

    @property
    def is_prod(self) -> bool:
        return self.metadata.environment is Environment.PROD


T = TypeVar("T")


def spec_key(f: dataclasses.Field[Any]) -> str:
    """The camelCase key a dataclass field is written as in YAML."""
    if "key" in f.metadata:
        return f.metadata["key"]
    head, *rest = f.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def from_document(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build a dataclass from a schema-valid mapping; absent keys take the field default."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = spec_key(f)
        if key in data:
            kwargs[f.name] = _convert(hints[f.name], data[key])
    return cls(**kwargs)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner, value)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if origin is Mapping:
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return from_document(hint, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
