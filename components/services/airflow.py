"""Airflow: the official chart on the platform database, task logs in object storage.

Secrets the chart would otherwise generate on every install (fernet key, API secret key,
JWT secret) are generated once here and passed by name, so upgrades never rotate them.
There is no default admin/admin: the chart's user job is off and an admin with a
generated password is created by a Job after the release (its password lives only in
the ``airflow-admin`` Secret). Every component runs under one service account whose
workload identity reaches only the Airflow log prefix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.services.context import S3_CREDENTIALS_SECRET, ServiceContext
from components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    PodSecurity,
    release,
    resources,
    restricted_pod,
    service_account,
)
from mlplat.spec.services import AirflowSpec, Executor

NAMESPACE = "airflow"
API_PORT = 8080
"""The API server's pod and service port (the chart's ports.apiServer)."""
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""Every Airflow pod runs as uid 50000 with the restricted contexts set below."""
SERVICE_ACCOUNT = "airflow"
AIRFLOW_IMAGE = ("apache/airflow", "3.2.0")
"""The chart 1.21.0 default image, pinned so every Airflow pod runs the same Airflow."""
AIRFLOW_UID = 50000
_COMPONENTS_WITH_ACCOUNTS = (
    "scheduler",
    "apiServer",
    "triggerer",
    "dagProcessor",
    "migrateDatabaseJob",
    "createUserJob",
    "cleanup",
    "databaseCleanup",
    "statsd",
    "redis",
)
_ENSURE_ADMIN = """
set -eu
if airflow users list --output json | grep -q '"username": "admin"'; then
  airflow users reset-password --username admin --password "$ADMIN_PASSWORD"
else
  airflow users create --username admin --password "$ADMIN_PASSWORD" --role Admin \\
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


class Airflow(pulumi.ComponentResource):
    url: pulumi.Output[str] | str
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
        keys = {
            "fernet": ("airflow-fernet-key", "fernet-key"),
            "api": ("airflow-api-secret-key", "api-secret-key"),
            "jwt": ("airflow-jwt-secret", "jwt-secret"),
        }
        generated = [
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
        account = service_account(
            f"{name}-sa", SERVICE_ACCOUNT, NAMESPACE, args.service_account_annotations, in_ns
        )
        values = airflow_values(args.spec, ctx, args.metadata_secret)
        self.release = release(
            "airflow",
            "airflow",
            namespace=NAMESPACE,
            values=values,
            version=args.spec.chart_version,
            provider=provider,
            parent=self,
            depends_on=[ns, account, *generated, *args.depends_on, *ctx.prerequisites],
        )
        self._admin_job(name, admin, args.metadata_secret, provider)
        self.admin_secret = admin.name
        self.url = (
            ctx.exposure.url("airflow", ctx.tls)
            if ctx.exposure
            else f"http://airflow-api-server.{NAMESPACE}.svc:{API_PORT}"
        )
        self.register_outputs({"url": self.url, "adminSecret": self.admin_secret})

    def _admin_job(
        self,
        name: str,
        admin: GeneratedSecret,
        metadata_secret: pulumi.Input[str],
        provider: k8s.Provider,
    ) -> None:
        env = [
            {
                "name": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                "valueFrom": {"secretKeyRef": {"name": metadata_secret, "key": "connection"}},
            },
            {
                "name": "ADMIN_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": admin.name, "key": "password"}},
            },
        ]
        k8s.batch.v1.Job(
            f"{name}-admin",
            metadata={"namespace": NAMESPACE, "labels": MANAGED_BY},
            spec={
                "backoffLimit": 4,
                "template": {
                    "metadata": {"labels": MANAGED_BY},
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
                                "securityContext": dict(RESTRICTED_CONTAINER),
                                "resources": resources("100m", "512Mi"),
                            }
                        ],
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[self.release]),
        )


def airflow_values(
    spec: AirflowSpec, ctx: ServiceContext, metadata_secret: pulumi.Input[str]
) -> dict[str, Any]:
    """The chart values (Airflow 3 key names of chart 1.22)."""
    celery = spec.executor is Executor.CELERY
    container = dict(RESTRICTED_CONTAINER)
    contexts = {"pod": restricted_pod(AIRFLOW_UID, 0, 0), "container": container}
    account = {"create": False, "name": SERVICE_ACCOUNT}
    store = ctx.store
    log_folder = pulumi.Output.concat("s3://", store.buckets["logs"], "/airflow/logs")
    aws_conn: dict[str, Any] = {"region_name": store.region}
    if store.endpoint_url:
        aws_conn["endpoint_url"] = store.endpoint_url
    values: dict[str, Any] = {
        "executor": str(spec.executor),
        "defaultAirflowRepository": AIRFLOW_IMAGE[0],
        "defaultAirflowTag": AIRFLOW_IMAGE[1],
        "airflowVersion": AIRFLOW_IMAGE[1],
        "postgresql": {"enabled": False},
        "redis": {
            "enabled": celery,
            "serviceAccount": account,
            "securityContexts": {"pod": restricted_pod(999, 999, 999), "container": container},
        },
        "data": {"metadataSecretName": metadata_secret},
        "fernetKeySecretName": "airflow-fernet-key",
        "apiSecretKeySecretName": "airflow-api-secret-key",
        "jwtSecretName": "airflow-jwt-secret",
        "webserver": {"defaultUser": {"enabled": False}},
        "securityContexts": contexts,
        "networkPolicies": {"enabled": True},
        "triggerer": {
            "persistence": {"enabled": False},
            "resources": resources("100m", "512Mi", "1Gi"),
        },
        "workers": {
            "persistence": {"enabled": False},
            "kubernetes": {"serviceAccount": account, "resources": resources("250m", "512Mi")},
            "celery": {"serviceAccount": account, "resources": resources("500m", "1Gi", "2Gi")},
        },
        "scheduler": {"resources": resources("250m", "512Mi", "1Gi")},
        "apiServer": {"resources": resources("250m", "1Gi", "2Gi")},
        "dagProcessor": {"resources": resources("250m", "512Mi", "1Gi")},
        "statsd": {
            "resources": resources("50m", "64Mi"),
            "securityContexts": {"pod": restricted_pod(65534), "container": container},
        },
        "config": {
            "logging": {
                "remote_logging": "True",
                "remote_base_log_folder": log_folder,
                "remote_log_conn_id": "aws_default",
                "delete_local_logs": "True",
            },
        },
        "env": [
            {
                "name": "AIRFLOW_CONN_AWS_DEFAULT",
                "value": json.dumps({"conn_type": "aws", "extra": aws_conn}, sort_keys=True),
            }
        ],
    }
    for component in _COMPONENTS_WITH_ACCOUNTS:
        values.setdefault(component, {})["serviceAccount"] = account
    if store.needs_keys:
        values["secret"] = [
            {"envName": env, "secretName": S3_CREDENTIALS_SECRET, "secretKey": key}
            for env, key in (
                ("AWS_ACCESS_KEY_ID", "access-key"),
                ("AWS_SECRET_ACCESS_KEY", "secret-key"),
            )
        ]
    if spec.dags is not None:
        dags = spec.dags
        git_sync: dict[str, Any] = {
            "enabled": True,
            "repo": dags.repo,
            "branch": dags.branch,
            "rev": "HEAD",
            "depth": 1,
            "subPath": dags.sub_path,
            "period": dags.period,
            "resources": resources("50m", "64Mi", "256Mi"),
            "securityContexts": {"container": container},
        }
        if dags.ssh_key_secret:
            git_sync["sshKeySecret"] = dags.ssh_key_secret
        values["dags"] = {"gitSync": git_sync}
    if ctx.exposure is not None:
        exposure = ctx.exposure
        host: dict[str, Any] = {"name": exposure.host("airflow")}
        if exposure.tls_secret:
            host["tls"] = {"enabled": True, "secretName": exposure.tls_secret}
        values["ingress"] = {
            "apiServer": {
                "enabled": True,
                "ingressClassName": exposure.class_name,
                "annotations": dict(exposure.annotations),
                "hosts": [host],
                "pathType": "Prefix",
                "path": "/",
            }
        }
    return values
