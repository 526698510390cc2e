"""What the service components (Airflow, MLflow, Feast) are given about the platform: where
objects go, the online store, and how a service is published. Plain data, documented
field by field, so a program in any language can pass them through the plugin."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

ALB_CLASS = "alb"
"""The AWS Load Balancer Controller's ingress class."""
S3_CREDENTIALS_SECRET = "object-store-credentials"
"""Per-namespace Secret (keys access-key, secret-key) for an S3-compatible in-cluster store."""


@dataclass(frozen=True)
class ObjectStore:
    """Where a service keeps objects: AWS S3 through its workload identity, or an
    S3-compatible store reached with keys."""

    buckets: Mapping[str, pulumi.Input[str]]
    """Bucket name by purpose: artifacts (MLflow), data (Feast), logs (Airflow's task logs)."""
    region: str = "us-east-1"
    """Region the S3 clients sign for."""
    endpoint_url: str | None = None
    """An S3-compatible endpoint (an in-cluster MinIO), whose clients authenticate with the
    keys in the Secret object-store-credentials (keys access-key, secret-key) of their
    namespace; None means AWS S3 through the service's workload identity."""

    @property
    def needs_keys(self) -> bool:
        """Whether clients authenticate with keys from S3_CREDENTIALS_SECRET (not IAM)."""
        return self.endpoint_url is not None


@dataclass(frozen=True)
class OnlineStoreEndpoint:
    """A Redis (ElastiCache, or in-cluster) as its clients connect to it."""

    host: pulumi.Input[str]
    """Its address."""
    port: int
    """Its port."""
    tls: bool
    """Whether clients connect over TLS (ElastiCache's in-transit encryption)."""
    password: pulumi.Input[str]
    """Redis AUTH password (a Pulumi secret)."""


@dataclass(frozen=True)
class Exposure:
    """How services are published: an Ingress per service at <service>.<domain>."""

    domain: str
    """Hosts are <service>.<domain>."""
    class_name: str
    """Ingress class of the cluster's controller (alb for the AWS Load Balancer Controller)."""
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
