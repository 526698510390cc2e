"""InClusterStores: the managed AWS stores swapped for in-cluster ones on an existing cluster.

RDS becomes the official postgres image, S3 becomes MinIO, ElastiCache becomes Redis and
ECR becomes a CNCF Distribution registry, each a single-replica StatefulSet with a volume
from the cluster's default StorageClass, running non-root under Pod Security restricted,
with generated credentials. They make a laptop (kind) or on-prem cluster run the same
spec; they are not highly available, and the README says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from mlplat.components.charts import IMAGES, POSTGRES_UID, REDIS_UID
from mlplat.components.services.context import S3_CREDENTIALS_SECRET
from mlplat.components.services.fence import (
    Allowance,
    in_namespace,
    ingress_from,
    same_namespace,
    tcp,
)
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    resources,
    restricted_pod,
)

POSTGRES_PORT = 5432
MINIO_PORT = 9000
MINIO_ROOT_USER = "mlplat-root"
REDIS_PORT = 6379
REGISTRY_PORT = 5000
STORE_UID = 65532
"""MinIO and the registry run as this unprivileged user."""
BUCKETS = ("artifacts", "data", "logs")
_MAKE_BUCKETS = (
    'for b in $BUCKETS; do aws --endpoint-url "$ENDPOINT" s3api head-bucket --bucket "$b" '
    '2>/dev/null || aws --endpoint-url "$ENDPOINT" s3 mb "s3://$b"; done'
)


BUCKET_JOB = {"app.kubernetes.io/name": "make-buckets"}


def app_labels(app: str) -> dict[str, str]:
    """The labels that select a store's pods (postgres, minio, redis, registry)."""
    return {"app.kubernetes.io/name": app}


@dataclass(frozen=True)
class InClusterStoresArgs:
    namespace: str
    """The platform namespace, where the stores run."""
    platform: str
    """Platform name; prefixes the bucket names."""
    client_namespaces: Sequence[str]
    """Namespaces that get the object-store credentials Secret."""
    redis: bool
    """Whether the online store (Redis) is needed."""
    storage_gib: Mapping[str, int] | None = None
    """Volume size by store; defaults suit a laptop."""


class InClusterStores(pulumi.ComponentResource):
    postgres_host: str
    postgres_superuser_secret: pulumi.Output[str]
    object_store_url: str
    buckets: dict[str, str]
    redis_host: str | None
    redis_password: pulumi.Output[str] | None
    registry_url: str
    registry_secret: pulumi.Output[str]
    ready: list[pulumi.Resource]
    """What clients must wait for."""

    def __init__(
        self,
        name: str,
        args: InClusterStoresArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlplat:index:InClusterStores", name, None, opts)
        self._provider = provider
        self._ns = args.namespace
        sizes = {"postgres": 10, "minio": 20, "registry": 20, **(args.storage_gib or {})}
        child = pulumi.ResourceOptions(parent=self)
        superuser = GeneratedSecret(
            f"{name}-postgres",
            GeneratedSecretArgs(
                namespace=args.namespace,
                secret_name="postgres-superuser",
                passwords=("password",),
                fixed={"username": "postgres"},
            ),
            provider,
            child,
        )
        postgres = self._app(
            "postgres",
            IMAGES["postgres"],
            POSTGRES_PORT,
            POSTGRES_UID,
            volume=("/var/lib/postgresql/data", sizes["postgres"]),
            env=[
                {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                _from_secret("POSTGRES_PASSWORD", superuser.name, "password"),
            ],
            extra_mounts=[("run", "/var/run/postgresql")],
        )
        minio_root = GeneratedSecret(
            f"{name}-minio",
            GeneratedSecretArgs(
                namespace=args.namespace,
                secret_name="minio-root",
                passwords=("secret-key",),
                fixed={"access-key": MINIO_ROOT_USER},
            ),
            provider,
            child,
        )
        minio = self._app(
            "minio",
            IMAGES["minio"],
            MINIO_PORT,
            STORE_UID,
            volume=("/data", sizes["minio"]),
            env=[
                _from_secret("MINIO_ROOT_USER", minio_root.name, "access-key"),
                _from_secret("MINIO_ROOT_PASSWORD", minio_root.name, "secret-key"),
            ],
            args=["server", "/data", "--certs-dir", "/tmp/certs"],
        )
        self.object_store_url = f"http://minio.{args.namespace}.svc:{MINIO_PORT}"
        self.buckets = {purpose: f"{args.platform}-{purpose}" for purpose in BUCKETS}
        buckets_job = self._bucket_job(name, minio_root, [minio])
        credentials = [
            k8s.core.v1.Secret(
                f"{name}-s3-{client}",
                metadata={"name": S3_CREDENTIALS_SECRET, "namespace": client, "labels": MANAGED_BY},
                string_data={
                    "access-key": MINIO_ROOT_USER,
                    "secret-key": minio_root.values["secret-key"],
                },
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            for client in args.client_namespaces
        ]
        self.redis_host, self.redis_password = None, None
        redis_ready: list[pulumi.Resource] = []
        if args.redis:
            password = random.RandomPassword(f"{name}-redis", length=32, special=False, opts=child)
            self.redis_password = pulumi.Output.secret(password.result)
            redis_secret = k8s.core.v1.Secret(
                f"{name}-redis",
                metadata={"name": "redis-auth", "namespace": args.namespace, "labels": MANAGED_BY},
                string_data={"password": self.redis_password},
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            redis_ready.append(
                self._app(
                    "redis",
                    IMAGES["redis"],
                    REDIS_PORT,
                    REDIS_UID,
                    volume=("/data", 1),
                    env=[_from_secret("REDIS_PASSWORD", redis_secret.metadata.name, "password")],
                    command=["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD"'],
                )
            )
            self.redis_host = f"redis.{args.namespace}.svc"
        registry_login = random.RandomPassword(
            f"{name}-registry", length=32, special=False, opts=child
        )
        registry_secret = k8s.core.v1.Secret(
            f"{name}-registry-auth",
            metadata={"name": "registry-auth", "namespace": args.namespace, "labels": MANAGED_BY},
            string_data={
                "username": "mlplat",
                "password": pulumi.Output.secret(registry_login.result),
                "htpasswd": pulumi.Output.secret(
                    registry_login.bcrypt_hash.apply(lambda h: f"mlplat:{h}\n")
                ),
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        registry = self._app(
            "registry",
            IMAGES["registry"],
            REGISTRY_PORT,
            STORE_UID,
            volume=("/var/lib/registry", sizes["registry"]),
            env=[
                {"name": "REGISTRY_AUTH", "value": "htpasswd"},
                {"name": "REGISTRY_AUTH_HTPASSWD_REALM", "value": "mlplat"},
                {"name": "REGISTRY_AUTH_HTPASSWD_PATH", "value": "/auth/htpasswd"},
            ],
            secret_mount=("auth", registry_secret.metadata.name, "/auth"),
        )
        self.postgres_host = f"postgres.{args.namespace}.svc"
        self.postgres_superuser_secret = superuser.name
        self.registry_url = f"registry.{args.namespace}.svc:{REGISTRY_PORT}"
        self.registry_secret = registry_secret.metadata.name
        self.ready = [postgres, buckets_job, *credentials, *redis_ready, registry]
        self.register_outputs(
            {"objectStoreUrl": self.object_store_url, "registryUrl": self.registry_url}
        )

    def _app(
        self,
        app: str,
        image: str,
        port: int,
        uid: int,
        *,
        volume: tuple[str, int],
        env: list[dict[str, Any]],
        args: list[str] | None = None,
        command: list[str] | None = None,
        extra_mounts: Sequence[tuple[str, str]] = (),
        secret_mount: tuple[str, pulumi.Input[str], str] | None = None,
    ) -> k8s.apps.v1.StatefulSet:
        """A one-replica StatefulSet with a volume, and its Service."""
        labels = {**MANAGED_BY, **app_labels(app)}
        opts = pulumi.ResourceOptions(parent=self, provider=self._provider)
        mount_path, size = volume
        mounts = [{"name": "data", "mountPath": mount_path}]
        volumes: list[dict[str, Any]] = []
        for vol, path in (*extra_mounts, ("tmp", "/tmp")):
            mounts.append({"name": vol, "mountPath": path})
            volumes.append({"name": vol, "emptyDir": {}})
        if secret_mount is not None:
            vol, secret, path = secret_mount
            mounts.append({"name": vol, "mountPath": path, "readOnly": True})
            volumes.append({"name": vol, "secret": {"secretName": secret}})
        container: dict[str, Any] = {
            "name": app,
            "image": image,
            "env": env,
            "ports": [{"name": app, "containerPort": port}],
            "securityContext": {**RESTRICTED_CONTAINER, "readOnlyRootFilesystem": True},
            "resources": resources("100m", "256Mi", "1Gi"),
            "volumeMounts": mounts,
            "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10},
        }
        if args is not None:
            container["args"] = args
        if command is not None:
            container["command"] = command
        service = k8s.core.v1.Service(
            f"{app}-svc",
            metadata={"name": app, "namespace": self._ns, "labels": labels},
            spec={"selector": labels, "ports": [{"name": app, "port": port, "targetPort": port}]},
            opts=opts,
        )
        return k8s.apps.v1.StatefulSet(
            app,
            metadata={"name": app, "namespace": self._ns, "labels": labels},
            spec={
                "serviceName": service.metadata.name,
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "securityContext": restricted_pod(uid, uid, uid),
                        "containers": [container],
                        "volumes": volumes,
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": f"{size}Gi"}},
                        },
                    }
                ],
            },
            opts=opts,
        )

    def _bucket_job(
        self, name: str, root: GeneratedSecret, after: list[pulumi.Resource]
    ) -> k8s.batch.v1.Job:
        env = [
            {"name": "ENDPOINT", "value": self.object_store_url},
            {"name": "BUCKETS", "value": " ".join(self.buckets.values())},
            {"name": "HOME", "value": "/tmp"},
            _from_secret("AWS_ACCESS_KEY_ID", root.name, "access-key"),
            _from_secret("AWS_SECRET_ACCESS_KEY", root.name, "secret-key"),
        ]
        return k8s.batch.v1.Job(
            f"{name}-buckets",
            metadata={"namespace": self._ns, "labels": {**MANAGED_BY, **BUCKET_JOB}},
            spec={
                "backoffLimit": 6,
                "template": {
                    "metadata": {"labels": {**MANAGED_BY, **BUCKET_JOB}},
                    "spec": {
                        "restartPolicy": "OnFailure",
                        "automountServiceAccountToken": False,
                        "securityContext": restricted_pod(STORE_UID, STORE_UID),
                        "containers": [
                            {
                                "name": "make-buckets",
                                "image": IMAGES["aws-cli"],
                                "command": ["sh", "-c", _MAKE_BUCKETS],
                                "env": env,
                                "securityContext": {
                                    **RESTRICTED_CONTAINER,
                                    "readOnlyRootFilesystem": True,
                                },
                                "resources": resources("50m", "128Mi"),
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "tmp", "emptyDir": {}}],
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self, provider=self._provider, depends_on=after),
        )


def _from_secret(env: str, secret: pulumi.Input[str], key: str) -> dict[str, Any]:
    return {"name": env, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def allowances(client_namespaces: Sequence[str], redis: bool) -> list[Allowance]:
    """Each store takes connections from the platform namespace's own pods (the database
    bootstrap, the bucket job) and the services' namespaces; the registry from anywhere
    (kubelets pull from their nodes' addresses)."""
    clients: list[Any] = [{"podSelector": {}}, *(in_namespace(ns) for ns in client_namespaces)]
    found = [
        Allowance(
            "postgres", app_labels("postgres"), ingress=[ingress_from(clients, tcp(POSTGRES_PORT))]
        ),
        Allowance("minio", app_labels("minio"), ingress=[ingress_from(clients, tcp(MINIO_PORT))]),
        Allowance(
            "registry",
            app_labels("registry"),
            ingress=[ingress_from([{"ipBlock": {"cidr": "0.0.0.0/0"}}], tcp(REGISTRY_PORT))],
        ),
        Allowance(
            "make-buckets",
            BUCKET_JOB,
            egress=[{"to": [same_namespace(**app_labels("minio"))], "ports": tcp(MINIO_PORT)}],
        ),
    ]
    if redis:
        found.append(
            Allowance(
                "redis", app_labels("redis"), ingress=[ingress_from(clients, tcp(REDIS_PORT))]
            )
        )
    return found
