"""LoadBalancerController: the AWS Load Balancer Controller, serving ingress class alb.

It runs with its own workload identity whose mutations are limited to what it tagged as
this cluster's, security groups in the platform's VPC, and ingress rules on the EKS
cluster security group (components.iam_load_balancer). Ingresses mlplat creates default to
internal ALBs in the private subnets; TLS ends at the ALB with the spec's ACM certificate.
ingress-nginx is not used: it was retired in March 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.iam_load_balancer import load_balancer_controller
from mlplat.components.services.context import ALB_CLASS, Exposure
from mlplat.components.services.kube import RESTRICTED_CONTAINER, release, resources, restricted_pod
from mlplat.components.workload_identity import (
    ClusterIdentity,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode
from mlplat.spec.services import IngressSpec

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
INGRESS_CLASS = ALB_CLASS
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
"""TLS 1.3 and 1.2 only."""


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    spec: IngressSpec
    provider: k8s.Provider
    cluster: ClusterIdentity
    cluster_name: str
    region: str
    vpc_id: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    """The EKS cluster security group: every pod ENI's group, which the controller opens to
    its load balancers."""
    platform: str
    """Platform name; groups every service behind one shared ALB."""
    identity_mode: WorkloadIdentityMode = WorkloadIdentityMode.IRSA


class LoadBalancerController(pulumi.ComponentResource):
    exposure: Exposure
    release: k8s.helm.v3.Release

    def __init__(
        self,
        name: str,
        args: LoadBalancerControllerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlplat:index:LoadBalancerController", name, None, opts)
        cluster = args.cluster
        policy = pulumi.Output.all(
            cluster.account_id, args.vpc_id, args.cluster_security_group_id
        ).apply(
            lambda v: load_balancer_controller(
                cluster.partition, args.region, v[0], args.cluster_name, v[1], v[2]
            )
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
        values: dict[str, Any] = {
            "clusterName": args.cluster_name,
            "region": args.region,
            "vpcId": args.vpc_id,
            "replicaCount": 2,
            "serviceAccount": {
                "create": True,
                "name": SERVICE_ACCOUNT,
                "annotations": identity.service_account_annotations,
            },
            "resources": resources("100m", "256Mi", "512Mi"),
            # The chart's defaults keep its capabilities and no seccomp profile (restricted
            # refuses both); these replace them.
            "podSecurityContext": {**restricted_pod(65534, 65534, 65534)},
            "securityContext": {**RESTRICTED_CONTAINER, "readOnlyRootFilesystem": True},
            # Its Service webhook fails closed for every Service in the cluster, so until
            # the controller runs, other releases' Services would be refused. mlplat makes
            # no LoadBalancer Services (team quotas allow none), so it is not needed.
            "enableServiceMutatorWebhook": False,
        }
        self.release = release(
            "aws-load-balancer-controller",
            "load-balancer-controller",
            namespace=NAMESPACE,
            values=values,
            version=args.spec.chart_version,
            overrides=args.spec.values,
            provider=args.provider,
            parent=self,
        )
        self.exposure = alb_exposure(args.spec, args.platform)
        self.register_outputs({"roleArn": identity.role_arn})


def alb_exposure(spec: IngressSpec, platform: str) -> Exposure:
    """How services publish themselves through the controller's ALB."""
    annotations = {
        "alb.ingress.kubernetes.io/scheme": str(spec.scheme),
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/group.name": platform,
    }
    if spec.certificate_arn:
        annotations |= {
            "alb.ingress.kubernetes.io/certificate-arn": spec.certificate_arn,
            "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 443}]',
            "alb.ingress.kubernetes.io/ssl-policy": TLS_POLICY,
        }
    return Exposure(domain=spec.domain, class_name=INGRESS_CLASS, annotations=annotations)
