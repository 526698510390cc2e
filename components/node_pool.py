"""NodePool: one EKS managed node group with its launch template and node IAM role.

Driven by one entry of the spec's ``nodePools``. Not stateful: nodes are cattle and are
replaced by rolling update, never delete-first (names are auto-generated, so a
replacement group is created before the old one goes). Secure defaults: IMDSv2 required
with hop limit 1 (pods cannot borrow the node's credentials), root volumes encrypted
with the platform key, no SSH key, private subnets only, and a node role with only what
a node needs (the VPC CNI has its own role).

GPU pools are decided from the instance table (``mlplat.spec.instances``): the NVIDIA
AMI, the ``nvidia.com/gpu`` taint, accelerator and model labels, and, when a pool can
scale to zero, the cluster-autoscaler node-template tags that let it scale up from
nothing. EFA pools add one EFA interface per network card (the instance table's count),
the mlplat.dev/efa label the EFA device plugin selects, and a cluster placement group.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlplat.components.iam import assume_role_policy, ecr_pull_through_cache, managed_policy_arn
from mlplat.components.node_template import TEMPLATE_PREFIX, first_release_name, template_tags
from mlplat.spec import instances
from mlplat.spec.capacity import advertised_gpus
from mlplat.spec.model import CapacityType, NodeOs, NodePoolSpec, TaintEffect

AMI_TYPES = {
    (NodeOs.AL2023, instances.X86_64, False): "AL2023_x86_64_STANDARD",
    (NodeOs.AL2023, instances.ARM64, False): "AL2023_ARM_64_STANDARD",
    (NodeOs.AL2023, instances.X86_64, True): "AL2023_x86_64_NVIDIA",
    (NodeOs.BOTTLEROCKET, instances.X86_64, False): "BOTTLEROCKET_x86_64",
    (NodeOs.BOTTLEROCKET, instances.ARM64, False): "BOTTLEROCKET_ARM_64",
    (NodeOs.BOTTLEROCKET, instances.X86_64, True): "BOTTLEROCKET_x86_64_NVIDIA",
}
"""EKS AMI type by (OS, CPU architecture, NVIDIA GPU)."""
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
"""Managed policies a node needs: join the cluster and pull images (read-only)."""
MAX_UNAVAILABLE_PERCENT = 33
"""Rolling updates replace at most a third of the pool at a time."""
POOL_LABEL = "mlplat.dev/pool"
ACCELERATOR_LABEL = "mlplat.dev/accelerator"
GPU_MODEL_LABEL = "mlplat.dev/gpu-model"
AUTOSCALER_GPU_LABEL = "k8s.amazonaws.com/accelerator"
"""cluster-autoscaler's AWS GPU label: a node carrying it is not ready until its GPUs are
allocatable, so the autoscaler waits for the driver instead of adding more nodes."""
DEVICE_PLUGIN_LABEL = "mlplat.dev/nvidia-device-plugin"
"""Set on GPU nodes whose device plugin mlplat installs (AL2023; Bottlerocket has its own)."""
EFA_LABEL = "mlplat.dev/efa"
"""Set on EFA pools' nodes, where the EFA device plugin runs."""
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
"""The device plugin's per-node config selector: a pool with GPU sharing names its config."""
GPU_TAINT = {"key": instances.GPU_RESOURCE, "value": "present", "effect": TaintEffect.NO_SCHEDULE}
EKS_CAPACITY_TYPES = {
    CapacityType.ON_DEMAND: "ON_DEMAND",
    CapacityType.SPOT: "SPOT",
    CapacityType.CAPACITY_RESERVATION: "ON_DEMAND",
    CapacityType.CAPACITY_BLOCK: "CAPACITY_BLOCK",
}
"""The node group's capacity type; a reservation is On-Demand capacity named by the
launch template."""
GPU_RUNTIME_SETTINGS = {
    "accept-nvidia-visible-devices-as-volume-mounts": "true",
    "accept-nvidia-visible-devices-envvar-when-unprivileged": "false",
}
"""NVIDIA container toolkit settings on AL2023 GPU nodes: GPUs come only from the device
plugin's volume mounts; NVIDIA_VISIBLE_DEVICES is ignored unless the container is
privileged (the toolkit counts CAP_SYS_ADMIN as privileged, which Pod Security restricted
never grants a team pod)."""
_EKS_EFFECTS = {
    TaintEffect.NO_SCHEDULE: "NO_SCHEDULE",
    TaintEffect.PREFER_NO_SCHEDULE: "PREFER_NO_SCHEDULE",
    TaintEffect.NO_EXECUTE: "NO_EXECUTE",
}


@dataclass(frozen=True)
class NodePoolArgs:
    spec: NodePoolSpec
    """The pool's spec entry."""
    cluster_name: pulumi.Input[str]
    """Cluster the node group joins."""
    kubernetes_version: pulumi.Input[str]
    """Kept equal to the control plane's, so upgrades roll the nodes after it."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets for the nodes (one, for a zone-pinned pool)."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    kms_key_arn: pulumi.Input[str]
    """Key that encrypts the root volumes."""
    cluster_security_group_id: pulumi.Input[str]
    """The cluster security group, attached to an EFA interface (EFA pools only)."""
    pull_through_cache: Sequence[pulumi.Input[str]] = ()
    """Repository ARNs (``repository/<prefix>/*``) of the registry's pull-through cache
    rules: a node's first pull through one creates the repository and imports the image."""
    after: Sequence[pulumi.Resource] = ()
    """What the node group waits for: the vpc-cni and kube-proxy add-ons (the cluster has
    no self-managed copies, so a node would never become Ready without them)."""


class NodePool(pulumi.ComponentResource):
    node_group: aws.eks.NodeGroup
    node_group_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: NodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:NodePool", name, None, opts)
        spec = self._spec = args.spec
        first = spec.instance_types[0]
        gpu = instances.gpu(first)
        arch = instances.architecture(first)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
            opts=child,
        )
        attachments: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=managed_policy_arn(args.partition, policy),
                opts=child,
            )
            for policy in NODE_POLICIES
        ]
        if args.pull_through_cache:
            attachments.append(
                aws.iam.RolePolicy(
                    f"{name}-pull-through-cache",
                    role=role.id,
                    policy=pulumi.Output.all(*args.pull_through_cache).apply(
                        ecr_pull_through_cache
                    ),
                    opts=child,
                )
            )
        placement = None
        if spec.efa:
            group = aws.ec2.PlacementGroup(f"{name}-placement", strategy="cluster", opts=child)
            placement = {"group_name": group.name}
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"mlplat node pool {spec.name}",
            update_default_version=True,
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            block_device_mappings=_volumes(spec, args.kms_key_arn),
            network_interfaces=(
                _efa_interfaces(args, gpu.efa_interfaces) if spec.efa and gpu else None
            ),
            placement=placement,
            user_data=gpu_runtime_user_data() if gpu and spec.os is NodeOs.AL2023 else None,
            **_reservation(spec),
            tag_specifications=[
                {"resource_type": kind, "tags": {"Name": name}} for kind in ("instance", "volume")
            ],
            opts=child,
        )
        labels = {**spec.labels, POOL_LABEL: spec.name}
        taints = [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints]
        if gpu is not None:
            labels |= {
                ACCELERATOR_LABEL: "nvidia",
                GPU_MODEL_LABEL: gpu.model,
                AUTOSCALER_GPU_LABEL: instances.AUTOSCALER_GPU_TYPES[gpu.model],
            }
            if spec.os is NodeOs.AL2023:
                labels[DEVICE_PLUGIN_LABEL] = "true"
            if spec.gpu_sharing is not None:
                labels[DEVICE_PLUGIN_CONFIG_LABEL] = spec.name
            if spec.efa:
                labels[EFA_LABEL] = "true"
            taints.append(GPU_TAINT)
        assert arch is not None, "the spec checks refuse unknown instance types"
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=args.cluster_name,
            version=args.kubernetes_version,
            node_role_arn=role.arn,
            subnet_ids=args.subnet_ids,
            # A Capacity Block's instance type is the launch template's, never the group's.
            instance_types=(
                None
                if spec.capacity_type is CapacityType.CAPACITY_BLOCK
                else list(spec.instance_types)
            ),
            ami_type=AMI_TYPES[(spec.os, arch, gpu is not None)],
            capacity_type=EKS_CAPACITY_TYPES[spec.capacity_type],
            scaling_config={
                "min_size": spec.min_size,
                "desired_size": spec.initial_size,
                "max_size": spec.max_size,
            },
            update_config={"max_unavailable_percentage": MAX_UNAVAILABLE_PERCENT},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels=labels,
            taints=[{**t, "effect": _EKS_EFFECTS[t["effect"]]} for t in taints] or None,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*attachments, *args.after],
                # An autoscaler owns the live node count; pulumi up must not reset it.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        if spec.min_size == 0:
            self._scale_from_zero_tags(name, labels, taints)
        self.node_group_name = self.node_group.node_group_name
        self.role_arn = role.arn
        self.register_outputs({"nodeGroupName": self.node_group_name, "roleArn": self.role_arn})

    def _scale_from_zero_tags(
        self,
        name: str,
        labels: dict[str, str],
        taints: list[dict[str, str]],
    ) -> None:
        """Tell cluster-autoscaler what an empty group's nodes would look like.

        With zero nodes there is nothing to inspect, so the autoscaler reads these tags
        from the Auto Scaling group EKS created (tags on the node group itself are not
        copied there).
        """
        asg = self.node_group.resources.apply(lambda r: r[0].autoscaling_groups[0].name)
        gpu = instances.gpu(self._spec.instance_types[0])
        efa = gpu.efa_interfaces if gpu is not None and self._spec.efa else 0
        tags = template_tags(
            labels,
            taints,
            {instances.GPU_RESOURCE: advertised_gpus(self._spec), instances.EFA_RESOURCE: efa},
        )
        for key, value in sorted(tags.items()):
            old = first_release_name(name, key, tags)
            aws.autoscaling.Tag(
                f"{name}-ca-{key}",
                autoscaling_group_name=asg,
                tag={
                    "key": f"{TEMPLATE_PREFIX}/{key}",
                    "value": value,
                    "propagate_at_launch": False,
                },
                opts=pulumi.ResourceOptions(
                    parent=self, aliases=[pulumi.Alias(name=old)] if old else None
                ),
            )


def gpu_runtime_user_data() -> str:
    """Base64 MIME user data that sets ``GPU_RUNTIME_SETTINGS`` before the node runs pods.

    EKS merges it with its own nodeadm configuration (no AMI is named), and cloud-init
    runs the script at boot; the toolkit reads its config.toml for each new container.
    Bottlerocket's NVIDIA variants ship these settings as their defaults.
    """
    commands = "\n".join(
        f"nvidia-ctk config --in-place --set {key}={value}"
        for key, value in GPU_RUNTIME_SETTINGS.items()
    )
    document = (
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="//"\n\n'
        '--//\nContent-Type: text/x-shellscript; charset="us-ascii"\n\n'
        f"#!/bin/bash\nset -euo pipefail\n{commands}\n--//--\n"
    )
    return base64.b64encode(document.encode()).decode()


def _volumes(spec: NodePoolSpec, kms_key_arn: pulumi.Input[str]) -> list[dict[str, object]]:
    """Encrypted gp3 volumes. Bottlerocket boots from a small OS volume and keeps images
    and pods on a second, data volume, so that one gets the requested size."""

    def volume(device: str, size: int | None) -> dict[str, object]:
        ebs: dict[str, object] = {
            "volume_type": "gp3",
            "encrypted": "true",
            "kms_key_id": kms_key_arn,
            "delete_on_termination": "true",
        }
        if size is not None:
            ebs["volume_size"] = size
        return {"device_name": device, "ebs": ebs}

    if spec.os is NodeOs.BOTTLEROCKET:
        return [volume("/dev/xvda", None), volume("/dev/xvdb", spec.disk_size_gib)]
    return [volume("/dev/xvda", spec.disk_size_gib)]


def _reservation(spec: NodePoolSpec) -> dict[str, object]:
    """Launch template settings that send launches into the pool's reservation: its id,
    and for a Capacity Block the capacity-block market and the reserved instance type."""
    if not spec.capacity_type.reserved:
        return {}
    assert spec.capacity_reservation_id, "the spec checks require the reservation's id"
    settings: dict[str, object] = {
        "capacity_reservation_specification": {
            "capacity_reservation_target": {"capacity_reservation_id": spec.capacity_reservation_id}
        }
    }
    if spec.capacity_type is CapacityType.CAPACITY_BLOCK:
        settings |= {
            "instance_market_options": {"market_type": "capacity-block"},
            "instance_type": spec.instance_types[0],
        }
    return settings


def _efa_interfaces(args: NodePoolArgs, count: int) -> list[dict[str, object]]:
    """One EFA per network card (its maximum EFA interfaces): device index 0 on card 0,
    the primary interface, and 1 on the others, as EC2 documents for multi-card types. All
    in the cluster security group, which admits all traffic between its members as EFA's
    self-referencing rule requires."""
    return [
        {
            "device_index": 0 if card == 0 else 1,
            "network_card_index": card,
            "interface_type": "efa",
            "security_groups": [args.cluster_security_group_id],
            "delete_on_termination": "true",
        }
        for card in range(count)
    ]
