"""NodePool: one EKS managed node group with its launch template and node IAM role.

Driven by one entry of the spec's ``nodePools``. Not stateful: nodes are cattle and are
replaced by rolling update, never delete-first. Secure defaults: IMDSv2 required with
hop limit 1 (pods cannot borrow the node's credentials), encrypted gp3 root volume, no
SSH key, private subnets only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import assume_role_policy, managed_policy_arn
from mlplat.spec import instances
from mlplat.spec.model import CapacityType, NodePoolSpec

AMI_TYPES = {instances.X86_64: "AL2023_x86_64_STANDARD", instances.ARM64: "AL2023_ARM_64_STANDARD"}
"""EKS AMI type per CPU architecture (Amazon Linux 2023)."""
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
)
"""Managed policies a node needs: join the cluster, run the VPC CNI, pull images (read-only)."""
MAX_UNAVAILABLE_PERCENT = 33
"""Rolling updates replace at most a third of the pool at a time."""
POOL_LABEL = "mlplat.dev/pool"


@dataclass(frozen=True)
class NodePoolArgs:
    spec: NodePoolSpec
    """The pool's spec entry."""
    cluster_name: pulumi.Input[str]
    """Cluster the node group joins."""
    kubernetes_version: pulumi.Input[str]
    """Kept equal to the control plane's, so upgrades roll the nodes after it."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets for the nodes."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""


class NodePool(pulumi.ComponentResource):
    node_group: aws.eks.NodeGroup
    node_group_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: NodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:NodePool", name, None, opts)
        spec = args.spec
        arch = instances.CPU_FAMILIES[instances.family(spec.instance_types[0])]
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=managed_policy_arn(args.partition, policy),
                opts=child,
            )
            for policy in NODE_POLICIES
        ]
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"mlplat node pool {spec.name}",
            update_default_version=True,
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": spec.disk_size_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            tag_specifications=[
                {"resource_type": kind, "tags": {"Name": name}} for kind in ("instance", "volume")
            ],
            opts=child,
        )
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=args.cluster_name,
            version=args.kubernetes_version,
            node_role_arn=role.arn,
            subnet_ids=args.subnet_ids,
            instance_types=list(spec.instance_types),
            ami_type=AMI_TYPES[arch],
            capacity_type="SPOT" if spec.capacity_type is CapacityType.SPOT else "ON_DEMAND",
            scaling_config={
                "min_size": spec.min_size,
                "desired_size": spec.initial_size,
                "max_size": spec.max_size,
            },
            update_config={"max_unavailable_percentage": MAX_UNAVAILABLE_PERCENT},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels={**spec.labels, POOL_LABEL: spec.name},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=attachments,
                # An autoscaler owns the live node count; pulumi up must not reset it.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        self.node_group_name = self.node_group.node_group_name
        self.role_arn = role.arn
        self.register_outputs({"nodeGroupName": self.node_group_name, "roleArn": self.role_arn})
