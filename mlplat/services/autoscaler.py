"""cluster-autoscaler (aws): its own role (``components/iam_services.py``) may resize only
this cluster's node groups."""

from __future__ import annotations

from mlplat.components.services.autoscaler import (
    NAMESPACE,
    ClusterAutoscaler,
    ClusterAutoscalerArgs,
)
from mlplat.services.service import ApiClient, Built, Provided, Service
from mlplat.spec.model import CloudProvider, PlatformSpec
from mlplat.spec.services import AutoscalingSpec


def _section(spec: PlatformSpec) -> AutoscalingSpec | None:
    """Off aws the spec checks refuse the section; there are no node groups to scale."""
    return spec.services.autoscaling if spec.cloud.provider is CloudProvider.AWS else None


def _build(section: AutoscalingSpec, provided: Provided) -> Built:
    cloud, spec = provided.cloud, provided.spec
    assert cloud is not None, "only on aws (its section)"
    ClusterAutoscaler(
        provided.name,
        ClusterAutoscalerArgs(
            spec=section,
            provider=provided.context.provider,
            cluster=cloud.identity,
            cluster_name=spec.metadata.name,
            kubernetes_version=spec.cluster.kubernetes_version,
            region=cloud.region,
            nodegroup_arns=[pool.node_group.arn for pool in cloud.node_pools.values()],
            identity_mode=spec.cluster.workload_identity,
        ),
        cloud.opts,
    )
    return Built()


SERVICE = Service(
    name="autoscaler",
    section=_section,
    build=_build,
    charts=("cluster-autoscaler",),
    api_clients=(
        ApiClient(
            f"{NAMESPACE}/Deployment/cluster-autoscaler-aws-cluster-autoscaler",
            "watches pending pods and nodes, and evicts pods and taints nodes to shrink "
            "the node groups",
        ),
    ),
)
