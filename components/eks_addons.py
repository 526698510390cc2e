"""EksAddons: the EKS-managed add-ons, each with its own narrowly scoped identity.

EKS-managed rather than self-managed copies nobody upgrades. The VPC CNI gets its
permissions from its own IRSA role instead of the node role (so pods on a node do not
inherit them) and enforces Kubernetes NetworkPolicy. The EBS CSI driver gets an IRSA
role that may use the platform key only to grant it to EBS. Add-ons always use IRSA,
whatever the platform's workload-identity mode: their roles are bound when the add-on
is created and must not wait for the Pod Identity agent they sit beside.

The cluster is created without its self-managed networking add-ons, so node groups must
wait for the managed vpc-cni and kube-proxy (a node without a CNI never becomes Ready);
coredns and the EBS CSI driver run Deployments and so wait for nodes. The constructor
declares the first kind; ``install_after_nodes`` the second, once the node groups exist.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.components.iam import kms_use_for_grants
from mlplat.components.workload_identity import (
    ClusterIdentity,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode

VPC_CNI_CONFIG = json.dumps({"enableNetworkPolicy": "true"}, sort_keys=True)
"""Turns on the VPC CNI's NetworkPolicy agent."""


@dataclass(frozen=True)
class _Addon:
    name: str
    after_nodes: bool
    """Runs Deployments, so it is only healthy once nodes exist."""
    nodes_wait: bool = False
    """Node groups wait for it: without it no node becomes Ready or reaches a Service."""
    service_account: str | None = None
    managed_policies: tuple[str, ...] = ()
    key_grants: bool = False
    configuration: str | None = None


ADDONS = (
    _Addon(
        "vpc-cni",
        after_nodes=False,
        nodes_wait=True,
        service_account="aws-node",
        managed_policies=("AmazonEKS_CNI_Policy",),
        configuration=VPC_CNI_CONFIG,
    ),
    _Addon("kube-proxy", after_nodes=False, nodes_wait=True),
    _Addon("eks-pod-identity-agent", after_nodes=False),
    _Addon("coredns", after_nodes=True),
    _Addon(
        "aws-ebs-csi-driver",
        after_nodes=True,
        service_account="ebs-csi-controller-sa",
        managed_policies=("AmazonEBSCSIDriverPolicy",),
        key_grants=True,
    ),
)
"""Every managed add-on, in creation order."""
FIRST_RELEASE = frozenset({"vpc-cni", "kube-proxy", "coredns"})
"""Add-ons the first release declared under EksCluster (see EksAddonsArgs.moved_from)."""


@dataclass(frozen=True)
class EksAddonsArgs:
    cluster: ClusterIdentity
    """The cluster to install into."""
    kms_key_arn: pulumi.Input[str]
    """Platform key, which the EBS CSI driver uses for encrypted volumes."""
    moved_from: pulumi.Resource | None = None
    """The component these add-ons were declared under before (EksCluster in the first
    release); aliased so an upgrade adopts them instead of replacing them."""


class EksAddons(pulumi.ComponentResource):
    addons: dict[str, aws.eks.Addon]
    node_prerequisites: list[pulumi.Resource]
    """The add-ons node groups must wait for (vpc-cni, kube-proxy)."""

    def __init__(
        self, name: str, args: EksAddonsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:EksAddons", name, None, opts)
        self._name, self._args = name, args
        self.addons = {}
        for addon in ADDONS:
            if not addon.after_nodes:
                self._install(addon, [])
        self.node_prerequisites = [
            self.addons[a.name] for a in ADDONS if a.nodes_wait and a.name in self.addons
        ]

    def install_after_nodes(self, nodes: Sequence[pulumi.Resource]) -> None:
        """Declare the add-ons that run Deployments, after ``nodes``; call once."""
        for addon in ADDONS:
            if addon.after_nodes:
                self._install(addon, list(nodes))
        self.register_outputs({"addons": sorted(self.addons)})

    def _install(self, addon: _Addon, after: list[pulumi.Resource]) -> None:
        name, args = self._name, self._args
        role_arn = None
        if addon.service_account:
            policy = (
                pulumi.Output.from_input(args.kms_key_arn).apply(kms_use_for_grants)
                if addon.key_grants
                else None
            )
            role_arn = WorkloadIdentity(
                f"{name}-{addon.name}",
                WorkloadIdentityArgs(
                    cluster=args.cluster,
                    namespace="kube-system",
                    service_account=addon.service_account,
                    mode=WorkloadIdentityMode.IRSA,
                    policy=policy,
                    managed_policies=addon.managed_policies,
                ),
                pulumi.ResourceOptions(parent=self),
            ).role_arn
        moved = [pulumi.Alias(parent=args.moved_from)] if args.moved_from else None
        self.addons[addon.name] = aws.eks.Addon(
            f"{name}-{addon.name}",
            cluster_name=args.cluster.cluster_name,
            addon_name=addon.name,
            service_account_role_arn=role_arn,
            configuration_values=addon.configuration,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=after or None,
                aliases=moved if addon.name in FIRST_RELEASE else None,
            ),
        )
