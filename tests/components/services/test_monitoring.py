"""Monitoring: every ServiceMonitor is scraped, Grafana's admin is generated, ML alerts exist."""

from __future__ import annotations

import re

from mlplat.components.services.monitoring import UNSCRAPABLE
from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS
from tests.render.examples import needs_charts, rendered

PROD = STACKS / "prod.yaml"


def _values(spec=PROD) -> dict:
    return releases(spec)["monitoring"].inputs["values"]


def test_prometheus_selects_every_monitor_and_rule() -> None:
    spec = _values()["prometheus"]["prometheusSpec"]
    for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"):
        assert spec[f"{kind}SelectorNilUsesHelmValues"] is False
    assert spec["retention"] == "30d"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "200Gi"
    assert claim["storageClassName"] == "gp3-encrypted"


def test_grafana_admin_comes_from_a_generated_secret() -> None:
    grafana = _values()["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert "adminPassword" not in grafana


def test_ml_platform_alerts_are_shipped() -> None:
    groups = _values()["additionalPrometheusRulesMap"]["mlplat"]["groups"]
    alerts = {rule["alert"] for group in groups for rule in group["rules"]}
    assert alerts == {
        "GpuAllocatedButIdle",
        "GpuHardwareXid",
        "GpuXidError",
        "GpuMemoryPressure",
        "NodeNotReady",
        "AirflowSchedulerHeartbeatMissing",
        "MlflowDown",
    }


def test_a_platform_without_gpus_gets_no_gpu_alerts_or_dashboard() -> None:
    groups = _values(STACKS / "dev.yaml")["additionalPrometheusRulesMap"]["mlplat"]["groups"]
    assert "mlplat.gpu" not in {g["name"] for g in groups}
    dashboards = [
        c for c in of_type(STACKS / "dev.yaml", "kubernetes:core/v1:ConfigMap") if "gpu" in c.name
    ]
    assert dashboards == []
    assert [c for c in of_type(PROD, "kubernetes:core/v1:ConfigMap") if "gpu" in c.name]


def test_node_exporter_runs_in_its_own_privileged_namespace() -> None:
    assert _values()["prometheus-node-exporter"]["namespaceOverride"] == "monitoring-node"


SCRAPED_BY = {
    "DCGM_": "Prometheus → gpu-system/ServiceMonitor/dcgm-exporter",
    "kube_": "Prometheus → monitoring/ServiceMonitor/monitoring-kube-state-metrics",
    "airflow_": "Prometheus → airflow/ServiceMonitor/airflow-statsd",
}
"""Which monitor scrapes each family of metrics mlplat's alerts read."""


@needs_charts
def test_every_alert_reads_a_metric_prometheus_can_scrape() -> None:
    report = rendered(PROD)
    flows = {f.name: f for f in report.flows}
    groups = _values()["additionalPrometheusRulesMap"]["mlplat"]["groups"]
    for rule in (r for g in groups for r in g["rules"]):
        metrics = set(re.findall(r"\b(DCGM_FI_\w+|kube_\w+|airflow_\w+)", rule["expr"]))
        assert metrics, f"{rule['alert']} reads no metric this platform exports"
        for metric in metrics:
            (flow,) = [name for prefix, name in SCRAPED_BY.items() if metric.startswith(prefix)]
            assert flows[flow].actual == "open", (rule["alert"], flow)


@needs_charts
def test_nothing_eks_hides_from_prometheus_is_monitored() -> None:
    values = _values()
    assert all(values[key] == {"enabled": False} for key in UNSCRAPABLE)
    manifests = rendered(PROD).manifests["monitoring"]
    for hidden in ("kube-controller-manager", "kube-scheduler", "kube-etcd", "kube-proxy"):
        assert f"name: monitoring-kube-prometheus-{hidden}\n" not in manifests


@needs_charts
def test_grafanas_sidecars_list_only_where_its_role_lets_them() -> None:
    # A sidecar told to list every namespace, with only a Role, gets 403 and crash-loops.
    inventory = rendered(PROD).inventory
    assert inventory is not None
    (grafana,) = [d for d in inventory.of_kind("Deployment") if d.name == "monitoring-grafana"]
    assert not [
        b
        for b in inventory.of_kind("ClusterRoleBinding")
        if any(s.get("name") == "monitoring-grafana" for s in b.manifest.get("subjects") or [])
    ]
    pod = grafana.manifest["spec"]["template"]["spec"]
    scopes = {
        c["name"]: e["value"]
        for c in pod["containers"] + pod.get("initContainers", [])
        for e in c.get("env") or []
        if e["name"] == "NAMESPACE"
    }
    assert scopes and set(scopes.values()) == {"monitoring"}, scopes
