"""The typed `services:` section: the platform services installed on the cluster.

A service is on when its key is present (``mlflow: {}`` installs MLflow with defaults) and
off when absent; there are no enable flags. What each one needs from the platform (its
database, bucket prefix, identity) is the service's own declaration (``mlplat/services``),
so a user never has to declare it separately.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Executor(enum.StrEnum):
    """How Airflow runs tasks: a pod per task, or Celery workers fed through Redis."""

    KUBERNETES = "KubernetesExecutor"
    CELERY = "CeleryExecutor"


class MlflowAuth(enum.StrEnum):
    """How people log in to MLflow: its own basic auth, or an OpenID Connect provider."""

    BASIC = "basic"
    OIDC = "oidc"


class FeastRegistry(enum.StrEnum):
    """Where Feast's registry lives: SQL on the platform database, or a file in a bucket."""

    SQL = "sql"
    S3 = "s3"


class Expander(enum.StrEnum):
    LEAST_WASTE = "least-waste"
    PRIORITY = "priority"
    MOST_PODS = "most-pods"
    RANDOM = "random"


class LoadBalancerScheme(enum.StrEnum):
    INTERNAL = "internal"
    INTERNET_FACING = "internet-facing"


@dataclass(frozen=True)
class GitDagsSpec:
    repo: str
    """Git repository holding the DAGs (https or ssh URL)."""
    branch: str = "main"
    """Branch to follow."""
    sub_path: str = ""
    """Folder of the DAGs inside the repository; empty means the root."""
    ssh_key_secret: str | None = None
    """Kubernetes Secret (key gitSshKey) in the airflow namespace, which mlplat creates from
    the stack's secret config; required for ssh URLs."""
    known_hosts: str | None = None
    """The server's ssh host keys (known_hosts lines); required for ssh URLs."""
    period: str = "60s"
    """How often git-sync pulls."""


@dataclass(frozen=True)
class AirflowSpec:
    executor: Executor = Executor.KUBERNETES
    """KubernetesExecutor (a pod per task) or CeleryExecutor (workers and Redis)."""
    dags: GitDagsSpec | None = None
    """git-sync source of the DAGs; None ships no DAGs."""
    allow_pod_launching: bool = False
    """Let DAG tasks launch pods (KubernetesPodOperator): task pods and the triggerer then
    mount the API token of an account that may create, exec into and delete every pod in
    Airflow's namespace."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class OidcSpec:
    discovery_url: str
    """The identity provider's .well-known/openid-configuration URL."""
    client_id: str
    """OIDC client id."""
    client_secret_name: str
    """Kubernetes Secret (key client-secret) in the mlflow namespace with the client secret,
    which mlplat creates from the stack's secret config."""
    user_groups: tuple[str, ...]
    """Identity-provider groups whose members may use MLflow."""
    admin_groups: tuple[str, ...]
    """Identity-provider groups whose members administer MLflow."""


@dataclass(frozen=True)
class MlflowSpec:
    auth: MlflowAuth = MlflowAuth.BASIC
    """basic: MLflow's own auth with a generated admin; oidc: an identity provider."""
    oidc: OidcSpec | None = None
    """Identity provider settings, required with auth oidc."""
    replicas: int = 1
    """Tracking server replicas."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class FeatureStoreSpec:
    project: str = "platform"
    """Feast project name."""
    registry: FeastRegistry = FeastRegistry.SQL
    """Registry in SQL on the platform database, or a file in the data bucket."""
    online_node_type: str = "cache.t4g.small"
    """ElastiCache node type of the online store (aws)."""
    replicas: int = 1
    """Feature server replicas."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class MonitoringSpec:
    retention: str = "15d"
    """How long Prometheus keeps metrics (a Prometheus duration)."""
    storage_gib: int = field(default=50, metadata={"key": "storageGiB"})
    """Prometheus volume size."""
    chart_version: str | None = None
    """Override the pinned kube-prometheus-stack version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class AutoscalingSpec:
    expander: Expander = Expander.LEAST_WASTE
    """How cluster-autoscaler picks a pool to grow; least-waste suits GPU pools."""
    chart_version: str | None = None
    """Override the pinned cluster-autoscaler chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class IngressSpec:
    domain: str
    """DNS domain the services are published under: mlflow.<domain>, airflow.<domain>."""
    certificate_arn: str | None = None
    """ACM certificate for TLS (aws); None serves plain HTTP inside the VPC."""
    scheme: LoadBalancerScheme = LoadBalancerScheme.INTERNAL
    """internal load balancers (default) or internet-facing (aws)."""
    class_name: str | None = None
    """Ingress class of the cluster's controller (existing clusters; aws uses alb)."""
    chart_version: str | None = None
    """Override the pinned AWS Load Balancer Controller chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""


@dataclass(frozen=True)
class ServicesSpec:
    airflow: AirflowSpec | None = None
    """Workflow orchestration."""
    mlflow: MlflowSpec | None = None
    """Experiment tracking and model registry."""
    feature_store: FeatureStoreSpec | None = None
    """Feast feature store."""
    monitoring: MonitoringSpec | None = None
    """Prometheus, Grafana, Alertmanager, GPU metrics."""
    autoscaling: AutoscalingSpec | None = None
    """cluster-autoscaler (aws)."""
    ingress: IngressSpec | None = None
    """How the services are reached."""
