"""GpuSoftware: the NVIDIA device plugin with GPU feature discovery, and the DCGM exporter.

Installed only when the platform has GPU nodes. EFA pools also get the EFA device plugin,
which advertises their interfaces as vpc.amazonaws.com/efa. The device plugin runs where mlplat
labels it (AL2023 GPU pools; Bottlerocket ships its own plugin), tolerates the GPU taint,
and gives each pool with GPU sharing its own config (time-slicing replicas or a MIG
strategy), selected by the ``nvidia.com/device-plugin.config`` node label. The DCGM
exporter runs on every GPU node, tolerating the taint, with a ServiceMonitor.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import yaml

from mlplat.components.args import coerce
from mlplat.components.node_pool import GpuSharingConfig
from mlplat.components.options import waits_of
from mlplat.components.services.fence import Allowance, NetworkPeers, fence, ingress_from, tcp
from mlplat.components.services.kube import (
    PodSecurity,
    cluster_provider,
    namespace,
    release,
    resources,
)
from mlplat.spec.instances import GPU_RESOURCE
from mlplat.spec.model import GpuSharing

NAMESPACE = "gpu-system"
NAMESPACE_LEVEL = PodSecurity.PRIVILEGED
NAMESPACE_REASON = (
    "the NVIDIA device plugin mounts the kubelet's device-plugins hostPath, GPU feature "
    "discovery runs privileged, the DCGM exporter needs SYS_ADMIN to read GPU counters, "
    "and the EFA device plugin runs privileged on the host network to expose /dev/infiniband"
)
"""Why the namespace is privileged; the policy pack prints it with the exemption."""
DEFAULT_CONFIG = "whole-gpus"
DEVICE_LIST_STRATEGY = "volume-mounts"
"""How the device plugin hands a container its GPUs: as volume mounts the NVIDIA runtime
reads, never as NVIDIA_VISIBLE_DEVICES, which any pod can set to take every GPU on its
node. The nodes' runtime must accept the mounts and ignore the variable from
unprivileged containers (the GPU pools' launch templates set both)."""
TOLERATE_ALL = {"operator": "Exists"}
"""Node agents pinned to GPU nodes by their selector tolerate every taint: a GPU pool may
carry taints of its own (a team's), and without the plugin its GPUs are never offered."""
DCGM_PORT = 9400
DCGM_POD = {"app.kubernetes.io/name": "dcgm-exporter"}


@dataclass(frozen=True)
class GpuSoftwareArgs:
    """Inputs of GpuSoftware: which nodes get which plugin, and how pools share GPUs.

    The cluster is the Kubernetes provider in the resource options (``providers``). The
    DCGM exporter waits for the component's ``depends_on``: the monitoring release, whose
    CRDs its ServiceMonitor needs.
    """

    gpu_node_selector: Mapping[str, str]
    """Labels of every GPU node (where DCGM runs)."""
    node_selector: Mapping[str, str] | None = None
    """Labels of the nodes the device plugin serves; None when none needs it (Bottlerocket
    GPU nodes run their own)."""
    sharing: Mapping[str, GpuSharingConfig] = field(default_factory=dict)
    """GPU sharing by pool name (the config name the pool's nodes select)."""
    service_monitor: bool = False
    """Create the DCGM exporter's ServiceMonitor (the cluster runs the Prometheus operator)."""
    efa_node_selector: Mapping[str, str] | None = None
    """Labels of the EFA pools' nodes, where the EFA device plugin runs; None for none."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the namespace is fenced with them (None leaves it to
    the caller)."""
    device_plugin_version: str | None = None
    """Override the pinned NVIDIA device plugin chart version."""
    dcgm_version: str | None = None
    """Override the pinned DCGM exporter chart version."""


class GpuSoftware(pulumi.ComponentResource):
    """The NVIDIA device plugin (with GPU feature discovery), the DCGM exporter and, for EFA
    pools, the EFA device plugin, in a privileged namespace of their own."""

    def __init__(
        self, name: str, args: GpuSoftwareArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(GpuSoftwareArgs, args)
        super().__init__("mlplat:index:GpuSoftware", name, None, opts)
        provider = cluster_provider(self)
        ns = namespace(NAMESPACE, NAMESPACE_LEVEL, provider=provider, parent=self)
        before: list[pulumi.Resource] = [ns]
        if args.peers is not None:
            before += fence(
                NAMESPACE,
                allowances(args.peers),
                args.peers,
                provider=provider,
                parent=self,
                depends_on=[ns],
            )
        if args.node_selector is not None:
            release(
                "nvidia-device-plugin",
                "device-plugin",
                namespace=NAMESPACE,
                values=device_plugin_values(args.node_selector, args.sharing),
                version=args.device_plugin_version,
                provider=provider,
                parent=self,
                depends_on=before,
            )
        if args.efa_node_selector is not None:
            release(
                "aws-efa-k8s-device-plugin",
                "efa-device-plugin",
                namespace=NAMESPACE,
                values=efa_plugin_values(args.efa_node_selector),
                version=None,
                provider=provider,
                parent=self,
                depends_on=before,
            )
        release(
            "dcgm-exporter",
            "dcgm-exporter",
            namespace=NAMESPACE,
            values=dcgm_values(args.gpu_node_selector, args.service_monitor),
            version=args.dcgm_version,
            provider=provider,
            parent=self,
            depends_on=before + waits_of(opts),
        )
        self.register_outputs({})


def sharing_config(sharing: GpuSharingConfig | None) -> str:
    """One device plugin config file (version v1)."""
    config: dict[str, Any] = {
        "version": "v1",
        "flags": {"migStrategy": "none", "plugin": {"deviceListStrategy": DEVICE_LIST_STRATEGY}},
    }
    if sharing is not None and sharing.strategy is GpuSharing.TIME_SLICING:
        config["sharing"] = {
            "timeSlicing": {
                "renameByDefault": False,
                "failRequestsGreaterThanOne": True,
                "resources": [{"name": GPU_RESOURCE, "replicas": sharing.replicas}],
            }
        }
    elif sharing is not None:
        config["flags"]["migStrategy"] = str(sharing.mig_strategy)
    return yaml.safe_dump(config, sort_keys=True)


def device_plugin_values(
    node_selector: Mapping[str, str], sharing: Mapping[str, GpuSharingConfig]
) -> dict[str, Any]:
    configs = {DEFAULT_CONFIG: sharing_config(None)}
    configs |= {pool: sharing_config(spec) for pool, spec in sorted(sharing.items())}
    return {
        "gfd": {"enabled": True},
        "deviceListStrategy": DEVICE_LIST_STRATEGY,
        "config": {"map": configs, "default": DEFAULT_CONFIG},
        "nodeSelector": dict(node_selector),
        # Replaces the chart's terms (lists replace, maps merge), which wait for NFD's
        # labels: the nodes mlplat labels decide.
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [_selector_term(node_selector)]
                }
            }
        },
        "tolerations": [TOLERATE_ALL],
        "nfd": {"worker": {"nodeSelector": dict(node_selector), "tolerations": [TOLERATE_ALL]}},
        "resources": resources("50m", "64Mi", "128Mi"),
    }


def _selector_term(labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "matchExpressions": [
            {"key": key, "operator": "In", "values": [value]}
            for key, value in sorted(labels.items())
        ]
    }


def dcgm_values(node_selector: Mapping[str, str], service_monitor: bool) -> dict[str, Any]:
    return {
        "tolerations": [TOLERATE_ALL],
        "nodeSelector": dict(node_selector),
        "serviceMonitor": {"enabled": service_monitor, "honorLabels": True, "interval": "15s"},
        "resources": resources("100m", "256Mi", "512Mi"),
    }


def efa_plugin_values(node_selector: Mapping[str, str]) -> dict[str, Any]:
    """The EFA device plugin on EFA pools only (it advertises vpc.amazonaws.com/efa); it
    tolerates every taint, as the pools carry the GPU taint and their own."""
    return {
        "nodeSelector": dict(node_selector),
        "tolerations": [TOLERATE_ALL],
        "resources": resources("10m", "20Mi", "64Mi"),
    }


def allowances(peers: NetworkPeers) -> list[Allowance]:
    """The plugin's config sidecar, GPU feature discovery and NFD talk to the API server;
    Prometheus scrapes the DCGM exporter."""
    found = [Allowance("gpu-agents", egress=[peers.kubernetes_api.egress()])]
    if peers.prometheus is not None:
        found.append(
            Allowance(
                "dcgm-scrape", DCGM_POD, ingress=[ingress_from([peers.prometheus], tcp(DCGM_PORT))]
            )
        )
    return found
