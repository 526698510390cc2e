"""vCPUs, memory and network-interface limits of the EC2 instance types mlplat tables.

What a node offers pods starts here (see ``mlplat.spec.allocatable``). The table is
``ec2_specs.json`` beside this module, one type a line (vCPUs, memory MiB, ENIs, IPv4 per
ENI). Every CPU family in ``instances.CPU_FAMILIES`` and every size in
``instances.GPU_FAMILIES`` is listed where two published sources agree it exists; a type
either source lacks is left out, not guessed (c5a.metal and c5ad.metal; the retired p3
family). Checked 2026-11-25 against:

- vCPUs and memory: EC2 DescribeInstanceTypes (``VCpuInfo.DefaultVCpus``,
  ``MemoryInfo.SizeInMiB``) as Karpenter publishes them, aws/karpenter-provider-aws
  ``website/content/en/docs/reference/instance-types.md`` (release v1.14.0, commit
  692ccdd, 2026-07-11): the ``instance-cpu`` and ``instance-memory`` labels.
- ENIs and IPv4 addresses per ENI: the table the EKS AMI's nodeadm computes max pods from,
  awslabs/amazon-eks-ami ``nodeadm/internal/kubelet/instance-info.jsonl`` (commit 4d63a3b,
  2026-07-01; it replaced ``eni-max-pods.txt`` in 2026): ``defaultMaxENIs`` (interfaces on
  the default network card) and ``ipv4AddressesPerInterface``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

TABLE_FILE = "ec2_specs.json"


@dataclass(frozen=True)
class InstanceSpecs:
    """One instance type's hardware, as EC2 describes it."""

    vcpus: int
    memory_mib: int
    """Nominal memory; the kernel sees somewhat less (see allocatable.VM_MEMORY_OVERHEAD)."""
    max_enis: int
    """Network interfaces on the default network card."""
    ipv4_per_eni: int


def specs(instance_type: str) -> InstanceSpecs | None:
    """The type's hardware, or None for a type not in the table."""
    return _table().get(instance_type)


def known() -> frozenset[str]:
    """Every instance type in the table."""
    return frozenset(_table())


@cache
def _table() -> dict[str, InstanceSpecs]:
    text = resources.files("mlplat.spec").joinpath(TABLE_FILE).read_text("utf-8")
    return {name: InstanceSpecs(*row) for name, row in json.loads(text)["types"].items()}
