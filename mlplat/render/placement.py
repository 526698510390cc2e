"""Where the platform's pods run: its pools without a taint that keeps pods off (CPU pools;
GPU pools carry the GPU taint), where their scheduling terms allow.

On a platform pool only a pod's nodeSelector and its required node affinity decide,
against the labels the pool's nodes carry (``NodePoolSpec.facts``) and the well-known ones
EKS sets (OS, architecture). Preferred terms never keep a pod off a node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplat.render.pods import selects
from mlplat.spec import instances
from mlplat.spec.model import NodePoolSpec, TaintEffect


def is_platform(pool: NodePoolSpec) -> bool:
    """A pool without a taint that keeps pods off (GPU pools carry the GPU taint)."""
    return all(t["effect"] == TaintEffect.PREFER_NO_SCHEDULE for t in pool.facts.taints)


def node_labels(pool: NodePoolSpec) -> dict[str, str]:
    """The labels a pool's nodes carry that a pod may select on."""
    arch = "arm64" if pool.facts.architecture == instances.ARM64 else "amd64"
    return {"kubernetes.io/os": "linux", "kubernetes.io/arch": arch, **pool.facts.labels}


def lands_on(spec: Mapping[str, Any], pool: NodePoolSpec) -> bool:
    """Whether the scheduler may place the pod on a platform pool's nodes."""
    labels = node_labels(pool)
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != str(value):
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    # An empty term matches no node; matchFields (node names) cannot be known here.
    return not terms or any(
        (t.get("matchExpressions") or t.get("matchFields"))
        and selects({"matchExpressions": t.get("matchExpressions") or []}, labels)
        for t in terms
    )
