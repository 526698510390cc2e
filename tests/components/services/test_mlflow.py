"""MLflow answers its clients and comes up with monitoring on (issue #15)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
import yaml

from mlplat.components.services.mlflow import NAMESPACE
from mlplat.components.services.mlflow_values import allowed_hosts
from tests.components.services.helpers import of_type, releases
from tests.conftest import EXAMPLE_SPECS, STACKS
from tests.render.examples import errors, needs_charts, rendered, rerendered

IDS = [p.stem for p in EXAMPLE_SPECS]
PROD = STACKS / "prod.yaml"


def _allowed(host: str, patterns: list[str]) -> bool:
    """MLflow 3's host check (mlflow/server/security_utils.py): fnmatch for patterns with
    ``*``, equality for the rest."""
    return any(fnmatch.fnmatch(host, p) if "*" in p else host == p for p in patterns)


def _env(report, name: str) -> str:
    deployment = next(
        o for o in yaml.safe_load_all(report.manifests["mlflow"]) if o and o["kind"] == "Deployment"
    )
    (container,) = [
        c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "mlflow"
    ]
    config = next(
        (
            o
            for o in yaml.safe_load_all(report.manifests["mlflow"])
            if o and o["kind"] == "ConfigMap" and name in (o.get("data") or {})
        ),
        None,
    )
    for env in container.get("env") or []:
        if env["name"] == name:
            return str(env.get("value", ""))
    return str((config or {}).get("data", {}).get(name, ""))


@pytest.mark.parametrize(
    "host",
    ["mlflow.mlflow.svc:5000", "mlflow.mlflow.svc.cluster.local:5000", "mlflow", "mlflow.mlflow"],
)
def test_in_cluster_clients_pass_mlflows_host_check(host: str) -> None:
    assert _allowed(host, allowed_hosts(NAMESPACE))
    assert not _allowed("evil.example.com", allowed_hosts(NAMESPACE))


@needs_charts
def test_the_rendered_allowed_hosts_and_origins_cover_the_exported_urls() -> None:
    report = rendered(PROD)
    hosts = _env(report, "MLFLOW_SERVER_ALLOWED_HOSTS").split(",")
    assert _allowed("mlflow.ml.example.com", hosts)
    assert _allowed("mlflow.mlflow.svc:5000", hosts)
    origins = _env(report, "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS").split(",")
    assert "https://mlflow.ml.example.com" in origins


@needs_charts
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_the_exported_url_and_the_service_agree(spec: Path) -> None:
    report = rendered(spec)
    assert not [f for f in errors(report, "wiring") if "serviceUrls" in f.object]
    service = next(
        o for o in yaml.safe_load_all(report.manifests["mlflow"]) if o and o["kind"] == "Service"
    )
    (port,) = service["spec"]["ports"]
    assert port["port"] == 5000  # the pod's own port: the VPC CNI's policies need them equal


@needs_charts
def test_monitoring_on_never_asks_mlflow_to_write_to_its_read_only_root() -> None:
    def chart_monitor(values: dict) -> None:
        values["serviceMonitor"] = {"enabled": True}

    # With the chart's monitor on, MLflow writes Prometheus files under /mlflow/metrics:
    # the hazard check sees it; mlplat turns the monitor off (its /metrics needs a login).
    found = errors(rerendered(STACKS / "dev.yaml", "mlflow", chart_monitor), "hazard")
    assert any("/mlflow/metrics" in f.message for f in found)
    assert not [f for f in errors(rendered(STACKS / "dev.yaml")) if f.release == "mlflow"]


def test_oidc_groups_come_from_the_spec_and_sessions_are_shared() -> None:
    values = releases(PROD)["mlflow"].inputs["values"]
    oidc = values["oidcAuth"]
    assert oidc["groupName"] == ["ml-engineers"]
    assert oidc["adminGroupName"] == ["ml-platform-admins"]
    assert oidc["cache"] == {"enabled": True, "redisUrl": "$(MLFLOW_OIDC_CACHE_REDIS_URL)"}
    assert values["extraSecretNamesForEnvFrom"] == ["mlflow-oidc-cache"]
    secrets = {
        s.inputs["metadata"].get("name"): s.inputs
        for s in of_type(PROD, "kubernetes:core/v1:Secret")
    }
    assert secrets["mlflow-oidc-cache"]["stringData"] == "[secret]"
    assert secrets["mlflow-oidc-client"]["stringData"] == "[secret]"


def test_the_load_balancer_checks_mlflows_unauthenticated_health_endpoint() -> None:
    annotations = releases(PROD)["mlflow"].inputs["values"]["ingress"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/health"


def test_the_host_check_follows_the_namespace_it_is_installed_in() -> None:
    hosts = allowed_hosts("tracking")
    assert _allowed("mlflow.tracking.svc:5000", hosts)
    assert not _allowed("mlflow.mlflow.svc:5000", hosts)
