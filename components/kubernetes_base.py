"""KubernetesBase: the explicit Kubernetes provider and the platform namespace.

Works for both targets: a kubeconfig produced by EksCluster, or an existing cluster's
kubeconfig file and context. An explicit provider (never the ambient default) means a
plan or an update can only ever touch the cluster the spec names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

PLATFORM_NAMESPACE = "platform"
"""Namespace for the platform's own services."""
PSA_LEVEL = "restricted"
"""Pod Security Admission level for the platform namespace: the platform's own services
run non-root without host access, so the strictest level fits."""


@dataclass(frozen=True)
class KubernetesBaseArgs:
    kubeconfig: pulumi.Input[str] | None
    """kubeconfig contents or path; None means the provider's default lookup."""
    context: str | None = None
    """kubeconfig context; None means the kubeconfig's current context (EKS sets it)."""


class KubernetesBase(pulumi.ComponentResource):
    provider: k8s.Provider
    namespace: pulumi.Output[str]

    def __init__(
        self, name: str, args: KubernetesBaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:KubernetesBase", name, None, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=args.kubeconfig,
            context=args.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        labels = {
            "app.kubernetes.io/managed-by": "mlplat",
            **{
                f"pod-security.kubernetes.io/{mode}": PSA_LEVEL
                for mode in ("enforce", "audit", "warn")
            },
        }
        namespace = k8s.core.v1.Namespace(
            f"{name}-platform-ns",
            metadata={"name": PLATFORM_NAMESPACE, "labels": labels},
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        self.namespace = namespace.metadata.name
        self.register_outputs({"namespace": self.namespace})
