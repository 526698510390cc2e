"""Kueue: the job queueing that gives teams GPU quotas per GPU model.

ResourceQuota counts ``nvidia.com/gpu`` of every model together; Kueue's ResourceFlavors
tell them apart. One flavor per GPU pool (selecting the pool's nodes and adding its
tolerations on admission), one CPU flavor for everything else. Installed once per
platform; each team's ClusterQueue and LocalQueues are the Team component's.

Kueue's webhooks fail closed, so they only see team namespaces (``managedJobsNamespace
Selector``, which the chart copies into every job and pod webhook), and the controller
runs two replicas under leader election with a disruption budget (every replica serves
the webhooks). An admitted job whose pods do not all become ready in time gives its quota
back (``waitForPodsReady``); resources the platform does not ration are left out of quota.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from mlplat.components.charts import IMAGES
from mlplat.components.services.fence import Allowance, NetworkPeers, fence, ingress_from, tcp
from mlplat.components.services.kube import PodSecurity, namespace, release
from mlplat.components.tenancy.objects import KUEUE_API, TEAM_LABEL, resource_flavor_spec
from mlplat.components.tenancy.outputs import CPU_FLAVOR

NAMESPACE = "kueue-system"
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
RELEASE = "kueue"
MANAGER_POD = {"app.kubernetes.io/name": "kueue", "control-plane": "controller-manager"}
WEBHOOK_PORT, VISIBILITY_PORT, METRICS_PORT = 9443, 8082, 8443
REPLICAS = 2
"""Controller replicas; one leads, every one serves the webhooks."""
MANAGED_NAMESPACES = {"matchExpressions": [{"key": TEAM_LABEL, "operator": "Exists"}]}
"""Where Kueue manages jobs and pods, and where its job webhooks are called: team
namespaces only (never kube-system or Kueue's own, which Kueue itself refuses)."""
PODS_READY_TIMEOUT = "15m"
"""How long an admitted job may take to get every pod ready (a GPU node from zero, then
a large image pull) before Kueue evicts it and gives its quota back."""
REQUEUE_LIMIT = 5
"""Evictions for pods never ready before the workload is deactivated (visible to the team
as a Workload that is no longer active) instead of requeued again."""
NOT_RATIONED = ("ephemeral-storage", "hugepages-", "vpc.amazonaws.com/efa")
"""Resource name prefixes Kueue leaves out of quota. ClusterQueues list cpu, memory and
GPUs; a workload asking for anything else they do not list is never admitted. Scratch
disk and huge pages are bounded by the node, and EFA interfaces come with the GPU nodes
the GPU quota already rations."""
FRAMEWORKS = (
    "batch/job",
    "kubeflow.org/mpijob",
    "ray.io/rayjob",
    "ray.io/rayservice",
    "ray.io/raycluster",
    "jobset.x-k8s.io/jobset",
    "workload.codeflare.dev/appwrapper",
    "trainer.kubeflow.org/trainjob",
    "pod",
    "deployment",
    "statefulset",
    "leaderworkerset.x-k8s.io/leaderworkerset",
)
"""The chart's default integrations (Kueue skips those whose CRDs are not installed)."""


@dataclass(frozen=True)
class KueueArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    gpu_pools: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    """GPU pool name -> the taints its nodes carry; each becomes a ResourceFlavor."""
    monitoring: pulumi.Resource | None = None
    """The monitoring release, whose CRDs a ServiceMonitor needs; None for no metrics."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the namespace is fenced with them (None leaves it to
    the caller)."""


class Kueue(pulumi.ComponentResource):
    release: k8s.helm.v3.Release
    """Consumers of Kueue's CRDs (ClusterQueue, LocalQueue) wait for it."""

    def __init__(
        self, name: str, args: KueueArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Kueue", name, None, opts)
        ns = namespace(NAMESPACE, NAMESPACE_LEVEL, provider=args.provider, parent=self)
        before: list[pulumi.Resource] = [*([args.monitoring] if args.monitoring else [])]
        if args.peers is not None:
            before += fence(
                NAMESPACE,
                allowances(args.peers),
                args.peers,
                provider=args.provider,
                parent=self,
                depends_on=[ns],
            )
        self.release = release(
            RELEASE,
            "kueue",
            namespace=ns.metadata.name,
            values=chart_values(prometheus=args.monitoring is not None),
            version=None,
            provider=args.provider,
            parent=self,
            depends_on=before,
        )
        after_crds = pulumi.ResourceOptions(
            parent=self, provider=args.provider, depends_on=[self.release]
        )
        flavors = {CPU_FLAVOR: {}}
        flavors |= {
            pool: resource_flavor_spec(pool, taints) for pool, taints in args.gpu_pools.items()
        }
        for flavor, spec in sorted(flavors.items()):
            k8s.apiextensions.CustomResource(
                f"{name}-flavor-{flavor}",
                api_version=KUEUE_API,
                kind="ResourceFlavor",
                metadata={"name": flavor, "labels": {"app.kubernetes.io/managed-by": "mlplat"}},
                spec=spec,
                opts=after_crds,
            )
        self.register_outputs({"flavors": sorted(flavors)})


def manager_config() -> dict[str, Any]:
    """Kueue's Configuration (v1beta2): the chart's defaults plus the platform's choices.

    The chart takes it as one YAML string and copies ``managedJobsNamespaceSelector`` into
    the namespace selector of every job and pod webhook.
    """
    return {
        "apiVersion": "config.kueue.x-k8s.io/v1beta2",
        "kind": "Configuration",
        "health": {"healthProbeBindAddress": ":8081"},
        "metrics": {"bindAddress": ":8443"},
        "webhook": {"port": 9443},
        "leaderElection": {"leaderElect": True, "resourceName": "c1f6bfd2.kueue.x-k8s.io"},
        "controller": {
            "groupKindConcurrency": {
                "Job.batch": 5,
                "Pod": 5,
                "Workload.kueue.x-k8s.io": 10,
                "LocalQueue.kueue.x-k8s.io": 5,
                "ClusterQueue.kueue.x-k8s.io": 5,
                "ResourceFlavor.kueue.x-k8s.io": 1,
            }
        },
        "clientConnection": {"qps": 300, "burst": 500},
        "managedJobsNamespaceSelector": MANAGED_NAMESPACES,
        "waitForPodsReady": {
            "timeout": PODS_READY_TIMEOUT,
            "blockAdmission": False,
            "requeuingStrategy": {
                "timestamp": "Eviction",
                "backoffLimitCount": REQUEUE_LIMIT,
                "backoffBaseSeconds": 60,
                "backoffMaxSeconds": 3600,
            },
        },
        "resources": {"excludeResourcePrefixes": list(NOT_RATIONED)},
        "integrations": {"frameworks": list(FRAMEWORKS)},
    }


def chart_values(*, prometheus: bool) -> dict[str, Any]:
    """Values for the Kueue chart: pinned image, restricted security contexts, HA."""
    repository, tag = IMAGES["kueue"].rsplit(":", 1)
    selector = {
        "app.kubernetes.io/name": "kueue",
        "app.kubernetes.io/instance": RELEASE,
        "control-plane": "controller-manager",
    }
    return {
        "enablePrometheus": prometheus,
        "controllerManager": {
            "replicas": REPLICAS,
            "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": selector},
                }
            ],
            "manager": {
                "image": {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"},
                "podSecurityContext": {
                    "runAsNonRoot": True,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containerSecurityContext": {
                    "readOnlyRootFilesystem": True,
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                },
            },
        },
        "managerConfig": {
            "controllerManagerConfigYaml": yaml.safe_dump(manager_config(), sort_keys=False)
        },
    }


def allowances(peers: NetworkPeers) -> list[Allowance]:
    """The manager calls the API server; the API server calls its webhooks and visibility
    API; Prometheus scrapes its metrics."""
    ingress = [ingress_from(peers.control_plane, tcp(WEBHOOK_PORT, VISIBILITY_PORT))]
    if peers.prometheus is not None:
        ingress.append(ingress_from([peers.prometheus], tcp(METRICS_PORT)))
    return [
        Allowance("kueue", MANAGER_POD, ingress=ingress, egress=[peers.kubernetes_api.egress()])
    ]
