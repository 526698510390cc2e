"""What the EKS managed add-ons run on the nodes: a fixed allowance for the capacity check.

EKS installs these from its own manifests, which no chart here renders, so their requests
are taken from the manifests each add-on publishes upstream (checked 2026-11-25). The
managed add-on's build may differ a little from its upstream manifest; kube-proxy's is
not published anywhere found here and is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplat.render.requests import MIB, Resources


@dataclass(frozen=True)
class AddonWorkload:
    addon: str
    """The EKS add-on name (components.eks_addons.ADDONS)."""
    workload: str
    """``kube-system/<Kind>/<name>``."""
    pod: Resources
    """One pod's effective request."""
    replicas: int = 0
    """Pods of a Deployment; 0 for a DaemonSet (one per node)."""
    surge: int = 0
    """Extra pods while it rolls out."""
    source: str = ""
    """Where the figures come from ("estimate: ..." where none was found)."""

    @property
    def per_node(self) -> bool:
        return self.replicas == 0


def _mib(cpu_m: int, mib: int) -> Resources:
    return Resources(cpu_m, mib * MIB)


EKS_ADDONS: tuple[AddonWorkload, ...] = (
    AddonWorkload(
        "coredns",
        "kube-system/Deployment/coredns",
        _mib(100, 70),
        replicas=2,
        surge=1,
        source="EKS 1.35 default manifest as eksctl ships it (eksctl-io/eksctl "
        "pkg/addons/default/assets/coredns-1.35.json, coredns v1.14.2-eksbuild.4): "
        "100m/70Mi, 2 replicas, maxSurge 25%",
    ),
    AddonWorkload(
        "vpc-cni",
        "kube-system/DaemonSet/aws-node",
        _mib(50, 0),
        source="aws/amazon-vpc-cni-k8s config/master/aws-k8s-cni.yaml v1.23.1: aws-node "
        "25m + aws-eks-nodeagent 25m (NetworkPolicy on), init 25m",
    ),
    AddonWorkload(
        "kube-proxy",
        "kube-system/DaemonSet/kube-proxy",
        _mib(100, 0),
        source="estimate: 100m, no memory (EKS's kube-proxy manifest is not published)",
    ),
    AddonWorkload(
        "eks-pod-identity-agent",
        "kube-system/DaemonSet/eks-pod-identity-agent",
        _mib(0, 0),
        source="aws/eks-pod-identity-agent chart 1.2.0: resources {}",
    ),
    AddonWorkload(
        "aws-ebs-csi-driver",
        "kube-system/Deployment/ebs-csi-controller",
        _mib(50, 192),
        replicas=2,
        surge=1,
        source="kubernetes-sigs/aws-ebs-csi-driver chart 2.64.0: ebs-plugin, csi-provisioner, "
        "csi-attacher, csi-resizer 10m/40Mi each, liveness-probe 10m/32Mi (the snapshotter "
        "runs only with the snapshot CRDs, which nothing installs); 2 replicas, default maxSurge",
    ),
    AddonWorkload(
        "aws-ebs-csi-driver",
        "kube-system/DaemonSet/ebs-csi-node",
        _mib(30, 104),
        source="kubernetes-sigs/aws-ebs-csi-driver chart 2.64.0: ebs-plugin 10m/40Mi, "
        "node-driver-registrar and liveness-probe 10m/32Mi each",
    ),
)
"""Every add-on workload EKS runs on the nodes for the add-ons mlplat installs."""
