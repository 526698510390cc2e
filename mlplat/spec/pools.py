"""What a node pool's nodes are, decided once from its spec and the instance table.

Whether a pool is a GPU pool, its GPUs, its AMI type, its nodes' labels and taints, whether
mlplat runs the NVIDIA device plugin (and the EFA one) on it, and which device-plugin
config its nodes select are computed here and nowhere else (``NodePoolSpec.facts``): the
NodePool component builds its node group from them, the spec checks judge and count them,
the composition root picks the GPU software and Kueue flavors by them, and render places
pods by them.

The first instance type decides. The spec checks refuse a pool whose types differ in
anything decided here (GPU model and count, CPU architecture and, on an EFA pool, EFA
interfaces), so the first stands for all of them (tests/spec/test_pools.py holds the two
to each other over the table's families).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlplat.spec import instances
from mlplat.spec.enums import GpuSharing, NodeOs, TaintEffect

if TYPE_CHECKING:
    from mlplat.spec.model import NodePoolSpec

POOL_LABEL = "mlplat.dev/pool"
"""On every node, valued with its pool's name."""
ACCELERATOR_LABEL = "mlplat.dev/accelerator"
"""On GPU nodes: who makes the GPUs (``nvidia``); the GPU software selects on it."""
GPU_MODEL_LABEL = "mlplat.dev/gpu-model"
"""On GPU nodes: the GPU model, for jobs that need one."""
AUTOSCALER_GPU_LABEL = "k8s.amazonaws.com/accelerator"
"""cluster-autoscaler's AWS GPU label: a node carrying it is not ready until its GPUs are
allocatable, so the autoscaler waits for the driver instead of adding more nodes."""
DEVICE_PLUGIN_LABEL = "mlplat.dev/nvidia-device-plugin"
"""On GPU nodes whose device plugin mlplat installs (AL2023; Bottlerocket has its own)."""
EFA_LABEL = "mlplat.dev/efa"
"""On EFA pools' nodes, where the EFA device plugin runs."""
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
"""The device plugin's per-node config selector: a pool with GPU sharing names its config."""
GPU_TAINT: Mapping[str, str] = {
    "key": instances.GPU_RESOURCE,
    "value": "present",
    "effect": TaintEffect.NO_SCHEDULE,
}
"""On every GPU node: only pods that tolerate it (GPU pods) land there."""
AMI_TYPES = {
    (NodeOs.AL2023, instances.X86_64, False): "AL2023_x86_64_STANDARD",
    (NodeOs.AL2023, instances.ARM64, False): "AL2023_ARM_64_STANDARD",
    (NodeOs.AL2023, instances.X86_64, True): "AL2023_x86_64_NVIDIA",
    (NodeOs.BOTTLEROCKET, instances.X86_64, False): "BOTTLEROCKET_x86_64",
    (NodeOs.BOTTLEROCKET, instances.ARM64, False): "BOTTLEROCKET_ARM_64",
    (NodeOs.BOTTLEROCKET, instances.X86_64, True): "BOTTLEROCKET_x86_64_NVIDIA",
}
"""EKS AMI type by (OS, CPU architecture, NVIDIA GPU)."""
TEMPLATE_PREFIX = "k8s.io/cluster-autoscaler/node-template"
"""cluster-autoscaler reads an empty pool's nodes from its Auto Scaling group's tags under
this prefix: ``label/<key>``, ``taint/<key>`` and ``resources/<name>``."""


@dataclass(frozen=True)
class PoolFacts:
    """A pool's nodes as the instance table and the pool's spec make them."""

    known: bool
    """Whether the table knows every instance type. Checks that depend on what the nodes
    are skip a pool that it does not: its unknown types have their own error."""
    architecture: str | None
    """CPU architecture (x86_64 or arm64); None for an unknown type."""
    gpu: instances.Gpu | None
    """One node's NVIDIA GPUs (the first type's table entry; its EFA count is used only as
    ``efa_interfaces`` says); None for a CPU pool (or an unknown type)."""
    advertised_gpus: int
    """nvidia.com/gpu one node advertises: its GPUs, times the replicas under time-slicing
    (the device plugin shares without renaming); 0 for a CPU pool. A MIG pool's count
    depends on the profile applied to the node, so its GPUs are given."""
    efa_interfaces: int
    """EFA interfaces on one node, one per network card, when the pool asks for EFA on
    a type that has it; 0 otherwise."""
    ami_type: str | None
    """The EKS AMI type; None for an unknown type."""
    device_plugin: bool
    """Whether mlplat runs the NVIDIA device plugin on the nodes and sets their container
    toolkit's device settings (AL2023 GPU pools); Bottlerocket's NVIDIA variants bring
    their own plugin and ship those settings as defaults."""
    sharing_config: str | None
    """The device-plugin config (the pool's name) the nodes select when the pool shares
    its GPUs; None for whole GPUs."""
    labels: Mapping[str, str]
    """Every label the nodes carry from the node group: the spec's, then mlplat's."""
    taints: tuple[Mapping[str, str], ...]
    """Every taint the nodes carry (key, value, effect): the GPU taint first, then the
    spec's."""

    @property
    def is_gpu(self) -> bool:
        return self.gpu is not None

    @property
    def efa(self) -> bool:
        """Whether the nodes get EFA interfaces (and the EFA device plugin runs there)."""
        return self.efa_interfaces > 0

    @property
    def resources(self) -> dict[str, int]:
        """Extended resources one node advertises once its device plugins run."""
        found = {
            instances.GPU_RESOURCE: self.advertised_gpus,
            instances.EFA_RESOURCE: self.efa_interfaces,
        }
        return {name: count for name, count in found.items() if count}

    @property
    def template_tags(self) -> dict[str, str]:
        """The node template of a pool that scales from zero: tag key (under
        ``TEMPLATE_PREFIX``) -> value, one per label, taint and extended resource."""
        tags = {f"label/{k}": v for k, v in self.labels.items()}
        tags |= {f"taint/{t['key']}": f"{t['value']}:{t['effect']}" for t in self.taints}
        tags |= {f"resources/{name}": str(count) for name, count in self.resources.items()}
        return tags


def pool_facts(pool: NodePoolSpec) -> PoolFacts:
    """Compute a pool's facts; ``NodePoolSpec.facts`` computes them once per pool."""
    first = pool.instance_types[0]
    gpu = instances.gpu(first)
    arch = instances.architecture(first)
    sharing = pool.gpu_sharing
    advertised = gpu.count if gpu is not None else 0
    if sharing is not None and sharing.strategy is GpuSharing.TIME_SLICING:
        advertised *= sharing.replicas
    efa = gpu.efa_interfaces if gpu is not None and pool.efa else 0
    device_plugin = gpu is not None and pool.os is NodeOs.AL2023
    sharing_config = pool.name if gpu is not None and sharing is not None else None
    labels = {**pool.labels, POOL_LABEL: pool.name}
    if gpu is not None:
        labels |= {
            ACCELERATOR_LABEL: instances.NVIDIA,
            GPU_MODEL_LABEL: gpu.model,
            AUTOSCALER_GPU_LABEL: instances.AUTOSCALER_GPU_TYPES[gpu.model],
        }
        if device_plugin:
            labels[DEVICE_PLUGIN_LABEL] = "true"
        if sharing_config is not None:
            labels[DEVICE_PLUGIN_CONFIG_LABEL] = sharing_config
        if efa:
            labels[EFA_LABEL] = "true"
    own = tuple({"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints)
    return PoolFacts(
        known=all(instances.known(t) for t in pool.instance_types),
        architecture=arch,
        gpu=gpu,
        advertised_gpus=advertised,
        efa_interfaces=efa,
        ami_type=None if arch is None else AMI_TYPES[(pool.os, arch, gpu is not None)],
        device_plugin=device_plugin,
        sharing_config=sharing_config,
        labels=labels,
        taints=((GPU_TAINT,) if gpu is not None else ()) + own,
    )
