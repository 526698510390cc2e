"""Airflow: its namespace, database, log prefix and identity; its task pods call the
other services' endpoints."""

from __future__ import annotations

from mlplat.components.services import airflow as component
from mlplat.components.services.airflow import Airflow, AirflowArgs
from mlplat.components.services.airflow_values import (
    AIRFLOW_IMAGE,
    API_PORT,
    RELEASE,
    SERVICE_ACCOUNT,
    TASK_SERVICE_ACCOUNT,
)
from mlplat.components.services.airflow_values import component as airflow_pods
from mlplat.components.services.alert_rules import AIRFLOW_HEARTBEAT_MISSING
from mlplat.services.service import (
    ApiClient,
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
from mlplat.spec.services import AirflowSpec

GIT_SSH_KEY = "airflowGitSshKey"
"""The config key of the DAG repository's deploy key."""
DATABASE = "airflow"


def _needs(section: AirflowSpec, spec: PlatformSpec) -> Needs:
    dags = section.dags
    secrets = ()
    if dags is not None and dags.ssh_key_secret:
        secrets = (
            ConfigSecret(
                GIT_SSH_KEY,
                component.NAMESPACE,
                dags.ssh_key_secret,
                f"pulumi config set --secret mlplat:{GIT_SSH_KEY} < deploy_key",
            ),
        )
    return Needs(
        namespace=Namespace(component.NAMESPACE, component.NAMESPACE_LEVEL),
        databases=(DATABASE,),
        identity=Identity(
            SERVICE_ACCOUNT,
            prefix_access("logs", "airflow/"),
            more_accounts=(TASK_SERVICE_ACCOUNT,),
        ),
        config_secrets=secrets,
        endpoint=Endpoint(Pods(component.NAMESPACE, airflow_pods("api-server")), API_PORT),
        workloads=Pods(component.NAMESPACE, airflow_pods("worker")),
        alert_rules=(AIRFLOW_HEARTBEAT_MISSING,),
    )


def _build(section: AirflowSpec, provided: Provided) -> Built:
    database, context = provided.database, provided.context
    assert provided.namespace is not None, "its needs ask for one"
    airflow = Airflow(
        provided.name,
        AirflowArgs.from_spec(
            section,
            metadata_secret=database.logins[DATABASE],
            object_store=context.store,
            service_account_annotations=provided.identity,
            task_service_account_annotations=provided.more_identities.get(TASK_SERVICE_ACCOUNT, {}),
            exposure=context.exposure,
            tls=context.tls,
            peers=provided.peers,
            task_services=provided.calls,
            git_ssh_key=provided.config.get(GIT_SSH_KEY),
            service_monitor=context.monitoring is not None,
        ),
        provided.on_cluster(),
    )
    return Built(
        url=airflow.url,
        cluster_url=airflow.cluster_url,
        credentials={"airflowAdmin": secret_ref(component.NAMESPACE, airflow.admin_secret)},
    )


SERVICE = Service(
    name="airflow",
    section=lambda spec: spec.services.airflow,
    needs=_needs,
    build=_build,
    charts=("airflow",),
    images=(":".join(AIRFLOW_IMAGE),),
    api_clients=(
        ApiClient(
            f"{component.NAMESPACE}/Deployment/{RELEASE}-scheduler",
            "launches and watches a pod per task (KubernetesExecutor)",
        ),
        ApiClient(
            f"{component.NAMESPACE}/Deployment/{RELEASE}-api-server",
            "reads running task pods' logs (KubernetesExecutor)",
        ),
    ),
)
