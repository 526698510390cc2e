"""The Airflow chart's values and the airflow namespace's network allowances.

Values use the keys of chart 1.21.0 (Airflow 3.2); ``mlplat render`` checks each against
the chart. Components carry the chart's labels ``tier: airflow``, ``release: airflow`` and
``component: <name>``, which the allowances select on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pulumi

from mlplat.components.services.context import S3_CREDENTIALS_SECRET
from mlplat.components.services.fence import (
    INTERNET,
    Allowance,
    NetworkPeers,
    Reach,
    ingress_from,
    same_namespace,
    tcp,
    udp,
)
from mlplat.components.services.kube import RESTRICTED_CONTAINER, resources, restricted_pod
from mlplat.spec.services import Executor

if TYPE_CHECKING:  # the component's module imports this one
    from mlplat.components.services.airflow import AirflowArgs, GitDags

RELEASE = "airflow"
SERVICE_ACCOUNT = "airflow"
"""The scheduler's and API server's account: an API token (they launch task pods and read
their logs) and the workload identity of the logs bucket."""
TASK_SERVICE_ACCOUNT = "airflow-tasks"
"""The account of task pods and the triggerer (they run code DAG authors write, and upload
task and trigger logs): a logs role of its own, and an API token only with
allow_pod_launching."""
TOKEN_ANNOTATION = "mlplat.dev/api-token"
"""On the triggerer's pods: whether its account mounts a token. A pod's token is decided
when it is created, so a change of allow_pod_launching must roll the triggerer."""
AIRFLOW_IMAGE = ("apache/airflow", "3.2.0")
"""The chart 1.21.0 default image, pinned so every Airflow pod runs the same Airflow."""
AIRFLOW_UID = 50000
API_PORT = 8080
"""The API server's pod and service port (the chart's ports.apiServer)."""
TRIGGERER_LOG_PORT = 8794
WORKER_LOG_PORT = 8793
STATSD_INGEST_PORT, STATSD_SCRAPE_PORT = 9125, 9102
STATSD_SCRAPE_NAME = "statsd-scrape"
HEALTH_PATH = "/api/v2/monitor/health"
"""The API server's health endpoint (the chart's own probe), for load balancer checks."""
GIT_KEY = "gitSshKey"
"""The key of the deploy-key Secret git-sync reads."""
CHART_LABELS = {"tier": "airflow", "release": RELEASE}
"""Labels every pod the chart runs carries (plus ``component``)."""
_ACCOUNTS = {
    "scheduler": SERVICE_ACCOUNT,
    "apiServer": SERVICE_ACCOUNT,
    "triggerer": TASK_SERVICE_ACCOUNT,
    "workers": TASK_SERVICE_ACCOUNT,
}
"""Components that read or write logs in object storage, by the mlplat account (with a
workload identity) they run as."""
_COMPONENTS_WITHOUT_TOKENS = ("dagProcessor", "migrateDatabaseJob", "statsd", "redis")
"""Components that call neither AWS nor the Kubernetes API (the DAG processor keeps its
logs on local disk): each gets the chart's own account, which mounts no API token."""


def component(name: str) -> dict[str, str]:
    """The labels of one Airflow component's pods."""
    return {**CHART_LABELS, "component": name}


def airflow_values(args: AirflowArgs) -> dict[str, Any]:
    """The chart values: hooks off (Pulumi awaits the release), API tokens and workload
    identities only for the components that use them, restricted contexts, remote logs,
    network policies that admit exactly the API server's callers and Prometheus."""
    celery = args.executor is Executor.CELERY
    container = dict(RESTRICTED_CONTAINER)
    store = args.object_store
    log_folder = pulumi.Output.concat("s3://", store.buckets["logs"], "/airflow/logs")
    aws_conn: dict[str, Any] = {"region_name": store.region}
    if store.endpoint_url:
        aws_conn["endpoint_url"] = store.endpoint_url
    groomer = {"resources": resources("10m", "64Mi")}
    values: dict[str, Any] = {
        "executor": str(args.executor),
        "defaultAirflowRepository": AIRFLOW_IMAGE[0],
        "defaultAirflowTag": AIRFLOW_IMAGE[1],
        "airflowVersion": AIRFLOW_IMAGE[1],
        "postgresql": {"enabled": False},
        "redis": {
            "enabled": celery,
            "securityContexts": {"pod": restricted_pod(999, 999, 999), "container": container},
        },
        "data": {"metadataSecretName": args.metadata_secret},
        "fernetKeySecretName": "airflow-fernet-key",
        "apiSecretKeySecretName": "airflow-api-secret-key",
        "jwtSecretName": "airflow-jwt-secret",
        # mlplat's own Job creates the admin (after the release, password from a Secret).
        "createUserJob": {"enabled": False, "serviceAccount": {"create": False}},
        # Helm runs hooks only after its wait, while every Airflow pod waits (in an init
        # container) for the migrations: as a hook the Job would never run under Pulumi.
        "migrateDatabaseJob": {
            "useHelmHooks": False,
            "applyCustomEnv": False,
            "resources": resources("100m", "512Mi", "1Gi"),
        },
        "securityContexts": {"pod": restricted_pod(AIRFLOW_UID, 0, 0), "containers": container},
        "networkPolicies": {"enabled": True},
        # Pods launch only in this namespace, only as pods (the task-pod fence), and only
        # by the accounts mlplat's own Role is bound to (components.services.airflow_rbac).
        "multiNamespaceMode": False,
        "allowJobLaunching": False,
        "allowPodLaunching": False,
        "triggerer": {
            "podAnnotations": {TOKEN_ANNOTATION: "mounted" if args.allow_pod_launching else "none"},
            "persistence": {"enabled": False},
            "resources": resources("100m", "512Mi", "1Gi"),
            "logGroomerSidecar": groomer,
        },
        "workers": {
            "persistence": {"enabled": False},
            "kubernetes": {"resources": resources("250m", "512Mi")},
            "celery": {"resources": resources("500m", "1Gi", "2Gi")},
        },
        "scheduler": {"resources": resources("250m", "512Mi", "1Gi"), "logGroomerSidecar": groomer},
        "apiServer": {"resources": resources("250m", "1Gi", "2Gi")},
        "dagProcessor": {
            "resources": resources("250m", "512Mi", "1Gi"),
            "logGroomerSidecar": groomer,
        },
        "statsd": {
            "resources": resources("50m", "64Mi"),
            "securityContexts": {"pod": restricted_pod(65534), "container": container},
        },
        "config": {
            # Jobs record their address, which the API server dials for live logs (the
            # triggerer is a Deployment: its pod name does not resolve).
            "core": {"hostname_callable": "airflow.utils.net.get_host_ip_address"},
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
    for name, account in _ACCOUNTS.items():
        values.setdefault(name, {})["serviceAccount"] = {"create": False, "name": account}
    for name in _COMPONENTS_WITHOUT_TOKENS:
        values.setdefault(name, {})["serviceAccount"] = {
            "create": True,
            "automountServiceAccountToken": False,
        }
    if args.peers is not None:
        _admit(values, args.peers)
    if store.needs_keys:
        values["secret"] = [
            {"envName": env, "secretName": S3_CREDENTIALS_SECRET, "secretKey": key}
            for env, key in (
                ("AWS_ACCESS_KEY_ID", "access-key"),
                ("AWS_SECRET_ACCESS_KEY", "secret-key"),
            )
        ]
    if args.dags is not None:
        values["dags"] = {"gitSync": _git_sync(args.dags, container)}
    if args.exposure is not None:
        exposure = args.exposure
        host: dict[str, Any] = {"name": exposure.host("airflow")}
        if exposure.tls_secret:
            host["tls"] = {"enabled": True, "secretName": exposure.tls_secret}
        values["ingress"] = {
            "apiServer": {
                "enabled": True,
                "ingressClassName": exposure.class_name,
                "annotations": exposure.annotations_for(HEALTH_PATH),
                "hosts": [host],
                "pathType": "Prefix",
                "path": "/",
            }
        }
    return values


def _admit(values: dict[str, Any], peers: NetworkPeers) -> None:
    """The chart's own policies: the API server admits task pods, teams and the load
    balancer; the StatsD exporter admits Prometheus too."""
    callers: list[Any] = [same_namespace(**component("worker"))]
    if peers.teams is not None:
        callers.append(peers.teams)
    api_from: pulumi.Input[list[Any]] = callers
    if peers.load_balancer is not None:
        api_from = pulumi.Output.from_input(peers.load_balancer).apply(
            lambda balancer: [*callers, *balancer]
        )
    values["apiServer"]["networkPolicy"] = {"ingress": {"from": api_from, "ports": tcp(API_PORT)}}
    if peers.prometheus is not None:
        values["statsd"]["extraNetworkPolicies"] = [peers.prometheus]


def _git_sync(dags: GitDags, container: dict[str, Any]) -> dict[str, Any]:
    git_sync: dict[str, Any] = {
        "enabled": True,
        "repo": dags.repo,
        "branch": dags.branch,
        "ref": dags.branch,
        "rev": "HEAD",
        "depth": 1,
        "subPath": dags.sub_path,
        "period": dags.period,
        "resources": resources("50m", "64Mi", "256Mi"),
        "securityContexts": {"container": container},
    }
    if dags.ssh_key_secret:
        git_sync["sshKeySecret"] = dags.ssh_key_secret
    if dags.known_hosts:
        git_sync["knownHosts"] = dags.known_hosts
    return git_sync


def allowances(args: AirflowArgs, peers: NetworkPeers) -> list[Allowance]:
    """What Airflow's pods may send (the chart's policies govern what they receive).

    Every Airflow pod reaches the database, the logs bucket (and AWS's token service for
    its identity) and the API server (the scheduler launches task pods, the API server
    reads their logs); they send metrics to StatsD; task pods call the API server's
    execution API and the platform services DAGs use; git-sync fetches the DAGs.
    """
    egress = [
        *(r.egress() for r in _present(peers.database, peers.object_store)),
        *(r.egress() for r in peers.identity()),
        peers.kubernetes_api.egress(),
        {"to": [same_namespace(**component("statsd"))], "ports": udp(STATSD_INGEST_PORT)},
        {"to": [same_namespace(**component("api-server"))], "ports": tcp(API_PORT)},
        *(r.egress() for r in args.task_services),
    ]
    if args.dags is not None:
        egress.append({"to": [INTERNET], "ports": tcp(22, 443)})
    log_servers = [
        {"to": [same_namespace(**component("triggerer"))], "ports": tcp(TRIGGERER_LOG_PORT)}
    ]
    if args.executor is Executor.CELERY:
        log_servers.append(
            {"to": [same_namespace(**component("worker"))], "ports": tcp(WORKER_LOG_PORT)}
        )
    found = [
        Allowance("airflow", CHART_LABELS, egress=egress),
        # The API server streams running jobs' logs from their log servers.
        Allowance("api-server-logs", component("api-server"), egress=log_servers),
        # The chart's triggerer policy admits only Airflow 2's webserver to its log server.
        Allowance(
            "triggerer-logs",
            component("triggerer"),
            ingress=[
                ingress_from([same_namespace(**component("api-server"))], tcp(TRIGGERER_LOG_PORT))
            ],
        ),
    ]
    if args.executor is Executor.CELERY:
        api_server = [same_namespace(**component("api-server"))]
        found += [
            Allowance(
                "celery",
                CHART_LABELS,
                egress=[{"to": [same_namespace(**component("redis"))], "ports": tcp(6379)}],
            ),
            # As for the triggerer: the chart's worker policy admits only Airflow 2's
            # webserver to the workers' log server.
            Allowance(
                "worker-logs",
                component("worker"),
                ingress=[ingress_from(api_server, tcp(WORKER_LOG_PORT))],
            ),
        ]
    return found


def _present(*reaches: Reach | None) -> list[Reach]:
    return [r for r in reaches if r is not None]
