"""ClusterAutoscaler: grows and shrinks the EKS node groups, including GPU pools from zero.

It discovers node groups by the ASG tags EKS sets, reads labels, taints and GPU counts of
empty pools from the node-template tags NodePool writes (and eks:DescribeNodegroup), and
may resize only this cluster's groups. The default expander, least-waste, picks the pool
that leaves the fewest idle CPUs and GPUs after a scale-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.charts import CLUSTER_AUTOSCALER_IMAGES
from mlplat.components.iam_services import cluster_autoscaler
from mlplat.components.services.kube import release, resources
from mlplat.components.workload_identity import (
    ClusterIdentity,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode
from mlplat.spec.services import AutoscalingSpec

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    spec: AutoscalingSpec
    provider: k8s.Provider
    cluster: ClusterIdentity
    cluster_name: str
    kubernetes_version: str
    region: str
    nodegroup_arns: Sequence[pulumi.Input[str]]
    identity_mode: WorkloadIdentityMode = WorkloadIdentityMode.IRSA


class ClusterAutoscaler(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:ClusterAutoscaler", name, None, opts)
        policy = pulumi.Output.all(*args.nodegroup_arns).apply(
            lambda arns: cluster_autoscaler(args.cluster_name, list(arns))
        )
        identity = WorkloadIdentity(
            f"{name}-identity",
            WorkloadIdentityArgs(
                cluster=args.cluster,
                namespace=NAMESPACE,
                service_account=SERVICE_ACCOUNT,
                mode=args.identity_mode,
                policy=policy,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        release(
            "cluster-autoscaler",
            "cluster-autoscaler",
            namespace=NAMESPACE,
            values=autoscaler_values(args, identity.service_account_annotations),
            version=args.spec.chart_version,
            overrides=args.spec.values,
            provider=args.provider,
            parent=self,
        )
        self.register_outputs({"roleArn": identity.role_arn})


def autoscaler_values(
    args: ClusterAutoscalerArgs, annotations: pulumi.Input[dict[str, str]]
) -> dict[str, Any]:
    return {
        "cloudProvider": "aws",
        "awsRegion": args.region,
        "autoDiscovery": {"clusterName": args.cluster_name},
        "image": {"tag": CLUSTER_AUTOSCALER_IMAGES[args.kubernetes_version]},
        "rbac": {
            "serviceAccount": {
                "create": True,
                "name": SERVICE_ACCOUNT,
                "annotations": annotations,
            }
        },
        "extraArgs": {
            "expander": str(args.spec.expander),
            "balance-similar-node-groups": True,
            "skip-nodes-with-system-pods": False,
            "scale-down-unneeded-time": "10m",
        },
        "resources": resources("100m", "300Mi", "600Mi"),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
