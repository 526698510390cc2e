"""Rendering the example stacks: every release renders, the checks run over what would run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplat.render.context import RenderContext
from mlplat.render.run import RenderOptions, releases_of, render_plan
from tests.conftest import EXAMPLE_SPECS, planned
from tests.render.examples import needs_charts, rendered

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
    # MLflow's chart renders its ServiceMonitor only when monitoring.coreos.com/v1 exists,
    # which kube-prometheus-stack (another release) installs.
    report = rendered(Path(EXAMPLE_SPECS[0]).parent / "dev.yaml")
    assert "kind: ServiceMonitor" in report.manifests["mlflow"]


def test_a_chart_missing_from_the_cache_is_reported_never_passed(tmp_path: Path) -> None:
    spec = Path(EXAMPLE_SPECS[0]).parent / "dev.yaml"
    resources = [vars(r) for r in planned(spec).resources]
    report = render_plan(
        resources, RenderContext("1.35.0"), RenderOptions(charts=tmp_path, pull=False)
    )
    assert report.releases and not any(r.rendered for r in report.releases)
    assert all("not rendered: chart not in cache" in r.note for r in report.releases)
    not_rendered = [f for f in report.findings if f.check == "render"]
    assert len(not_rendered) == len(report.releases)
    assert report.failed
