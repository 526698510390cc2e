"""Kueue: the job queueing that gives teams GPU quotas per GPU model.

ResourceQuota counts ``nvidia.com/gpu`` of every model together; Kueue's ResourceFlavors
tell them apart. One flavor per GPU pool (selecting the pool's nodes and adding its
tolerations on admission), one CPU flavor for everything else. Installed once per
platform; each team's ClusterQueue and LocalQueues are the Team component's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.charts import IMAGES
from components.services.kube import PodSecurity, namespace, release
from components.tenancy.objects import KUEUE_API, resource_flavor_spec
from components.tenancy.outputs import CPU_FLAVOR

NAMESPACE = "kueue-system"
NAMESPACE_LEVEL = PodSecurity.RESTRICTED


@dataclass(frozen=True)
class KueueArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    gpu_pools: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    """GPU pool name -> the taints its nodes carry; each becomes a ResourceFlavor."""
    monitoring: pulumi.Resource | None = None
    """The monitoring release, whose CRDs a ServiceMonitor needs; None for no metrics."""


class Kueue(pulumi.ComponentResource):
    release: k8s.helm.v3.Release
    """Consumers of Kueue's CRDs (ClusterQueue, LocalQueue) wait for it."""

    def __init__(
        self, name: str, args: KueueArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Kueue", name, None, opts)
        ns = namespace(NAMESPACE, NAMESPACE_LEVEL, provider=args.provider, parent=self)
        repository, tag = IMAGES["kueue"].rsplit(":", 1)
        self.release = release(
            "kueue",
            "kueue",
            namespace=ns.metadata.name,
            values={
                "enablePrometheus": args.monitoring is not None,
                "controllerManager": {
                    "manager": {
                        "image": {
                            "repository": repository,
                            "tag": tag,
                            "pullPolicy": "IfNotPresent",
                        },
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
            },
            version=None,
            provider=args.provider,
            parent=self,
            depends_on=[args.monitoring] if args.monitoring else (),
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
