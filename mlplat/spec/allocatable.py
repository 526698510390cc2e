"""What an EKS node of an instance type allocates to pods, computed as the node does it.

The kubelet offers pods its capacity less kube-reserved, system-reserved (none on the EKS
AMIs) and the hard eviction threshold. Checked 2026-11-25 against the sources that set them:

- max pods: ENIs x (IPv4 per ENI - 1) + 2, awslabs/amazon-eks-ami
  ``nodeadm/internal/kubelet/eni_max_pods.go`` (``calculateStandardMaxPods``), capped by
  EKS managed node groups (without a custom AMI) at 110 below 30 vCPUs and 250 above (EKS
  user guide, "How maxPods is determined", choosing-instance-type).
- kube-reserved: nodeadm ``config.go`` (``getCPUMillicoresToReserve``: 6 % of the first
  core, 1 % of the second, 0.5 % of the next two, 0.25 % of the rest, each range rounded
  down; ``getMemoryMebibytesToReserve``: 11 MiB per pod + 255 MiB). Bottlerocket's
  settings generator (pluto, ``cpu_millicores_to_reserve``) reserves the same memory and
  its CPU per whole core (6 %, 1 %, 1 %, 0.5 %, 0.5 %, then 0.25 %), +40m above 110 pods,
  rounded to 10m.
- eviction: ``evictionHard`` ``memory.available: 100Mi`` (nodeadm's kubelet config; also
  the kubelet's own default, which Bottlerocket is taken to keep: not checked against its
  source here).
- capacity: the kubelet's memory capacity is the kernel's MemTotal, below the nominal
  size; Karpenter's default estimate of that gap (``vmMemoryOverheadPercent`` 0.075, and
  64 MiB of CMA on Graviton) is used. With it, and without the managed-node-group cap,
  these formulas reproduced Karpenter's published allocatable CPU, memory and pods for all
  871 tabled types when the table was made; the tests keep a sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mlplat.spec import ec2_specs, instances
from mlplat.spec.model import NodeOs

VM_MEMORY_OVERHEAD = 0.075
"""Share of nominal memory the kubelet does not see as capacity (Karpenter's default)."""
ARM_CMA_MIB = 64
"""Memory Graviton kernels reserve for the contiguous memory allocator."""
EVICTION_HARD_MIB = 100
"""``evictionHard: memory.available``."""


@dataclass(frozen=True)
class Allocatable:
    """One node's allocatable resources, with how they come about."""

    instance_type: str
    cpu_m: int
    memory_mib: int
    pods: int
    capacity_cpu_m: int
    capacity_memory_mib: int
    kube_reserved_cpu_m: int
    kube_reserved_memory_mib: int
    eviction_memory_mib: int = EVICTION_HARD_MIB

    def describe(self) -> str:
        return (
            f"{self.instance_type}: {self.cpu_m}m CPU, {self.memory_mib}Mi, {self.pods} pods "
            f"(capacity {self.capacity_cpu_m}m/{self.capacity_memory_mib}Mi, kube-reserved "
            f"{self.kube_reserved_cpu_m}m/{self.kube_reserved_memory_mib}Mi, eviction "
            f"{self.eviction_memory_mib}Mi)"
        )


def max_pods(enis: int, ipv4_per_eni: int, vcpus: int) -> int:
    """Pods the VPC CNI can address (no prefix delegation), capped as managed node groups do."""
    return min(enis * (ipv4_per_eni - 1) + 2, 250 if vcpus > 30 else 110)


def kube_reserved_cpu_m(vcpus: int, pods: int = 0, os: NodeOs = NodeOs.AL2023) -> int:
    """CPU the node reserves for the kubelet and container runtime."""
    if os is NodeOs.BOTTLEROCKET:
        per_core = (
            600 if c == 0 else 100 if c <= 2 else 50 if c <= 4 else 25 for c in range(vcpus)
        )
        tenths = sum(per_core) + (400 if pods > 110 else 0)
        return (tenths + 50) // 100 * 10  # tenths of a millicore, half rounded up
    total = vcpus * 1000
    reserved = 0
    for start, end, basis_points in ((0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50)):
        reserved += max(0, min(total, end) - start) * basis_points // 10000
    return reserved + max(0, total - 4000) * 25 // 10000


def kube_reserved_memory_mib(pods: int) -> int:
    return 11 * pods + 255


def allocatable(instance_type: str, os: NodeOs = NodeOs.AL2023) -> Allocatable | None:
    """A node's allocatable resources on the EKS AMI for ``os``; None for an unknown type."""
    hw = ec2_specs.specs(instance_type)
    if hw is None:
        return None
    pods = max_pods(hw.max_enis, hw.ipv4_per_eni, hw.vcpus)
    arm = instances.architecture(instance_type) == instances.ARM64
    memory = hw.memory_mib - (ARM_CMA_MIB if arm else 0)
    memory -= math.ceil(memory * VM_MEMORY_OVERHEAD)
    cpu_reserved = kube_reserved_cpu_m(hw.vcpus, pods, os)
    memory_reserved = kube_reserved_memory_mib(pods)
    return Allocatable(
        instance_type=instance_type,
        cpu_m=hw.vcpus * 1000 - cpu_reserved,
        memory_mib=memory - memory_reserved - EVICTION_HARD_MIB,
        pods=pods,
        capacity_cpu_m=hw.vcpus * 1000,
        capacity_memory_mib=memory,
        kube_reserved_cpu_m=cpu_reserved,
        kube_reserved_memory_mib=memory_reserved,
    )
