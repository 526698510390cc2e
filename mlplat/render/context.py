"""What the render checks need to know about the platform beyond its objects.

Derived from the spec and the plan's outputs: the cluster's version, the pack's config,
the address ranges pods and load balancers use, the Secrets an operator provides, and
the node pools pods land on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlplat.spec import PlatformSpec, TeamStackSpec
from mlplat.spec.model import CloudProvider, NodePoolSpec
from mlplat.spec.subnets import (
    CidrError,
    kubernetes_api_ip,
    kubernetes_service_cidr,
    plan_subnets,
)
from mlplat.spec.versions import STANDARD_SUPPORT


@dataclass(frozen=True)
class ProvidedSecret:
    """A Secret the platform expects to exist without creating it."""

    namespace: str
    name: str
    by: str
    """Who creates it and where that is said (a spec field, a README step)."""


@dataclass(frozen=True)
class RenderContext:
    kube_version: str
    """The cluster's version, as `helm template --kube-version` takes it (1.35.0)."""
    policy_config: Mapping[str, Any] = field(default_factory=dict)
    provided: tuple[ProvidedSecret, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """The stack's outputs (service URLs are checked against Services)."""
    pod_cidr: str | None = None
    """Where pod addresses come from (the VPC on EKS, whose CNI gives pods VPC addresses);
    None when unknown (an existing cluster)."""
    load_balancer_cidrs: tuple[str, ...] = ()
    """Where an ALB with ip targets connects to pods from (its subnets)."""
    node_cidrs: tuple[str, ...] = ()
    """Where the nodes (and the control plane's interfaces) have their addresses: the
    targets of Services without a selector (kubelets, the API server). Empty when unknown."""
    api_server_cidrs: tuple[str, ...] = ()
    """The API server as pods reach it (its Service IP); empty when unknown."""
    database_cidrs: tuple[str, ...] = ()
    """Where a managed database lives; empty for an in-cluster one (its Service decides)."""
    redis_cidrs: tuple[str, ...] = ()
    """Where a managed Redis lives; empty for an in-cluster one."""
    ingress_class: str | None = None
    stack: str = "stack"
    waits_for: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The releases each release (by name) or mlplat object (by URN) is ordered after,
    transitively, from the plan's dependencies."""
    node_pools: tuple[NodePoolSpec, ...] = ()
    """The stack's EKS node pools; none on an existing cluster, whose nodes mlplat does not
    know."""


def render_context(
    spec: PlatformSpec | TeamStackSpec,
    outputs: Mapping[str, Any],
    policy_config: Mapping[str, Any],
    stack: str,
    kube_version: str | None = None,
) -> RenderContext:
    """The context of a platform (or team) stack; ``kube_version`` overrides the spec's."""
    if isinstance(spec, TeamStackSpec):
        version = kube_version or STANDARD_SUPPORT[-1]
        return RenderContext(_full(version), policy_config, (), outputs, stack=stack)
    aws = spec.cloud.provider is CloudProvider.AWS
    version = kube_version or (spec.cluster.kubernetes_version if aws else STANDARD_SUPPORT[-1])
    provided: list[ProvidedSecret] = []
    airflow, mlflow = spec.services.airflow, spec.services.mlflow
    if airflow is not None and airflow.dags is not None and airflow.dags.ssh_key_secret:
        provided.append(
            ProvidedSecret(
                "airflow", airflow.dags.ssh_key_secret, "the operator (services.airflow.dags)"
            )
        )
    if mlflow is not None and mlflow.oidc is not None:
        provided.append(
            ProvidedSecret(
                "mlflow", mlflow.oidc.client_secret_name, "the operator (services.mlflow.oidc)"
            )
        )
    ingress = spec.services.ingress
    lb_cidrs: tuple[str, ...] = ()
    node_cidrs: tuple[str, ...] = ()
    subnets = None
    if aws:
        try:
            subnets = plan_subnets(spec.network.cidr, spec.network.zone_count)
        except CidrError:
            subnets = None
    api_cidrs: tuple[str, ...] = ()
    if subnets is not None:
        node_cidrs = subnets.private
        api_cidrs = (f"{kubernetes_api_ip(kubernetes_service_cidr(spec.network.cidr))}/32",)
        if ingress is not None:
            internet_facing = str(ingress.scheme) == "internet-facing"
            lb_cidrs = subnets.public if internet_facing else subnets.private
    return RenderContext(
        kube_version=_full(version),
        policy_config=policy_config,
        provided=tuple(provided),
        outputs=outputs,
        pod_cidr=spec.network.cidr if aws else None,
        load_balancer_cidrs=lb_cidrs,
        node_cidrs=node_cidrs,
        api_server_cidrs=api_cidrs,
        database_cidrs=node_cidrs,
        redis_cidrs=node_cidrs if spec.services.feature_store else (),
        ingress_class=("alb" if aws else ingress.class_name) if ingress else None,
        stack=stack,
        node_pools=tuple(spec.node_pools) if aws else (),
    )


def _full(version: str) -> str:
    return version if version.count(".") >= 2 else f"{version}.0"
