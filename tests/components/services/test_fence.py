"""Every platform namespace denies by default and allows what its pods need (issue #15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplat.render.objects import MLPLAT
from tests.conftest import EXAMPLE_SPECS, STACKS, planned
from tests.render.examples import errors, needs_charts, rendered, rerendered

IDS = [p.stem for p in EXAMPLE_SPECS]
PROD = STACKS / "prod.yaml"
TEAM = "mlplat.dev/team"


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_every_namespace_with_workloads_has_a_default_deny(spec: Path) -> None:
    resources = planned(spec).resources
    namespaces = {
        r.inputs["metadata"]["name"]
        for r in resources
        if r.type == "kubernetes:core/v1:Namespace"
        and TEAM not in (r.inputs["metadata"].get("labels") or {})
    }
    denied = {
        r.inputs["metadata"]["namespace"]
        for r in resources
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
        and r.inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    }
    assert namespaces and namespaces <= denied


def test_the_production_verdict_is_clean() -> None:
    report = planned(PROD).policy
    assert report is not None
    assert report.summary() | {"exempt": 0} == {
        "mandatory": 0,
        "advisory": 0,
        "unknown": 0,
        "exempt": 0,
    }


@needs_charts
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_the_examples_render_with_no_error_and_every_flow_as_required(spec: Path) -> None:
    report = rendered(spec)
    assert errors(report) == []
    assert report.flows and all(f.ok for f in report.flows)


@needs_charts
def test_removing_an_allowance_closes_the_flows_it_kept_open() -> None:
    def drop_airflow_egress(resources: list) -> None:
        resources[:] = [
            r
            for r in resources
            if not (
                r["type"] == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
                and r["inputs"]["metadata"].get("name") == "allow-airflow"
            )
        ]

    report = rerendered(PROD, None, drop_airflow_egress)
    closed = {f.name for f in report.flows if not f.ok}
    assert {"airflow → database", "airflow → Kubernetes API"} <= closed
    assert all(f.release == MLPLAT for f in errors(report, "network"))
