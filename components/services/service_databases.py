"""ServiceDatabases: a logical database and login role per service on the platform database.

Each service gets a generated password, kept in a Secret in the service's own namespace
(username, password, host, port, database, and a ready-made connection URL). A bootstrap
Job then creates or updates the roles and databases; it is idempotent and re-runs only
when the set of services or a login changes. On AWS the Job fetches the RDS-managed
master password from Secrets Manager at run time through its own workload identity, so
the master password never enters Pulumi state or a Kubernetes Secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.charts import IMAGES, POSTGRES_UID
from mlplat.components.services.fence import Allowance, NetworkPeers
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    resources,
    restricted_pod,
    service_account,
)

LOGIN_SECRET_SUFFIX = "-db"
BOOTSTRAP = {"app.kubernetes.io/name": "db-bootstrap"}
"""The bootstrap Job's pod labels (its network allowance selects them)."""
"""A service's login Secret is <database>-db in its namespace."""

_BOOTSTRAP = r"""
set -eu
if [ -f /work/master.json ]; then
  field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p" /work/master.json; }
  PGUSER="$(field username)"; PGPASSWORD="$(field password)"
  export PGUSER PGPASSWORD
fi
for db in $DATABASES; do
  psql -v ON_ERROR_STOP=1 -d postgres -v name="$db" -v pw="$(cat "/logins/$db")" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')\gexec
ALTER ROLE :"name" WITH LOGIN PASSWORD :'pw';
GRANT :"name" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name')\gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "database $db ready"
done
"""

_FETCH_MASTER = (
    'aws secretsmanager get-secret-value --secret-id "$MASTER_SECRET_ARN" '
    "--query SecretString --output text > /work/master.json"
)


@dataclass(frozen=True)
class MasterFromSecretsManager:
    """The RDS-managed master login, read from Secrets Manager by the Job itself."""

    secret_arn: pulumi.Input[str]
    role_annotations: pulumi.Input[Mapping[str, str]]
    """Service-account annotations of a workload role allowed to read the secret."""
    region: str


@dataclass(frozen=True)
class MasterFromKubernetes:
    """A superuser login kept in a Kubernetes Secret (an in-cluster Postgres)."""

    secret_name: pulumi.Input[str]
    username: str
    password_key: str = "password"


@dataclass(frozen=True)
class ServiceDatabasesArgs:
    namespace: pulumi.Input[str]
    """Namespace of the bootstrap Job (the platform namespace)."""
    host: pulumi.Input[str]
    port: pulumi.Input[int]
    databases: Mapping[str, pulumi.Input[str]]
    """Database (= role) name -> namespace of the service that uses it."""
    master: MasterFromSecretsManager | MasterFromKubernetes
    require_tls: bool = True
    """Connect with sslmode=require (RDS forces TLS); False for an in-cluster Postgres."""
    after: tuple[pulumi.Resource, ...] = ()
    """What must exist first: the service namespaces and the database server."""


class ServiceDatabases(pulumi.ComponentResource):
    secret_names: dict[str, pulumi.Output[str]]
    """Login Secret name by database."""
    job: k8s.batch.v1.Job

    def __init__(
        self,
        name: str,
        args: ServiceDatabasesArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlplat:index:ServiceDatabases", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sslmode = "require" if args.require_tls else "disable"
        self.secret_names = {}
        passwords: dict[str, pulumi.Output[str]] = {}
        for db, namespace in args.databases.items():

            def url(values: Mapping[str, pulumi.Output[str]], db: str = db) -> pulumi.Output[str]:
                return pulumi.Output.format(
                    "postgresql://{0}:{1}@{2}:{3}/{0}?sslmode={4}",
                    db,
                    values["password"],
                    args.host,
                    args.port,
                    sslmode,
                )

            login = GeneratedSecret(
                f"{name}-{db}",
                GeneratedSecretArgs(
                    namespace=namespace,
                    secret_name=f"{db}{LOGIN_SECRET_SUFFIX}",
                    passwords=("password",),
                    fixed={
                        "username": db,
                        "database": db,
                        "host": args.host,
                        "port": pulumi.Output.from_input(args.port).apply(str),
                    },
                    derived={"connection": url},
                    after=args.after,
                ),
                provider,
                child,
            )
            self.secret_names[db] = login.name
            passwords[db] = login.values["password"]
        logins = k8s.core.v1.Secret(
            f"{name}-bootstrap-logins",
            metadata={"namespace": args.namespace, "labels": MANAGED_BY},
            string_data=passwords,
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.job = self._job(name, args, logins, sslmode, provider)
        self.register_outputs({"secretNames": self.secret_names})

    def _job(
        self,
        name: str,
        args: ServiceDatabasesArgs,
        logins: k8s.core.v1.Secret,
        sslmode: str,
        provider: k8s.Provider,
    ) -> k8s.batch.v1.Job:
        env: list[dict[str, Any]] = [
            {"name": "PGHOST", "value": args.host},
            {"name": "PGPORT", "value": pulumi.Output.from_input(args.port).apply(str)},
            {"name": "PGSSLMODE", "value": sslmode},
            {"name": "DATABASES", "value": " ".join(sorted(args.databases))},
            {"name": "HOME", "value": "/work"},
        ]
        init: list[dict[str, Any]] = []
        run_as: dict[str, Any] = {}
        master = args.master
        if isinstance(master, MasterFromSecretsManager):
            account = service_account(
                f"{name}-bootstrap",
                "db-bootstrap",
                args.namespace,
                master.role_annotations,
                pulumi.ResourceOptions(parent=self, provider=provider),
                api_token=False,
            )
            run_as = {"serviceAccountName": account.metadata.name}
            init.append(
                {
                    "name": "fetch-master-login",
                    "image": IMAGES["aws-cli"],
                    "command": ["sh", "-c", _FETCH_MASTER],
                    "env": [
                        {"name": "MASTER_SECRET_ARN", "value": master.secret_arn},
                        {"name": "AWS_REGION", "value": master.region},
                        {"name": "HOME", "value": "/work"},
                    ],
                    "securityContext": {**RESTRICTED_CONTAINER, "readOnlyRootFilesystem": True},
                    "resources": resources("50m", "128Mi"),
                    "volumeMounts": [{"name": "work", "mountPath": "/work"}],
                }
            )
        else:
            env += [
                {"name": "PGUSER", "value": master.username},
                {
                    "name": "PGPASSWORD",
                    "valueFrom": {
                        "secretKeyRef": {"name": master.secret_name, "key": master.password_key}
                    },
                },
            ]
        pod = {
            **run_as,
            # IRSA's web-identity token is projected separately; psql needs no API token.
            "automountServiceAccountToken": False,
            "restartPolicy": "OnFailure",
            "securityContext": restricted_pod(POSTGRES_UID, POSTGRES_UID, POSTGRES_UID),
            "initContainers": init,
            "containers": [
                {
                    "name": "bootstrap",
                    "image": IMAGES["postgres"],
                    "command": ["sh", "-c", _BOOTSTRAP],
                    "env": env,
                    "securityContext": {**RESTRICTED_CONTAINER, "readOnlyRootFilesystem": True},
                    "resources": resources("50m", "64Mi"),
                    "volumeMounts": [
                        {"name": "work", "mountPath": "/work"},
                        {"name": "logins", "mountPath": "/logins", "readOnly": True},
                    ],
                }
            ],
            "volumes": [
                {"name": "work", "emptyDir": {"medium": "Memory"}},
                {"name": "logins", "secret": {"secretName": logins.metadata.name}},
            ],
        }
        return k8s.batch.v1.Job(
            f"{name}-bootstrap",
            metadata={"namespace": args.namespace, "labels": {**MANAGED_BY, **BOOTSTRAP}},
            spec={
                "backoffLimit": 6,
                "template": {"metadata": {"labels": {**MANAGED_BY, **BOOTSTRAP}}, "spec": pod},
            },
            opts=pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=list(args.after)
            ),
        )


def allowances(peers: NetworkPeers, master_from_aws: bool) -> list[Allowance]:
    """The bootstrap Job reaches the database and, on AWS, its credentials and Secrets
    Manager (it reads the master login itself, through its own identity)."""
    egress = [peers.database.egress()] if peers.database else []
    if master_from_aws:
        egress += [r.egress() for r in peers.identity("secretsmanager")]
    return [Allowance("db-bootstrap", BOOTSTRAP, egress=egress)]
