"""GPU software: the NVIDIA device plugin, the DCGM exporter and the EFA device plugin,
installed when the platform has GPU nodes (no spec section of its own: the node pools,
or an existing cluster's ``gpuNodeSelector``, decide)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from mlplat.components.args import spec_fields
from mlplat.components.node_pool import (
    ACCELERATOR_LABEL,
    DEVICE_PLUGIN_LABEL,
    EFA_LABEL,
    GpuSharingConfig,
)
from mlplat.components.services import gpu_software as component
from mlplat.components.services.gpu_software import GpuSoftware, GpuSoftwareArgs
from mlplat.services.service import ApiClient, Built, Namespace, Provided, Service
from mlplat.spec import instances
from mlplat.spec.model import CloudProvider, PlatformSpec


@dataclass(frozen=True)
class GpuNodes:
    """Where the GPU software runs."""

    plugin: dict[str, str] | None
    """Labels of the nodes that need the device plugin; None when none does (Bottlerocket
    GPU nodes run their own)."""
    gpus: dict[str, str]
    """Labels of every GPU node (where DCGM runs)."""


def gpu_nodes(spec: PlatformSpec) -> GpuNodes | None:
    """The GPU nodes' selectors, or None when the platform has no GPU nodes."""
    if spec.cloud.provider is CloudProvider.EXISTING:
        selector = dict(spec.cloud.gpu_node_selector)
        return GpuNodes(selector, selector) if selector else None
    facts = [p.facts for p in spec.node_pools]
    if not any(f.is_gpu for f in facts):
        return None
    plugin = {DEVICE_PLUGIN_LABEL: "true"} if any(f.device_plugin for f in facts) else None
    return GpuNodes(plugin, {ACCELERATOR_LABEL: instances.NVIDIA})


def _build(nodes: GpuNodes, provided: Provided) -> Built:
    pools = provided.spec.node_pools
    monitoring = provided.context.monitoring
    GpuSoftware(
        provided.name,
        GpuSoftwareArgs(
            node_selector=nodes.plugin,
            gpu_node_selector=nodes.gpus,
            sharing={
                p.facts.sharing_config: GpuSharingConfig(
                    **spec_fields(p.gpu_sharing, GpuSharingConfig)
                )
                for p in pools
                if p.facts.sharing_config and p.gpu_sharing
            },
            service_monitor=monitoring is not None,
            efa_node_selector={EFA_LABEL: "true"} if any(p.facts.efa for p in pools) else None,
            peers=provided.peers,
        ),
        pulumi.ResourceOptions(
            providers=[provided.context.provider],
            depends_on=[monitoring] if monitoring is not None else [],
        ),
    )
    return Built()


_CONFIG_MANAGER = "its config-manager sidecar reads its node's GPU-sharing label"

SERVICE = Service(
    name="gpu",
    section=gpu_nodes,
    build=_build,
    charts=("device-plugin", "dcgm-exporter", "efa-device-plugin"),
    api_clients=tuple(
        ApiClient(f"{component.NAMESPACE}/{kind}/nvidia-device-plugin{suffix}", reason)
        for kind, suffix, reason in (
            ("DaemonSet", "", _CONFIG_MANAGER),
            (
                "DaemonSet",
                "-gpu-feature-discovery",
                "publishes its node's GPU features as a NodeFeature object; its "
                "config-manager sidecar reads the node's GPU-sharing label",
            ),
            ("DaemonSet", "-mps-control-daemon", _CONFIG_MANAGER),
            (
                "DaemonSet",
                "-node-feature-discovery-worker",
                "publishes its node's features as a NodeFeature object",
            ),
            (
                "Deployment",
                "-node-feature-discovery-master",
                "labels nodes from their NodeFeature objects",
            ),
            (
                "Deployment",
                "-node-feature-discovery-gc",
                "deletes the NodeFeature objects of removed nodes",
            ),
            (
                "Job",
                "-node-feature-discovery-prune",
                "removes the discovery labels from nodes when the release is deleted",
            ),
        )
    ),
    privileged=(
        Namespace(component.NAMESPACE, component.NAMESPACE_LEVEL, component.NAMESPACE_REASON),
    ),
)
