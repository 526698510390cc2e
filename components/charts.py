"""Every Helm chart and container image mlplat installs, pinned in this one place.

Checked 2026-11-25. Every chart pinned here is one whose package mlplat can render and
check (`mlplat render`, against the packages in ../shared/charts): a chart that cannot be
rendered cannot be verified. Airflow 1.22.0, dcgm-exporter 4.8.4 and Kueue 0.19.6 are
newer, but their packages could not be obtained offline, so the pins stay on 1.21.0,
4.8.2 and 0.19.2 until they can be rendered. Entries marked ``verified=False`` were not
confirmed against the chart repository's index here (no internet); check them with
``helm search repo <repo>/<chart> --versions`` before the first real install. A spec may
override any chart version (``services.<name>.chartVersion``): render it first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    repo: str
    """Helm repository URL."""
    name: str
    """Chart name in that repository."""
    version: str
    """Pinned chart version."""
    verified: bool = True
    """Whether the version was confirmed against upstream sources."""


CHARTS: dict[str, Chart] = {
    "airflow": Chart("https://airflow.apache.org", "airflow", "1.21.0"),
    "mlflow": Chart("https://community-charts.github.io/helm-charts", "mlflow", "1.11.5"),
    "feast": Chart(
        "https://feast-helm-charts.storage.googleapis.com", "feast-feature-server", "0.66.0"
    ),
    "monitoring": Chart(
        "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3"
    ),
    "device-plugin": Chart(
        "https://nvidia.github.io/k8s-device-plugin", "nvidia-device-plugin", "0.20.0"
    ),
    "dcgm-exporter": Chart(
        "https://nvidia.github.io/dcgm-exporter/helm-charts", "dcgm-exporter", "4.8.2", False
    ),
    "cluster-autoscaler": Chart(
        "https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "9.50.1", False
    ),
    "load-balancer-controller": Chart(
        "https://aws.github.io/eks-charts", "aws-load-balancer-controller", "3.0.0", False
    ),
    # The EFA device plugin for EFA pools (aws/eks-charts, last chart change 2026-07-21;
    # app v0.5.20).
    "efa-device-plugin": Chart(
        "https://aws.github.io/eks-charts", "aws-efa-k8s-device-plugin", "v0.5.30", False
    ),
    # OCI chart (kubernetes-sigs/kueue tag v0.19.2); its v1beta2 API (cohortName) needs
    # >= 0.15.
    "kueue": Chart("oci://registry.k8s.io/kueue/charts", "kueue", "0.19.2", False),
}

IMAGES: dict[str, str] = {
    # Official postgres image (not Bitnami: its images froze in bitnamilegacy in 2025-08).
    "postgres": "docker.io/library/postgres:17.10-alpine3.23",
    "redis": "docker.io/library/redis:8.2.8-alpine",
    # MinIO stopped publishing community images after this release; see the README.
    "minio": "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    "registry": "docker.io/library/registry:3.0.0",
    "aws-cli": "public.ecr.aws/aws-cli/aws-cli:2.37.5",
    "feast": "quay.io/feastdev/feature-server:0.66.0",
    "kueue": "registry.k8s.io/kueue/kueue:v0.19.2",
}
"""Images mlplat runs itself (outside any chart's own pins)."""

CLUSTER_AUTOSCALER_IMAGES: dict[str, str] = {
    minor: f"v{minor}.0" for minor in ("1.32", "1.33", "1.34", "1.35", "1.36")
}
"""cluster-autoscaler must match the control plane's minor version (its own rule)."""

POSTGRES_UID = 70
"""The postgres user of the alpine postgres image."""
REDIS_UID = 999
"""The redis user of the alpine redis image."""

ELASTICACHE_ENGINE = ("redis", "7.1")
"""Feast's online store engine on AWS (ElastiCache); Redis OSS 7.1 is Feast's tested line."""
