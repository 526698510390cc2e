"""Monitoring: every ServiceMonitor is scraped, Grafana's admin is generated, ML alerts exist."""

from __future__ import annotations

from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS

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
