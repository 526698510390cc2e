"""What every service component receives from the platform: where objects go, how it is
reached, and whether the monitoring CRDs exist. Plain data, so tests can build one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.fence import NetworkPeers

ALB_CLASS = "alb"
"""The AWS Load Balancer Controller's ingress class."""
S3_CREDENTIALS_SECRET = "object-store-credentials"
"""Per-namespace Secret (keys access-key, secret-key) for an S3-compatible in-cluster store."""


@dataclass(frozen=True)
class ObjectStore:
    buckets: Mapping[str, pulumi.Input[str]]
    """Bucket name by purpose: artifacts, data, logs."""
    region: str = "us-east-1"
    """Region the S3 clients sign for."""
    endpoint_url: str | None = None
    """An S3-compatible endpoint (in-cluster MinIO); None means AWS S3 via workload identity."""

    @property
    def needs_keys(self) -> bool:
        """Whether clients authenticate with keys from S3_CREDENTIALS_SECRET (not IAM)."""
        return self.endpoint_url is not None


@dataclass(frozen=True)
class OnlineStoreEndpoint:
    """The platform's Redis (ElastiCache, or in-cluster), as its clients connect to it."""

    host: pulumi.Input[str]
    port: int
    tls: bool
    password: pulumi.Input[str]
    """Redis AUTH password (a Pulumi secret)."""


@dataclass(frozen=True)
class Exposure:
    domain: str
    """Hosts are <service>.<domain>."""
    class_name: str
    """Ingress class."""
    annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations every Ingress gets (the ALB settings on aws)."""
    tls_secret: str | None = None
    """TLS Secret for the Ingress; None when TLS ends at the load balancer or is off."""

    def host(self, service: str) -> str:
        return f"{service}.{self.domain}"

    def annotations_for(self, health_path: str) -> dict[str, str]:
        """The Ingress annotations of a service whose health endpoint is ``health_path``.

        An ALB health-checks ``/`` unless told otherwise, which services behind a login
        answer with 401 or a redirect: their targets would never be healthy.
        """
        annotations = dict(self.annotations)
        if self.class_name == ALB_CLASS:
            annotations["alb.ingress.kubernetes.io/healthcheck-path"] = health_path
        return annotations

    def url(self, service: str, tls: bool) -> str:
        return f"{'https' if tls else 'http'}://{self.host(service)}"


@dataclass(frozen=True)
class ServiceContext:
    provider: k8s.Provider
    store: ObjectStore
    exposure: Exposure | None = None
    """None publishes nothing; services stay cluster-internal."""
    tls: bool = False
    """Whether the ingress terminates TLS (an ACM certificate on aws)."""
    monitoring: pulumi.Resource | None = None
    """The monitoring release, once its CRDs exist; None means no ServiceMonitors."""
    ingress_controller: pulumi.Resource | None = None
    """What must run before Ingresses are created (the controller's admission webhook)."""
    peers: NetworkPeers | None = None
    """Where the service's pods connect to and from; each service fences its namespace
    with them. None leaves the namespace unfenced (the caller fences it)."""

    @property
    def prerequisites(self) -> list[pulumi.Resource]:
        """Releases a service waits for: the monitoring CRDs and the ingress webhook."""
        return [r for r in (self.monitoring, self.ingress_controller) if r is not None]
