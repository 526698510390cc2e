"""MLflow: its namespace, two databases (runs; users and permissions), the artifacts
prefix and identity; the online store, when there is one, shares OIDC sessions."""

from __future__ import annotations

from mlplat.components.services import mlflow as component
from mlplat.components.services.alert_rules import MLFLOW_DOWN
from mlplat.components.services.mlflow import Mlflow, MlflowArgs, MlflowDatabase, SharedCache
from mlplat.components.services.mlflow_values import POD_LABELS, PORT, SERVICE_ACCOUNT
from mlplat.services.service import (
    Built,
    ConfigSecret,
    Endpoint,
    Identity,
    Namespace,
    Needs,
    Pods,
    Provided,
    Service,
    prefix_access,
    secret_ref,
)
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import MlflowAuth, MlflowSpec

OIDC_CLIENT_SECRET = "mlflowOidcClientSecret"
"""The config key of the OIDC client secret."""
RUNS, USERS = "mlflow", "mlflowauth"
"""Its databases: users and permissions live apart from runs (each has its own alembic
history)."""


def _needs(section: MlflowSpec, spec: PlatformSpec) -> Needs:
    secrets = ()
    if section.auth is MlflowAuth.OIDC and section.oidc is not None:
        secrets = (
            ConfigSecret(
                OIDC_CLIENT_SECRET,
                component.NAMESPACE,
                section.oidc.client_secret_name,
                f"pulumi config set --secret mlplat:{OIDC_CLIENT_SECRET}",
            ),
        )
    return Needs(
        namespace=Namespace(component.NAMESPACE, component.NAMESPACE_LEVEL),
        databases=(RUNS, USERS),
        identity=Identity(SERVICE_ACCOUNT, prefix_access("artifacts", "mlflow/")),
        config_secrets=secrets,
        endpoint=Endpoint(Pods(component.NAMESPACE, POD_LABELS), PORT),
        alert_rules=(MLFLOW_DOWN,),
    )


def _build(section: MlflowSpec, provided: Provided) -> Built:
    database, namespace, online = provided.database, provided.namespace, provided.redis
    assert namespace is not None, "its needs ask for one"
    context = provided.context
    cache = None
    if online is not None:
        cache = SharedCache(
            online.host, online.port, online.tls, online.password, provided.peers.redis
        )
    mlflow = Mlflow(
        provided.name,
        MlflowArgs.from_spec(
            section,
            database=MlflowDatabase(
                host=database.host,
                port=database.port,
                backend_secret=database.logins[RUNS],
                auth_secret=database.logins[USERS],
            ),
            object_store=context.store,
            service_account_annotations=provided.identity,
            exposure=context.exposure,
            tls=context.tls,
            peers=provided.peers,
            oidc_client_secret=provided.config.get(OIDC_CLIENT_SECRET),
            cache=cache,
            clients=provided.clients,
        ),
        provided.on_cluster(),
    )
    credentials = {}
    if mlflow.admin_secret is not None:
        credentials["mlflowAdmin"] = secret_ref(component.NAMESPACE, mlflow.admin_secret)
    return Built(url=mlflow.url, cluster_url=mlflow.cluster_url, credentials=credentials)


SERVICE = Service(
    name="mlflow",
    section=lambda spec: spec.services.mlflow,
    needs=_needs,
    build=_build,
    charts=("mlflow",),
)
