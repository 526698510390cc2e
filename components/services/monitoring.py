"""Monitoring: kube-prometheus-stack, scraping every ServiceMonitor in the cluster.

Prometheus selects all ServiceMonitors, PodMonitors, Probes, rules and scrape configs
(not only those labelled with this release), so MLflow's, DCGM's and any team's monitors
are picked up without a matching label. Grafana's admin comes from a generated Secret.
node-exporter needs the host's network, PID namespace and root filesystem, so it runs in
its own privileged namespace and the rest of the stack stays at baseline.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.args import coerce, spec_fields
from mlplat.components.services.alert_rules import gpu_dashboard, platform_rules
from mlplat.components.services.fence import Allowance, NetworkPeers, fence, ingress_from, tcp
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    PodSecurity,
    cluster_provider,
    namespace,
    release,
    resources,
)
from mlplat.spec.services import MonitoringSpec

NAMESPACE = "monitoring"
NAMESPACE_LEVEL = PodSecurity.BASELINE
"""Not restricted: the Grafana and kube-state-metrics subchart defaults were not verified
against restricted; baseline still forbids host access and privileged containers."""
NODE_EXPORTER_NAMESPACE = "monitoring-node"
NODE_EXPORTER_LEVEL = PodSecurity.PRIVILEGED
NODE_EXPORTER_REASON = (
    "node-exporter reads host metrics through hostNetwork, hostPID and a hostPath of /"
)
"""Why its namespace is privileged; the policy pack prints it with the exemption."""
GRAFANA_ADMIN_SECRET = "grafana-admin"
PROMETHEUS_POD = {"app.kubernetes.io/name": "prometheus"}
"""The label the Prometheus operator gives every Prometheus pod."""
OPERATOR_POD = {"app": "kube-prometheus-stack-operator", "release": "monitoring"}
OPERATOR_PORT = 10250
"""The operator's web and admission webhook port (the chart's --web.listen-address)."""
KUBELET_PORT, NODE_EXPORTER_PORT, API_SERVER_PORT = 10250, 9100, 443
UNSCRAPABLE = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")
"""Components a managed control plane does not let Prometheus scrape (their monitors and
rules are switched off with them)."""


@dataclass(frozen=True)
class MonitoringArgs:
    """Inputs of Monitoring: how long and where metrics are kept, and what is alerted on.

    The cluster is the Kubernetes provider in the resource options (``providers``).
    """

    storage_class: pulumi.Input[str] | None = None
    """StorageClass of the Prometheus volume; None uses the cluster default."""
    gpus: bool = False
    """Whether the cluster has GPU nodes (adds the GPU dashboard and alerts)."""
    service_rules: list[dict[str, Any]] = field(default_factory=list)
    """Alerting rules the enabled services bring (group mlplat.services)."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the monitoring namespaces are fenced with them (None
    leaves them to the caller)."""
    retention: str = "15d"
    """How long Prometheus keeps metrics (a Prometheus duration)."""
    storage_gib: int = 50
    """Prometheus volume size in GiB."""
    chart_version: str | None = None
    """Override the pinned kube-prometheus-stack version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""

    @classmethod
    def from_spec(cls, spec: MonitoringSpec, **rest: Any) -> Self:
        """Args with the spec's monitoring section; ``rest`` gives the other fields."""
        return cls(**{**spec_fields(spec, cls), **rest})


class Monitoring(pulumi.ComponentResource):
    """kube-prometheus-stack (Prometheus, Alertmanager, Grafana), scraping every
    ServiceMonitor in the cluster, with the platform's alerts and dashboards."""

    grafana_admin_secret: pulumi.Output[str]
    """Name of the Secret (in the monitoring namespace) with Grafana's admin login."""

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(MonitoringArgs, args)
        super().__init__("mlplat:index:Monitoring", name, None, opts)
        provider = cluster_provider(self)
        ns = namespace(NAMESPACE, NAMESPACE_LEVEL, provider=provider, parent=self)
        node_ns = namespace(
            NODE_EXPORTER_NAMESPACE, NODE_EXPORTER_LEVEL, provider=provider, parent=self
        )
        admin = GeneratedSecret(
            f"{name}-grafana-admin",
            GeneratedSecretArgs(
                namespace=NAMESPACE,
                secret_name=GRAFANA_ADMIN_SECRET,
                passwords=("admin-password",),
                fixed={"admin-user": "admin"},
            ),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[ns]),
        )
        dashboards: list[pulumi.Resource] = []
        if args.peers is not None:
            for where, allowed in (
                (NAMESPACE, allowances(args.peers)),
                # node-exporter runs in the node's network namespace, where no policy
                # applies; the fence keeps anything else out of the privileged namespace.
                (NODE_EXPORTER_NAMESPACE, []),
            ):
                dashboards += fence(
                    where,
                    allowed,
                    args.peers,
                    provider=provider,
                    parent=self,
                    depends_on=[ns, node_ns],
                )
        if args.gpus:
            dashboards.append(
                k8s.core.v1.ConfigMap(
                    f"{name}-gpu-dashboard",
                    metadata={
                        "name": "mlplat-gpu-dashboard",
                        "namespace": NAMESPACE,
                        "labels": {**MANAGED_BY, "grafana_dashboard": "1"},
                    },
                    data={"mlplat-gpus.json": gpu_dashboard()},
                    opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[ns]),
                )
            )
        # Python callers only (what waits for the CRDs): not an output other languages get.
        self.release: k8s.helm.v3.Release = release(
            "monitoring",
            "monitoring",
            namespace=NAMESPACE,
            values=monitoring_values(args),
            version=args.chart_version,
            overrides=args.values,
            provider=provider,
            parent=self,
            depends_on=[ns, node_ns, admin, *dashboards],
        )
        self.grafana_admin_secret = admin.name
        self.register_outputs({"grafanaAdminSecret": self.grafana_admin_secret})


def monitoring_values(args: MonitoringArgs) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": f"{args.storage_gib}Gi"}},
    }
    if args.storage_class is not None:
        claim["storageClassName"] = args.storage_class
    select_all = {
        f"{kind}SelectorNilUsesHelmValues": False
        for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig")
    }
    groups = platform_rules(args.service_rules)
    if not args.gpus:
        groups = [g for g in groups if g["name"] != "mlplat.gpu"]
    return {
        "crds": {"enabled": True},
        "grafana": {
            "enabled": True,
            "admin": {
                "existingSecret": GRAFANA_ADMIN_SECRET,
                "userKey": "admin-user",
                "passwordKey": "admin-password",
            },
            # Namespaced: the chart's sidecars read ConfigMaps and Secrets, and a ClusterRole
            # would let Grafana read every team's Secrets. Dashboards come from ConfigMaps
            # labelled grafana_dashboard in the monitoring namespace.
            "rbac": {"namespaced": True},
            "sidecar": {
                # kube-prometheus-stack sets ALL, which the namespaced Role cannot list:
                # the sidecar would crash-loop and Grafana never become Ready.
                "dashboards": {
                    "enabled": True,
                    "resource": "configmap",
                    "searchNamespace": [NAMESPACE],
                },
                "datasources": {"resource": "configmap"},
                "resources": resources("10m", "64Mi", "128Mi"),
            },
            "resources": resources("100m", "256Mi", "512Mi"),
        },
        "prometheus": {
            "prometheusSpec": {
                **select_all,
                "retention": args.retention,
                "storageSpec": {"volumeClaimTemplate": {"spec": claim}},
                "resources": resources("500m", "2Gi", "4Gi"),
            }
        },
        "alertmanager": {"alertmanagerSpec": {"resources": resources("50m", "128Mi", "256Mi")}},
        "prometheusOperator": {
            "resources": resources("100m", "256Mi", "512Mi"),
            "admissionWebhooks": {"patch": {"resources": resources("10m", "32Mi")}},
            "prometheusConfigReloader": {"resources": resources("10m", "32Mi", "64Mi")},
        },
        "kube-state-metrics": {"resources": resources("50m", "128Mi", "256Mi")},
        "prometheus-node-exporter": {
            "namespaceOverride": NODE_EXPORTER_NAMESPACE,
            "resources": resources("20m", "32Mi", "64Mi"),
        },
        # A managed control plane (EKS) exposes no controller manager, scheduler or etcd
        # to scrape, and EKS's kube-proxy serves metrics on 127.0.0.1 only: their monitors
        # would find nothing and their "down" alerts would fire from the first minute.
        **{key: {"enabled": False} for key in UNSCRAPABLE},
        "additionalPrometheusRulesMap": {"mlplat": {"groups": groups}},
    }


def allowances(peers: NetworkPeers) -> list[Allowance]:
    """The stack's pods talk among themselves and to the API server (the operator, its
    admission jobs, kube-state-metrics, Grafana's sidecars); Prometheus scrapes pods
    anywhere, the nodes' kubelets and node-exporters and the API server's endpoints (in the
    nodes' subnets); the API server calls the operator's admission webhook."""
    everyone: list[Any] = [{"podSelector": {}}]
    nodes = pulumi.Output.from_input(peers.nodes)
    return [
        Allowance(
            "monitoring",
            ingress=[{"from": everyone}],
            egress=[{"to": everyone}, peers.kubernetes_api.egress()],
        ),
        Allowance(
            "prometheus-scrapes",
            PROMETHEUS_POD,
            egress=[
                {"to": [{"namespaceSelector": {}}]},
                # Kubelets and node-exporter on the nodes; the API server's own endpoints.
                {"to": nodes, "ports": tcp(KUBELET_PORT, NODE_EXPORTER_PORT, API_SERVER_PORT)},
            ],
        ),
        Allowance(
            "operator-webhook",
            OPERATOR_POD,
            ingress=[ingress_from(peers.control_plane, tcp(OPERATOR_PORT))],
        ),
    ]
