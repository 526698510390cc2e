"""Airflow: the official chart on the platform database, task logs in object storage.

Secrets the chart would otherwise generate on every install (fernet key, API secret key,
JWT secret) are generated once here and passed by name, so upgrades never rotate them.
There is no default admin/admin: the chart's user job is off, and an admin with a
generated password is created by a Job after the release (its password lives only in the
``airflow-admin`` Secret and reaches the CLI on stdin). Every component runs under one
service account whose workload identity reaches only the Airflow log prefix. The
namespace is fenced: the chart's policies govern what each component receives, mlplat's
what every pod may send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.airflow_values import (
    AIRFLOW_IMAGE,
    AIRFLOW_UID,
    API_PORT,
    GIT_KEY,
    RELEASE,
    SERVICE_ACCOUNT,
    STATSD_SCRAPE_NAME,
    airflow_values,
    allowances,
    component,
)
from mlplat.components.services.context import ServiceContext
from mlplat.components.services.fence import Reach, fence
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    PodSecurity,
    release,
    resources,
    restricted_pod,
    service_account,
)
from mlplat.spec.services import AirflowSpec

NAMESPACE = "airflow"
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""Every Airflow pod runs as uid 50000 with the restricted contexts set below."""
AIRFLOW_HOME = "/opt/airflow"
CONFIG_MAP = f"{RELEASE}-config"
"""The chart's ConfigMap holding airflow.cfg."""
_ENSURE_ADMIN = """
set -eu
# The FAB CLI asks for the password twice; with no terminal it reads stdin.
pw() { printf '%s\\n%s\\n' "$ADMIN_PASSWORD" "$ADMIN_PASSWORD"; }
if airflow users list --output json | grep -q '"username": "admin"'; then
  pw | airflow users reset-password --username admin
else
  pw | airflow users create --username admin --role Admin \\
    --email admin@airflow.local --firstname Platform --lastname Admin
fi
"""


@dataclass(frozen=True)
class AirflowArgs:
    spec: AirflowSpec
    context: ServiceContext
    metadata_secret: pulumi.Input[str]
    """Secret whose key ``connection`` is the metadata database URL."""
    service_account_annotations: pulumi.Input[Mapping[str, str]]
    """Workload identity of the shared service account (empty off AWS)."""
    namespace: pulumi.Resource
    """The airflow namespace (created by the caller, before the database logins)."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    """What must exist first (the database bootstrap)."""
    task_services: Sequence[Reach] = ()
    """Platform services DAG tasks may call (MLflow, Feast)."""
    git_ssh_key: pulumi.Input[str] | None = None
    """The DAG repository's deploy key (a Pulumi secret), written to the spec's
    ``dags.sshKeySecret``; None when the repository needs none."""


class Airflow(pulumi.ComponentResource):
    url: str
    """Where people open it: the ingress URL, else the in-cluster one."""
    cluster_url: str
    """Where pods reach it (the in-cluster Service)."""
    admin_secret: pulumi.Output[str]
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: AirflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Airflow", name, None, opts)
        ctx = args.context
        provider = ctx.provider
        ns = args.namespace
        in_ns = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[ns])
        before: list[pulumi.Resource] = [ns, *args.depends_on, *ctx.prerequisites]
        if ctx.peers is not None:
            before += fence(
                NAMESPACE,
                allowances(args.spec, ctx.peers, args.task_services),
                ctx.peers,
                provider=provider,
                parent=self,
                depends_on=[ns],
            )
        keys = {
            "fernet": ("airflow-fernet-key", "fernet-key"),
            "api": ("airflow-api-secret-key", "api-secret-key"),
            "jwt": ("airflow-jwt-secret", "jwt-secret"),
        }
        before += [
            GeneratedSecret(
                f"{name}-{what}",
                GeneratedSecretArgs(
                    namespace=NAMESPACE,
                    secret_name=secret,
                    after=(ns,),
                    **({"fernet_keys": (key,)} if what == "fernet" else {"passwords": (key,)}),
                ),
                provider,
                in_ns,
            )
            for what, (secret, key) in keys.items()
        ]
        admin = GeneratedSecret(
            f"{name}-admin",
            GeneratedSecretArgs(
                namespace=NAMESPACE,
                secret_name="airflow-admin",
                passwords=("password",),
                fixed={"username": "admin"},
                after=(ns,),
            ),
            provider,
            in_ns,
        )
        before.append(
            service_account(
                f"{name}-sa", SERVICE_ACCOUNT, NAMESPACE, args.service_account_annotations, in_ns
            )
        )
        dags = args.spec.dags
        if dags is not None and dags.ssh_key_secret and args.git_ssh_key is not None:
            before.append(
                k8s.core.v1.Secret(
                    f"{name}-git-key",
                    metadata={
                        "name": dags.ssh_key_secret,
                        "namespace": NAMESPACE,
                        "labels": MANAGED_BY,
                    },
                    string_data={GIT_KEY: pulumi.Output.secret(args.git_ssh_key)},
                    opts=in_ns,
                )
            )
        self.release = release(
            RELEASE,
            "airflow",
            namespace=NAMESPACE,
            values=airflow_values(args.spec, ctx, args.metadata_secret),
            version=args.spec.chart_version,
            overrides=args.spec.values,
            provider=provider,
            parent=self,
            depends_on=before,
        )
        self._admin_job(name, admin, args.metadata_secret, provider)
        if ctx.monitoring is not None:
            self._statsd_monitor(name, provider, ctx.monitoring)
        self.admin_secret = admin.name
        self.cluster_url = f"http://{RELEASE}-api-server.{NAMESPACE}.svc:{API_PORT}"
        self.url = ctx.exposure.url("airflow", ctx.tls) if ctx.exposure else self.cluster_url
        self.register_outputs(
            {"url": self.url, "clusterUrl": self.cluster_url, "adminSecret": self.admin_secret}
        )

    def _admin_job(
        self,
        name: str,
        admin: GeneratedSecret,
        metadata_secret: pulumi.Input[str],
        provider: k8s.Provider,
    ) -> None:
        """Create or reset the admin, after the release (so after the migrations).

        It runs the chart's airflow.cfg (the FAB auth manager, whose CLI has the ``users``
        commands) with a read-only root filesystem: AIRFLOW_HOME and /tmp are scratch
        volumes, and the password reaches the CLI on stdin, never on a command line.
        """
        env: list[dict[str, Any]] = [
            {"name": "AIRFLOW_HOME", "value": AIRFLOW_HOME},
            {
                "name": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                "valueFrom": {"secretKeyRef": {"name": metadata_secret, "key": "connection"}},
            },
            {
                "name": "ADMIN_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": admin.name, "key": "password"}},
            },
        ]
        labels = {**MANAGED_BY, **component("create-admin")}
        mounts = [
            {"name": "home", "mountPath": AIRFLOW_HOME},
            {
                "name": "config",
                "mountPath": f"{AIRFLOW_HOME}/airflow.cfg",
                "subPath": "airflow.cfg",
                "readOnly": True,
            },
            {"name": "tmp", "mountPath": "/tmp"},
        ]
        k8s.batch.v1.Job(
            f"{name}-admin",
            metadata={"namespace": NAMESPACE, "labels": labels},
            spec={
                "backoffLimit": 4,
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": SERVICE_ACCOUNT,
                        # The airflow CLI talks to the database, never to the Kubernetes API.
                        "automountServiceAccountToken": False,
                        "restartPolicy": "OnFailure",
                        "securityContext": restricted_pod(AIRFLOW_UID, 0, 0),
                        "containers": [
                            {
                                "name": "ensure-admin",
                                "image": ":".join(AIRFLOW_IMAGE),
                                "command": ["bash", "-c", _ENSURE_ADMIN],
                                "env": env,
                                "securityContext": {
                                    **RESTRICTED_CONTAINER,
                                    "readOnlyRootFilesystem": True,
                                },
                                "resources": resources("100m", "512Mi"),
                                "volumeMounts": mounts,
                            }
                        ],
                        "volumes": [
                            {"name": "home", "emptyDir": {}},
                            {"name": "tmp", "emptyDir": {}},
                            {"name": "config", "configMap": {"name": CONFIG_MAP}},
                        ],
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[self.release]),
        )

    def _statsd_monitor(
        self, name: str, provider: k8s.Provider, monitoring: pulumi.Resource
    ) -> None:
        """Prometheus scrapes the chart's StatsD exporter (the chart ships no monitor); the
        scheduler heartbeat alert reads it."""
        k8s.apiextensions.CustomResource(
            f"{name}-statsd-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata={"name": f"{RELEASE}-statsd", "namespace": NAMESPACE, "labels": MANAGED_BY},
            spec={
                "selector": {"matchLabels": component("statsd")},
                "endpoints": [{"port": STATSD_SCRAPE_NAME, "interval": "30s"}],
            },
            opts=pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=[self.release, monitoring]
            ),
        )
