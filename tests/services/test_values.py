"""The escape hatch: ``services.<name>.values`` reaches the chart, last, and is checked
like mlplat's own values (the plan's policy pack, ``mlplat render``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mlplat.plan.offline import plan_spec
from mlplat.render.context import render_context
from mlplat.render.run import RenderOptions, render_plan
from mlplat.spec import load_spec
from tests.conftest import STACKS
from tests.render.examples import CHARTS, errors, needs_charts

RELEASE = "kubernetes:helm.sh/v3:Release"


def _planned(tmp_path: Path, services: dict[str, Any]):
    """The local example with its ``services`` section replaced, planned as `mlplat plan`."""
    document = yaml.safe_load((STACKS / "local.yaml").read_text())
    document["services"] = services
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(document))
    result = load_spec(path)
    assert result.spec is not None, [e.format() for e in result.errors]
    return result.spec, plan_spec(str(path), result.spec, result.files, "local")


def _values(plan, release: str) -> dict[str, Any]:
    (found,) = [r for r in plan.resources if r.type == RELEASE and r.inputs["name"] == release]
    return found.inputs["values"]


def test_a_value_set_in_the_spec_reaches_the_release_and_keeps_mlplats_others(tmp_path):
    _, plan = _planned(
        tmp_path,
        {"airflow": {"executor": "CeleryExecutor", "values": {"workers": {"replicas": 4}}}},
    )
    workers = _values(plan, "airflow")["workers"]
    assert workers["replicas"] == 4
    assert workers["persistence"] == {"enabled": False}, "mlplat's keys beside it stay"
    assert not plan.policy.verdict.mandatory_failures


def test_a_value_that_undoes_a_secure_default_fails_the_plans_policy_check(tmp_path):
    _, plan = _planned(tmp_path, {"airflow": {"values": {"createUserJob": {"enabled": True}}}})
    failures = plan.policy.verdict.mandatory_failures
    assert [f.control for f in failures] == ["helm-values-hardened"]
    assert "createUserJob.enabled must be false" in failures[0].message


def _rendered(spec, plan):
    ctx = render_context(spec, plan.outputs, plan.policy.config, plan.stack)
    resources = [vars(r) for r in plan.resources]
    return render_plan(resources, ctx, RenderOptions(charts=CHARTS, pull=False))


@needs_charts
def test_a_value_that_undoes_a_secure_default_fails_the_render(tmp_path):
    values = {"securityContext": {"allowPrivilegeEscalation": True}}
    spec, plan = _planned(tmp_path, {"mlflow": {"values": values}})
    assert _values(plan, "mlflow")["securityContext"]["allowPrivilegeEscalation"] is True
    report = _rendered(spec, plan)
    refused = [f for f in errors(report, "admission") if f.release == "mlflow"]
    assert refused and all("allowPrivilegeEscalation" in f.message for f in refused)
    flagged = {f.message.split("]")[0] for f in report.findings if f.check == "policy"}
    assert "[k8s-pss-restricted" in flagged


@needs_charts
def test_a_value_the_chart_does_not_know_is_reported_by_the_render(tmp_path):
    spec, plan = _planned(tmp_path, {"monitoring": {"values": {"alertmanagr": {"x": 1}}}})
    unknown = errors(_rendered(spec, plan), "values")
    assert [f.field for f in unknown] == ["alertmanagr"]
    # A chart whose schema closes its root (MLflow's) refuses it outright.
    spec, plan = _planned(tmp_path, {"mlflow": {"values": {"replicaCont": 2}}})
    failed = errors(_rendered(spec, plan), "render")
    assert [f.release for f in failed] == ["mlflow"] and "replicaCont" in failed[0].message
