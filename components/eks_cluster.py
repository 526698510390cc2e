"""EksCluster: the EKS control plane, its IAM role, core managed add-ons and admin access.

Driven by the spec's ``cluster`` section. Stateful (it holds every workload), so it is
protected in prod. Secure defaults: private API endpoint; authentication through access
entries only (no aws-auth ConfigMap) and no implicit admin for whoever created it;
add-ons are EKS-managed rather than self-managed copies nobody upgrades.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import assume_role_policy, eks_access_policy_arn, managed_policy_arn
from mlplat.spec.model import ClusterSpec, EndpointAccess

PRE_NODE_ADDONS = ("vpc-cni", "kube-proxy")
"""Add-ons nodes need to become Ready; created with the cluster."""
POST_NODE_ADDONS = ("coredns",)
"""Add-ons that schedule pods, so they only become healthy once nodes exist."""


@dataclass(frozen=True)
class EksClusterArgs:
    spec: ClusterSpec
    """The spec's cluster section (version, endpoint access, admins)."""
    cluster_name: str
    """Physical EKS cluster name; changing it replaces the cluster."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets for the control plane's network interfaces."""
    region: str
    """Region, written into the kubeconfig's token command."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    protect: bool
    """Protect the cluster from deletion (prod)."""


class EksCluster(pulumi.ComponentResource):
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    version: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """Secret. Released only once every admin access entry exists."""

    def __init__(
        self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:EksCluster", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=assume_role_policy(
                "eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession")
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy",
            role=role.name,
            policy_arn=managed_policy_arn(args.partition, "AmazonEKSClusterPolicy"),
            opts=child,
        )
        public = spec.endpoint_access is not EndpointAccess.PRIVATE
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=spec.kubernetes_version,
            role_arn=role.arn,
            vpc_config={
                "subnet_ids": args.subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": public,
                "public_access_cidrs": list(spec.public_access_cidrs) if public else None,
            },
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": False,
            },
            bootstrap_self_managed_addons=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy], protect=args.protect),
        )
        self._cluster, self._prefix = cluster, name
        for addon in PRE_NODE_ADDONS:
            self._addon(addon)

        grants = []
        for arn in spec.admins:
            key = f"{name}-admin-{_principal_key(arn)}"
            entry = aws.eks.AccessEntry(
                key, cluster_name=cluster.name, principal_arn=arn, type="STANDARD", opts=child
            )
            grants.append(
                aws.eks.AccessPolicyAssociation(
                    key,
                    cluster_name=cluster.name,
                    principal_arn=entry.principal_arn,
                    policy_arn=eks_access_policy_arn(args.partition, "AmazonEKSClusterAdminPolicy"),
                    access_scope={"type": "cluster"},
                    opts=child,
                )
            )

        self.name = cluster.name
        self.endpoint = cluster.endpoint
        self.version = cluster.version
        ready = pulumi.Output.all(
            cluster.name,
            cluster.endpoint,
            cluster.certificate_authority.data,
            *[g.id for g in grants],
        )
        self.kubeconfig = pulumi.Output.secret(
            ready.apply(lambda v: kubeconfig(v[0], v[1], v[2], args.region))
        )
        self.register_outputs(
            {"name": self.name, "endpoint": self.endpoint, "kubeconfig": self.kubeconfig}
        )

    def add_post_node_addons(self, nodes: list[pulumi.Resource]) -> None:
        """Create the add-ons that need running nodes, once ``nodes`` exist."""
        for addon in POST_NODE_ADDONS:
            self._addon(addon, depends_on=nodes)

    def _addon(self, addon: str, depends_on: list[pulumi.Resource] | None = None) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{self._prefix}-{addon}",
            cluster_name=self._cluster.name,
            addon_name=addon,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )


def _principal_key(arn: str) -> str:
    """A stable, readable resource-name fragment for an IAM principal ARN."""
    tail = arn.rsplit("/", 1)[-1].lower()[:24]
    return f"{tail}-{hashlib.sha256(arn.encode()).hexdigest()[:6]}"


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived token)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": ca_data},
                }
            ],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )
