"""MLflow: the community chart with a Postgres backend and proxied S3 artifacts.

Artifacts are served through the tracking server (``--serve-artifacts``), so clients
need no object-store credentials; the server alone reaches the MLflow prefix through its
workload identity. Authentication is always on: MLflow's basic auth with a generated
admin, or OIDC from the spec. Users and permissions live in their own database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.services.context import S3_CREDENTIALS_SECRET, ServiceContext
from components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from components.services.kube import (
    RESTRICTED_CONTAINER,
    PodSecurity,
    release,
    resources,
)
from mlplat.spec.services import MlflowAuth, MlflowSpec

NAMESPACE = "mlflow"
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""The chart runs as uid 1001 without privileges; seccomp is added below."""
SERVICE_ACCOUNT = "mlflow"
MLFLOW_UID = 1001
PORT = 5000


@dataclass(frozen=True)
class MlflowDatabase:
    host: pulumi.Input[str]
    port: pulumi.Input[int]
    backend_secret: pulumi.Input[str]
    """Login Secret (username/password) of the tracking database."""
    auth_secret: pulumi.Input[str]
    """Login Secret of the users-and-permissions database."""
    require_tls: bool = True


@dataclass(frozen=True)
class MlflowArgs:
    spec: MlflowSpec
    context: ServiceContext
    database: MlflowDatabase
    service_account_annotations: pulumi.Input[Mapping[str, str]]
    namespace: pulumi.Resource
    """The mlflow namespace (created by the caller, before the database logins)."""
    depends_on: tuple[pulumi.Resource, ...] = ()


class Mlflow(pulumi.ComponentResource):
    url: str
    admin_secret: pulumi.Output[str] | None
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: MlflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Mlflow", name, None, opts)
        ctx = args.context
        ns = args.namespace
        admin: GeneratedSecret | None = None
        if args.spec.auth is MlflowAuth.BASIC:
            admin = GeneratedSecret(
                f"{name}-admin",
                GeneratedSecretArgs(
                    namespace=NAMESPACE,
                    secret_name="mlflow-admin",
                    passwords=("password",),
                    fixed={"username": "admin"},
                    after=(ns,),
                ),
                ctx.provider,
                pulumi.ResourceOptions(parent=self, depends_on=[ns]),
            )
        after = [ns, *args.depends_on]
        if admin is not None:
            after.append(admin)
        after += ctx.prerequisites
        self.release = release(
            "mlflow",
            "mlflow",
            namespace=NAMESPACE,
            values=mlflow_values(
                args.spec,
                ctx,
                args.database,
                args.service_account_annotations,
                admin.name if admin else None,
            ),
            version=args.spec.chart_version,
            provider=ctx.provider,
            parent=self,
            depends_on=after,
        )
        self.admin_secret = admin.name if admin else None
        self.url = (
            ctx.exposure.url("mlflow", ctx.tls)
            if ctx.exposure
            else f"http://mlflow.{NAMESPACE}.svc:{PORT}"
        )
        self.register_outputs({"url": self.url, "adminSecret": self.admin_secret})


def mlflow_values(
    spec: MlflowSpec,
    ctx: ServiceContext,
    db: MlflowDatabase,
    annotations: pulumi.Input[Mapping[str, str]],
    admin_secret: pulumi.Input[str] | None,
) -> dict[str, Any]:
    """Values for the community chart; its schema closes the root, so keys must be exact."""
    postgres = {"enabled": True, "host": db.host, "port": db.port, "driver": "psycopg2"}
    store = ctx.store
    s3: dict[str, Any] = {"enabled": True, "bucket": store.buckets["artifacts"], "path": "mlflow"}
    env: dict[str, Any] = {"AWS_DEFAULT_REGION": store.region}
    if store.needs_keys:
        s3["existingSecret"] = {
            "name": S3_CREDENTIALS_SECRET,
            "keyOfAccessKeyId": "access-key",
            "keyOfSecretAccessKey": "secret-key",
        }
        env["MLFLOW_S3_ENDPOINT_URL"] = store.endpoint_url
    values: dict[str, Any] = {
        "replicaCount": spec.replicas,
        "backendStore": {
            "databaseMigration": True,
            "databaseConnectionCheck": True,
            "postgres": {**postgres, "database": "mlflow"},
            "existingDatabaseSecret": {
                "name": db.backend_secret,
                "usernameKey": "username",
                "passwordKey": "password",
            },
        },
        "postgresql": {"enabled": False},
        "mysql": {"enabled": False},
        "artifactRoot": {"proxiedArtifactStorage": True, "s3": s3},
        "extraEnvVars": env,
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "automount": True,
            "annotations": annotations,
        },
        "podSecurityContext": {
            "runAsUser": MLFLOW_UID,
            "runAsGroup": MLFLOW_UID,
            "fsGroup": MLFLOW_UID,
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "securityContext": {
            **RESTRICTED_CONTAINER,
            "runAsNonRoot": True,
            "runAsUser": MLFLOW_UID,
            "readOnlyRootFilesystem": True,
        },
        "resources": resources("250m", "1Gi", "2Gi"),
        "serviceMonitor": {"enabled": ctx.monitoring is not None},
        "telemetry": {"enabled": False},
    }
    auth_store = {
        **postgres,
        "database": "mlflowauth",
        "existingSecret": {
            "name": db.auth_secret,
            "usernameKey": "username",
            "passwordKey": "password",
        },
    }
    if spec.auth is MlflowAuth.BASIC:
        values["auth"] = {
            "enabled": True,
            "existingAdminSecret": {
                "name": admin_secret,
                "usernameKey": "username",
                "passwordKey": "password",
            },
            "defaultPermission": "READ",
            "postgres": auth_store,
        }
    elif spec.oidc is not None:
        oidc = spec.oidc
        values["oidcAuth"] = {
            "enabled": True,
            "discoveryUrl": oidc.discovery_url,
            "clientId": oidc.client_id,
            "existingSecret": {"name": oidc.client_secret_name, "clientSecretKey": "client-secret"},
            "defaultPermission": "READ",
            "database": {"postgres": auth_store},
        }
        if ctx.exposure is not None:
            values["oidcAuth"]["redirectUri"] = ctx.exposure.url("mlflow", ctx.tls) + "/callback"
    if ctx.exposure is not None:
        exposure = ctx.exposure
        values["ingress"] = {
            "enabled": True,
            "className": exposure.class_name,
            "annotations": dict(exposure.annotations),
            "hosts": [
                {"host": exposure.host("mlflow"), "paths": [{"path": "/", "pathType": "Prefix"}]}
            ],
            "tls": (
                [{"secretName": exposure.tls_secret, "hosts": [exposure.host("mlflow")]}]
                if exposure.tls_secret
                else []
            ),
        }
    return values
