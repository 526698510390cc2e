"""The composition root's Kubernetes layer: the explicit provider and the platform
namespace, on the EKS cluster the cloud layer built or on an existing cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from mlplat.build_cloud import Cloud
from mlplat.components.kubernetes_base import KubernetesBase, KubernetesBaseArgs
from mlplat.components.storage_class import EbsStorageClass, EbsStorageClassArgs
from mlplat.spec.model import PlatformSpec


@dataclass(frozen=True)
class Cluster:
    """The Kubernetes cluster the services and teams are installed on."""

    kubernetes: KubernetesBase
    """Its provider (never the ambient context) and the platform namespace."""
    storage_class: pulumi.Input[str] | None = None
    """The encrypted default StorageClass mlplat made (aws); None uses the cluster's."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs of this layer."""


def build_cluster(spec: PlatformSpec, cloud: Cloud | None) -> Cluster:
    """Connect to the EKS cluster of ``cloud``, else to the spec's existing cluster."""
    name = spec.metadata.name
    if cloud is None:
        context = spec.cloud.context
        kubernetes = KubernetesBase(
            name, KubernetesBaseArgs(kubeconfig=spec.cloud.kubeconfig, context=context)
        )
        return Cluster(kubernetes, outputs={"kubeContext": context})
    kubernetes = KubernetesBase(name, KubernetesBaseArgs(kubeconfig=cloud.cluster.kubeconfig))
    storage_class = EbsStorageClass(
        name,
        EbsStorageClassArgs(kms_key_arn=cloud.key_arn, retain=spec.is_prod),
        pulumi.ResourceOptions(providers=[kubernetes.provider]),
    )
    return Cluster(kubernetes, storage_class.name, {"storageClass": storage_class.name})
