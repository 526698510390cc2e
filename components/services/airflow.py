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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.args import coerce, spec_fields
from mlplat.components.options import waits_of
from mlplat.components.services.airflow_admission import FENCE_KEY, policy_name, task_pod_fence
from mlplat.components.services.airflow_rbac import bind_pod_roles, pod_roles
from mlplat.components.services.airflow_values import (
    AIRFLOW_IMAGE,
    AIRFLOW_UID,
    API_PORT,
    GIT_KEY,
    RELEASE,
    SERVICE_ACCOUNT,
    STATSD_SCRAPE_NAME,
    TASK_SERVICE_ACCOUNT,
    airflow_values,
    allowances,
    component,
)
from mlplat.components.services.context import Exposure, ObjectStore
from mlplat.components.services.fence import NetworkPeers, Reach, fence
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    PodSecurity,
    cluster_provider,
    release,
    resources,
    restricted_pod,
    service_account,
)
from mlplat.components.tenancy.admission import FENCE_LABEL
from mlplat.spec.services import AirflowSpec, Executor

NAMESPACE = "airflow"
"""The namespace it is installed in unless its Args name another."""
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
class GitDags:
    """Where Airflow's DAGs come from: a Git repository that git-sync follows."""

    repo: str
    """Git repository holding the DAGs (https or ssh URL)."""
    branch: str = "main"
    """Branch to follow."""
    sub_path: str = ""
    """Folder of the DAGs inside the repository; empty means the root."""
    ssh_key_secret: str | None = None
    """Kubernetes Secret (key gitSshKey) in Airflow's namespace with the deploy key,
    written from ``git_ssh_key`` when given one; required for ssh URLs."""
    known_hosts: str | None = None
    """The server's ssh host keys (known_hosts lines); required for ssh URLs."""
    period: str = "60s"
    """How often git-sync pulls."""


@dataclass(frozen=True)
class AirflowArgs:
    """Inputs of Airflow: its metadata database, where task logs go, the executor and the
    DAGs, and how it is published.

    The cluster is the Kubernetes provider in the resource options (``providers``). The
    namespace must exist first: the caller creates it, with the metadata database's login
    Secret, and lists both in the component's ``depends_on``, with anything else its
    objects must wait for (the monitoring release when ``service_monitor`` is set, the
    ingress controller's webhook). Every object of the component waits for ``depends_on``.
    """

    metadata_secret: pulumi.Input[str]
    """Secret in Airflow's namespace whose key ``connection`` is the metadata database's
    URL (postgresql://user:password@host:port/database)."""
    object_store: ObjectStore
    """Where task logs go: its logs bucket, under airflow/logs."""
    namespace: str = NAMESPACE
    """The namespace it is installed in; the caller creates it first (Pod Security
    restricted suffices)."""
    service_account_annotations: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    """Annotations of the account airflow (scheduler, API server): its workload identity
    reaching the logs bucket (the IRSA role); empty off AWS or with EKS Pod Identity."""
    task_service_account_annotations: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    """The same for the account airflow-tasks (task pods and the triggerer, which upload
    task and trigger logs): a role of its own (a role trusts one account) with the same
    permissions."""
    executor: Executor = Executor.KUBERNETES
    """KubernetesExecutor (a pod per task) or CeleryExecutor (workers and Redis)."""
    dags: GitDags | None = None
    """git-sync source of the DAGs; None ships no DAGs."""
    allow_pod_launching: bool = False
    """Let DAG tasks launch pods (KubernetesPodOperator, also deferred to the triggerer):
    the account of task pods and the triggerer then mounts an API token, which the chart's
    pod-launcher role lets create, exec into and delete every pod in the namespace. Off,
    only the scheduler and the API server have a token."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""
    exposure: Exposure | None = None
    """How it is published (an Ingress at airflow.<domain>); None keeps it
    cluster-internal."""
    tls: bool = False
    """Whether people open the published URL over https (TLS ends at the load balancer)."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the namespace is fenced with them (None leaves it to
    the caller)."""
    task_services: Sequence[Reach] = ()
    """Platform services DAG tasks may call (MLflow, Feast)."""
    git_ssh_key: pulumi.Input[str] | None = None
    """The DAG repository's deploy key (a Pulumi secret), written to
    ``dags.ssh_key_secret``; None when the repository needs none or the Secret exists."""
    service_monitor: bool = False
    """Create the StatsD exporter's ServiceMonitor (the cluster runs the Prometheus
    operator: list its release in ``depends_on``); the scheduler heartbeat alert reads it."""

    @classmethod
    def from_spec(cls, spec: AirflowSpec, **rest: Any) -> Self:
        """Args with the spec's airflow section; ``rest`` gives the other fields."""
        fields = spec_fields(spec, cls)
        if spec.dags is not None:
            fields["dags"] = GitDags(**spec_fields(spec.dags, GitDags))
        return cls(**{**fields, **rest})


class Airflow(pulumi.ComponentResource):
    """Apache Airflow (the official chart): the platform database for metadata, task logs
    in object storage, generated keys and admin, one workload identity, in a fenced
    namespace."""

    url: str
    """Where people open it: the ingress URL, else the in-cluster one."""
    cluster_url: str
    """Where pods reach it (the in-cluster Service)."""
    admin_secret: pulumi.Output[str]
    """Name of the Secret (in its namespace) with the generated admin login."""

    def __init__(
        self, name: str, args: AirflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(AirflowArgs, args)
        super().__init__("mlplat:index:Airflow", name, None, opts)
        provider = cluster_provider(self)
        namespace = args.namespace
        waits = waits_of(opts)
        in_ns = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=waits)
        before: list[pulumi.Input[pulumi.Resource]] = list(waits)
        if args.peers is not None:
            before += fence(
                namespace,
                allowances(args, args.peers),
                args.peers,
                provider=provider,
                parent=self,
                depends_on=waits,
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
                    namespace=namespace,
                    secret_name=secret,
                    after=tuple(waits),
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
                namespace=namespace,
                secret_name="airflow-admin",
                passwords=("password",),
                fixed={"username": "admin"},
                after=tuple(waits),
            ),
            provider,
            in_ns,
        )
        before += [
            # The scheduler launches the task pods; the API server reads their logs.
            service_account(
                f"{name}-sa",
                SERVICE_ACCOUNT,
                namespace,
                args.service_account_annotations,
                in_ns,
                api_token=True,
            ),
            # What runs code DAG authors write: no token unless tasks launch pods.
            service_account(
                f"{name}-tasks-sa",
                TASK_SERVICE_ACCOUNT,
                namespace,
                args.task_service_account_annotations,
                in_ns,
                api_token=args.allow_pod_launching,
            ),
        ]
        before.append(self._task_pod_fence(name, namespace, args.allow_pod_launching, in_ns))
        before += bind_pod_roles(
            name,
            namespace,
            pod_roles(
                SERVICE_ACCOUNT,
                TASK_SERVICE_ACCOUNT,
                schedules_pods=args.executor is Executor.KUBERNETES,
                tasks_launch_pods=args.allow_pod_launching,
            ),
            in_ns,
        )
        dags = args.dags
        if dags is not None and dags.ssh_key_secret and args.git_ssh_key is not None:
            before.append(
                k8s.core.v1.Secret(
                    f"{name}-git-key",
                    metadata={
                        "name": dags.ssh_key_secret,
                        "namespace": namespace,
                        "labels": MANAGED_BY,
                    },
                    string_data={GIT_KEY: pulumi.Output.secret(args.git_ssh_key)},
                    opts=in_ns,
                )
            )
        # Python callers only (what waits for Airflow): not an output other languages get.
        self.release: k8s.helm.v3.Release = release(
            RELEASE,
            "airflow",
            namespace=namespace,
            values=airflow_values(args),
            version=args.chart_version,
            overrides=args.values,
            provider=provider,
            parent=self,
            depends_on=before,
        )
        self._admin_job(name, namespace, admin, args.metadata_secret, provider)
        if args.service_monitor:
            self._statsd_monitor(name, namespace, provider)
        self.admin_secret = admin.name
        self.cluster_url = f"http://{RELEASE}-api-server.{namespace}.svc:{API_PORT}"
        self.url = args.exposure.url("airflow", args.tls) if args.exposure else self.cluster_url
        self.register_outputs(
            {"url": self.url, "clusterUrl": self.cluster_url, "adminSecret": self.admin_secret}
        )

    def _admin_job(
        self,
        name: str,
        namespace: str,
        admin: GeneratedSecret,
        metadata_secret: pulumi.Input[str],
        provider: pulumi.ProviderResource | None,
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
            metadata={"namespace": namespace, "labels": labels},
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

    def _task_pod_fence(
        self, name: str, namespace: str, allow_pod_launching: bool, opts: pulumi.ResourceOptions
    ) -> pulumi.Resource:
        """The admission policy that keeps pods Airflow creates off the scheduler's rights
        (components.services.airflow_admission), before any task pod exists."""
        metadata = {
            "name": policy_name(namespace),
            "labels": {**MANAGED_BY, FENCE_LABEL: FENCE_KEY},
        }
        spec = task_pod_fence(namespace, SERVICE_ACCOUNT, TASK_SERVICE_ACCOUNT, allow_pod_launching)
        policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-task-pods", metadata=metadata, spec=spec, opts=opts
        )
        return k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            f"{name}-task-pods",
            metadata=metadata,
            spec={"policyName": policy_name(namespace), "validationActions": ["Deny"]},
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
        )

    def _statsd_monitor(
        self, name: str, namespace: str, provider: pulumi.ProviderResource | None
    ) -> None:
        """Prometheus scrapes the chart's StatsD exporter (the chart ships no monitor); the
        scheduler heartbeat alert reads it."""
        k8s.apiextensions.CustomResource(
            f"{name}-statsd-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata={"name": f"{RELEASE}-statsd", "namespace": namespace, "labels": MANAGED_BY},
            spec={
                "selector": {"matchLabels": component("statsd")},
                "endpoints": [{"port": STATSD_SCRAPE_NAME, "interval": "30s"}],
            },
            # The release waits for the component's depends_on: the monitoring CRDs.
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[self.release]),
        )
