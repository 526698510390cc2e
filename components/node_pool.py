"""NodePool: one EKS managed node group with its launch template and node IAM role.

Driven by one entry of the spec's ``nodePools``. Not stateful: nodes are cattle and are
replaced by rolling update, never delete-first (names are auto-generated, so a
replacement group is created before the old one goes). Secure defaults: IMDSv2 required
with hop limit 1 (pods cannot borrow the node's credentials), root volumes encrypted
with the platform key, no SSH key, private subnets only, and a node role with only what
a node needs (the VPC CNI has its own role).

What the nodes are comes from the pool's facts (``NodePoolSpec.facts``, decided from the
instance table in ``mlplat.spec.pools``): the AMI type, labels and taints (on GPU pools
the NVIDIA AMI, the ``nvidia.com/gpu`` taint, accelerator and model labels), and, when a
pool can scale to zero, the cluster-autoscaler node-template tags that let it scale up
from nothing. EFA pools add one EFA interface per network card (the instance table's
count), the mlplat.dev/efa label the EFA device plugin selects, and a cluster placement
group.
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce, spec_fields
from mlplat.components.iam import assume_role_policy, ecr_pull_through_cache, managed_policy_arn
from mlplat.components.node_template import first_release_name
from mlplat.components.options import waits_of
from mlplat.spec.model import (
    CapacityType,
    GpuSharing,
    GpuSharingSpec,
    MigStrategy,
    NodeOs,
    NodePoolSpec,
    TaintEffect,
    TaintSpec,
)

# The labels the GPU software selects on are the pool's facts; re-exported (``as``) for
# the composition root.
from mlplat.spec.pools import ACCELERATOR_LABEL as ACCELERATOR_LABEL
from mlplat.spec.pools import DEVICE_PLUGIN_LABEL as DEVICE_PLUGIN_LABEL
from mlplat.spec.pools import EFA_LABEL as EFA_LABEL
from mlplat.spec.pools import TEMPLATE_PREFIX

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
"""Managed policies a node needs: join the cluster and pull images (read-only)."""
MAX_UNAVAILABLE_PERCENT = 33
"""Rolling updates replace at most a third of the pool at a time."""
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
class NodeTaint:
    """A Kubernetes taint on every node of the pool."""

    key: str
    """Taint key."""
    effect: TaintEffect
    """NoSchedule, PreferNoSchedule or NoExecute."""
    value: str = ""
    """Taint value; empty means none."""


@dataclass(frozen=True)
class GpuSharingConfig:
    """How the pool's GPUs are shared between pods."""

    strategy: GpuSharing
    """timeSlicing (several pods take turns on a GPU) or mig (hardware partitions)."""
    replicas: int = 4
    """Pods per GPU with timeSlicing."""
    mig_strategy: MigStrategy = MigStrategy.SINGLE
    """How MIG devices are advertised with mig: single (as nvidia.com/gpu) or mixed."""


@dataclass(frozen=True)
class NodePoolArgs:
    """Inputs of a NodePool: the pool's nodes, and the cluster and network they join.

    What the nodes are (GPUs, AMI, labels, taints) follows from the instance types, as
    for a pool of the spec. The node group waits for the component's ``depends_on`` (on
    EKS, the vpc-cni and kube-proxy add-ons: without them no node becomes Ready).
    """

    name: str
    """Pool name: the mlplat.dev/pool label, and the GPU sharing config's name."""
    instance_types: Sequence[str]
    """EC2 instance types of one CPU architecture (and, for GPUs, one GPU model and count)."""
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
    min_size: int = 1
    """Fewest nodes."""
    desired_size: int | None = None
    """Nodes at creation; None means min_size."""
    max_size: int = 3
    """Most nodes."""
    disk_size_gib: int = 50
    """Root volume size in GiB."""
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    """On-demand, spot, an On-Demand Capacity Reservation or a Capacity Block for ML."""
    capacity_reservation_id: str | None = None
    """The reservation (cr-...) the pool launches into, with a reserved capacity type."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Extra Kubernetes node labels."""
    os: NodeOs = NodeOs.AL2023
    """Amazon Linux 2023 or Bottlerocket."""
    taints: Sequence[NodeTaint] = ()
    """Extra Kubernetes taints."""
    efa: bool = False
    """Attach EFA interfaces and use a cluster placement group (types that have EFA)."""
    gpu_sharing: GpuSharingConfig | None = None
    """Share each GPU between pods (GPU pools on al2023); None gives whole GPUs."""

    @classmethod
    def from_spec(cls, spec: NodePoolSpec, **rest: Any) -> Self:
        """Args with one of the spec's pools; ``rest`` gives the other fields."""
        fields = spec_fields(spec, cls)
        fields["taints"] = tuple(NodeTaint(**spec_fields(t, NodeTaint)) for t in spec.taints)
        if spec.gpu_sharing is not None:
            fields["gpu_sharing"] = GpuSharingConfig(
                **spec_fields(spec.gpu_sharing, GpuSharingConfig)
            )
        return cls(**{**fields, **rest})

    def pool(self) -> NodePoolSpec:
        """The pool as the spec states one, whose facts decide what the nodes are."""
        sharing = self.gpu_sharing
        return NodePoolSpec(
            name=self.name,
            instance_types=tuple(self.instance_types),
            min_size=self.min_size,
            desired_size=self.desired_size,
            max_size=self.max_size,
            disk_size_gib=self.disk_size_gib,
            capacity_type=self.capacity_type,
            capacity_reservation_id=self.capacity_reservation_id,
            labels=dict(self.labels),
            os=self.os,
            taints=tuple(TaintSpec(**spec_fields(t, TaintSpec)) for t in self.taints),
            efa=self.efa,
            gpu_sharing=(
                None if sharing is None else GpuSharingSpec(**spec_fields(sharing, GpuSharingSpec))
            ),
        )


class NodePool(pulumi.ComponentResource):
    """An EKS managed node group: launch template (IMDSv2, encrypted volumes), node role,
    and what its instance types make of the nodes (GPU AMI, labels, taints, EFA)."""

    node_group_name: pulumi.Output[str]
    """Name of the EKS node group."""
    role_arn: pulumi.Output[str]
    """ARN of the nodes' IAM role."""

    def __init__(
        self, name: str, args: NodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(NodePoolArgs, args)
        super().__init__("mlplat:index:NodePool", name, None, opts)
        spec = args.pool()
        facts = spec.facts
        assert facts.ami_type is not None, "the spec checks refuse unknown instance types"
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
        if facts.efa:
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
            network_interfaces=(_efa_interfaces(args, facts.efa_interfaces) if facts.efa else None),
            placement=placement,
            user_data=gpu_runtime_user_data() if facts.device_plugin else None,
            **_reservation(spec),
            tag_specifications=[
                {"resource_type": kind, "tags": {"Name": name}} for kind in ("instance", "volume")
            ],
            opts=child,
        )
        # Python callers only: resources cannot cross to other languages as outputs.
        self.node_group: aws.eks.NodeGroup = aws.eks.NodeGroup(
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
            ami_type=facts.ami_type,
            capacity_type=EKS_CAPACITY_TYPES[spec.capacity_type],
            scaling_config={
                "min_size": spec.min_size,
                "desired_size": spec.initial_size,
                "max_size": spec.max_size,
            },
            update_config={"max_unavailable_percentage": MAX_UNAVAILABLE_PERCENT},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels=dict(facts.labels),
            taints=[{**t, "effect": _EKS_EFFECTS[t["effect"]]} for t in facts.taints] or None,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*attachments, *waits_of(opts)],
                # An autoscaler owns the live node count; pulumi up must not reset it.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        if spec.min_size == 0:
            self._scale_from_zero_tags(name, facts.template_tags)
        self.node_group_name = self.node_group.node_group_name
        self.role_arn = role.arn
        self.register_outputs({"nodeGroupName": self.node_group_name, "roleArn": self.role_arn})

    def _scale_from_zero_tags(self, name: str, tags: dict[str, str]) -> None:
        """Tell cluster-autoscaler what an empty group's nodes would look like.

        With zero nodes there is nothing to inspect, so the autoscaler reads these tags
        from the Auto Scaling group EKS created (tags on the node group itself are not
        copied there).
        """
        asg = self.node_group.resources.apply(lambda r: r[0].autoscaling_groups[0].name)
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
