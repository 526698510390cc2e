"""Cases for eks-gpu-nodegroup-tainted: which node groups are NVIDIA GPU nodes is the
instance table's answer (any size of an NVIDIA family, the families node pools refuse
included) or the AMI type's, never a name pattern."""

from __future__ import annotations

from typing import Any

from tests.policies.fixtures import (
    DELETE,
    GOOD_NODE_GROUP,
    GPU_NODE_GROUP,
    NODE_GROUP,
    changed,
    res,
)

NVIDIA_TYPES = (
    *("g6e.12xlarge", "p5en.48xlarge", "p6-b200.48xlarge"),
    # gr6 and gr6f escaped the name pattern the pack used before the table.
    *("gr6.4xlarge", "gr6f.4xlarge"),
    # Families node pools refuse, and a size mlplat does not table, are NVIDIA nodes too.
    *("g6f.large", "g5g.xlarge", "g7e.2xlarge", "p6-b300.48xlarge", "p6e-gb200.36xlarge"),
    "g5.3xlarge",
)
OTHER_ACCELERATORS = (
    *("trn1.2xlarge", "trn2.48xlarge", "inf2.xlarge"),
    *("g4ad.xlarge", "dl1.24xlarge", "f2.12xlarge"),
)
"""Accelerators that are not NVIDIA GPUs: their device plugins advertise other resources
than the GPU taint's key, so this control does not judge them."""


def untainted(instance_type: str) -> dict[str, Any]:
    """A node group of ``instance_type`` on a standard AMI (the type alone decides), without
    taints."""
    return changed(GOOD_NODE_GROUP, "instanceTypes", [instance_type])


def _group(props: dict[str, Any]) -> list:
    return [res(NODE_GROUP, props)]


GPU_NODE_GROUP_CASES: dict[str, list[tuple[str, list, bool]]] = {
    "eks-gpu-nodegroup-tainted": [
        ("tainted GPU pool", _group(GPU_NODE_GROUP), False),
        ("CPU pool untainted", _group(GOOD_NODE_GROUP), False),
        ("untainted GPU pool", _group(changed(GPU_NODE_GROUP, "taints", [])), True),
        (
            "GPU by instance family",
            _group(changed(untainted("p4d.24xlarge"), "taints", DELETE)),
            True,
        ),
        *((f"untainted {t}", _group(untainted(t)), True) for t in NVIDIA_TYPES),
        *((f"untainted {t}", _group(untainted(t)), False) for t in OTHER_ACCELERATORS),
        (
            "untainted Capacity Block (no instance types), NVIDIA AMI",
            _group(changed(changed(GPU_NODE_GROUP, "instanceTypes", DELETE), "taints", DELETE)),
            True,
        ),
        (
            "untainted, AL2 GPU AMI",
            _group(changed(GOOD_NODE_GROUP, "amiType", "AL2_x86_64_GPU")),
            True,
        ),
    ],
}
