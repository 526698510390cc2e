"""The MLflow chart's values and the mlflow namespace's network allowances.

Values use the keys of the community chart 1.11.5, whose schema closes the root (a
misspelt key fails the install); ``mlplat render`` checks them against the chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from mlplat.components.services.context import S3_CREDENTIALS_SECRET
from mlplat.components.services.fence import INTERNET, Allowance, ingress_from, tcp
from mlplat.components.services.kube import RESTRICTED_CONTAINER, resources
from mlplat.spec.services import MlflowAuth

if TYPE_CHECKING:  # the component's module imports this one
    from mlplat.components.services.mlflow import MlflowArgs, MlflowOidc

SERVICE_ACCOUNT = "mlflow"
MLFLOW_UID = 1001
PORT = 5000
"""The tracking server's port, on the pod and on the Service."""
POD_LABELS = {"app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": "mlflow"}
HEALTH_PATH = "/health"
"""Exempt from MLflow's host check and login: what load balancers probe."""
OIDC_CLIENT_KEY = "client-secret"
CACHE_SECRET = "mlflow-oidc-cache"
"""Secret holding the Redis URL of the shared OIDC session cache (env expansion)."""


def needs_cache(args: MlflowArgs) -> bool:
    """Whether sessions must be shared: OIDC with more than one replica."""
    return args.auth is MlflowAuth.OIDC and args.replicas > 1


def allowances(args: MlflowArgs) -> list[Allowance]:
    """The tracking server takes requests from teams, Airflow's tasks and the load
    balancer; it reaches its databases, the artifacts bucket (through its identity), the
    identity provider with OIDC, and the shared session cache."""
    peers = args.peers
    assert peers is not None, "only a fenced namespace has allowances"
    callers = [*args.clients, *([peers.teams] if peers.teams else [])]
    ingress = [ingress_from(callers, tcp(PORT))] if callers else []
    if peers.load_balancer is not None:
        ingress.append(ingress_from(peers.load_balancer, tcp(PORT)))
    egress = [
        *(r.egress() for r in (peers.database, peers.object_store) if r is not None),
        *(r.egress() for r in peers.identity()),
    ]
    if args.auth is MlflowAuth.OIDC:
        egress.append({"to": [INTERNET], "ports": tcp(443)})
    cache = args.cache
    if cache is not None and cache.reach is not None and needs_cache(args):
        egress.append(cache.reach.egress())
    return [Allowance("mlflow", POD_LABELS, ingress=ingress, egress=egress)]


def allowed_hosts(namespace: str) -> list[str]:
    """The Host headers in-cluster clients send (MLflow matches exactly unless ``*``)."""
    names = [f"mlflow.{namespace}{suffix}" for suffix in ("", ".svc", ".svc.cluster.local")]
    return [host for name in ["mlflow", *names] for host in (name, f"{name}:*")]


def mlflow_values(
    args: MlflowArgs, admin_secret: pulumi.Input[str] | None, cache: bool = False
) -> dict[str, Any]:
    """Values for the community chart; its schema closes the root, so keys must be exact."""
    db = args.database
    postgres = {"enabled": True, "host": db.host, "port": db.port, "driver": "psycopg2"}
    store = args.object_store
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
        "replicaCount": args.replicas,
        "service": {"port": PORT},
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
            # The workload identity's token is projected on its own; MLflow never calls the
            # Kubernetes API.
            "automount": False,
            "annotations": args.service_account_annotations,
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
        # /metrics answers only after MLflow's login, which Prometheus cannot pass: no
        # monitor (the MlflowDown alert reads kube-state-metrics instead).
        "serviceMonitor": {"enabled": False},
        "telemetry": {"enabled": False},
        "serverAllowedHosts": allowed_hosts(args.namespace),
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
    if args.auth is MlflowAuth.BASIC:
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
    elif args.oidc is not None:
        values["oidcAuth"] = _oidc(args, args.oidc, auth_store, cache)
        if cache:
            values["extraSecretNamesForEnvFrom"] = [CACHE_SECRET]
    if args.exposure is not None:
        exposure = args.exposure
        url = exposure.url("mlflow", args.tls)
        # TLS ends at the load balancer, so the chart would derive an http:// origin.
        values["corsAllowedOrigins"] = [url]
        values["ingress"] = {
            "enabled": True,
            "className": exposure.class_name,
            "annotations": exposure.annotations_for(HEALTH_PATH),
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


def _oidc(
    args: MlflowArgs, oidc: MlflowOidc, auth_store: Mapping[str, Any], cache: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "enabled": True,
        "discoveryUrl": oidc.discovery_url,
        "clientId": oidc.client_id,
        "existingSecret": {"name": oidc.client_secret_name, "clientSecretKey": OIDC_CLIENT_KEY},
        "defaultPermission": "READ",
        "groupName": list(oidc.user_groups),
        "adminGroupName": list(oidc.admin_groups),
        "database": {"postgres": auth_store},
    }
    if cache:
        # Expanded by the kubelet from the Secret's variable: no credential in the values.
        values["cache"] = {"enabled": True, "redisUrl": "$(MLFLOW_OIDC_CACHE_REDIS_URL)"}
    if args.exposure is not None:
        values["redirectUri"] = args.exposure.url("mlflow", args.tls) + "/callback"
    return values
