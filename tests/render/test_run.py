"""Rendering the example stacks: every release renders, the checks run over what would run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplat.render.context import RenderContext
from mlplat.render.findings import RenderReport, Severity
from mlplat.render.helm import chart_apis, find_helm, template
from mlplat.render.run import RenderOptions, releases_of, render_plan
from tests.conftest import EXAMPLE_SPECS, planned
from tests.render.examples import CHARTS, needs_charts, rendered

IDS = [p.stem for p in EXAMPLE_SPECS]


@needs_charts
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_every_release_renders_from_the_pinned_charts(spec: Path) -> None:
    report = rendered(spec)
    releases = releases_of(vars(r) for r in planned(spec).resources)
    assert {r.release for r in report.releases} == {r.name for r in releases}
    assert all(r.rendered and r.objects > 0 for r in report.releases), report.releases
    assert not [f for f in report.findings if f.check == "render"]
    assert report.kube_version.startswith("1.")


@needs_charts
def test_charts_render_against_the_apis_the_platform_installs() -> None:
    # MLflow's chart renders a ServiceMonitor only when monitoring.coreos.com/v1 exists,
    # which kube-prometheus-stack's CRDs (read from its package before rendering) provide.
    helm = find_helm()
    apis = [api for api, _ in chart_apis(CHARTS / "kube-prometheus-stack-88.5.3.tgz")]
    assert "monitoring.coreos.com/v1" in apis
    mlflow = CHARTS / "mlflow-1.11.5.tgz"
    values = {"serviceMonitor": {"enabled": True}}
    assert "kind: ServiceMonitor" in template(helm, mlflow, "m", "m", values, "1.35.0", apis)
    assert "kind: ServiceMonitor" not in template(helm, mlflow, "m", "m", values, "1.35.0", [])


def _dev_without_charts(empty_cache: Path) -> RenderReport:
    spec = Path(EXAMPLE_SPECS[0]).parent / "dev.yaml"
    resources = [vars(r) for r in planned(spec).resources]
    options = RenderOptions(charts=empty_cache, pull=False)
    return render_plan(resources, RenderContext("1.35.0"), options)


def test_a_chart_missing_from_the_cache_is_reported_never_passed(tmp_path: Path) -> None:
    report = _dev_without_charts(tmp_path)
    assert report.releases and not any(r.rendered for r in report.releases)
    assert all("not rendered: chart not in cache" in r.note for r in report.releases)
    not_rendered = [f for f in report.findings if f.check == "render"]
    assert len(not_rendered) == len(report.releases)
    assert report.failed


def test_what_the_missing_releases_could_hold_is_not_reported_as_missing(
    tmp_path: Path,
) -> None:
    """Without its charts, dev's references into the releases (Airflow's ConfigMap, the
    ServiceMonitor CRD, the services' URLs) cannot be judged: warnings that say so."""
    report = _dev_without_charts(tmp_path)
    assert {f.check for f in report.findings if f.severity is Severity.ERROR} == {"render"}
    hedged = [f for f in report.findings if f.message.startswith("unsure while airflow, ")]
    assert {f.check for f in hedged} >= {"wiring", "schema"}
    assert all(f.severity is Severity.WARNING for f in hedged)
