"""Generated Helm values, checked against the charts' own authorities where they exist.

MLflow: the community chart's values.schema.json 1.11.5 (copied to tests/reference/charts/),
applied as Helm does, to the chart defaults merged with our values. Whether every value
is one the chart reads, for every chart, is `mlplat render`'s values check, run over the
example stacks in tests/render; Helm itself validates values against a chart's own
values.schema.json when it renders.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from mlplat.components.charts import CHARTS
from tests.components.services.helpers import helm_merge, releases
from tests.conftest import EXAMPLE_SPECS, ROOT, STACKS

CHART_DIR = ROOT / "tests" / "reference" / "charts"
IDS = [p.stem for p in EXAMPLE_SPECS]


@cache
def _mlflow_chart() -> tuple[dict, Draft7Validator]:
    schema = json.loads((CHART_DIR / "mlflow" / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART_DIR / "mlflow" / "values.yaml").read_text())
    return defaults, Draft7Validator(schema)


def _mlflow_errors(values: dict) -> list[str]:
    defaults, validator = _mlflow_chart()
    merged = helm_merge(defaults, values)
    return sorted(
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged)
    )


def test_the_reference_chart_is_the_pinned_version() -> None:
    chart = yaml.safe_load((CHART_DIR / "mlflow" / "Chart.yaml").read_text())
    assert chart["version"] == CHARTS["mlflow"].version


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_mlflow_values_pass_the_charts_schema(spec: Path) -> None:
    values = releases(spec)["mlflow"].inputs["values"]
    assert _mlflow_errors(values) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"replicaCuont": 2}, "Additional properties are not allowed ('replicaCuont'"),
        ({"auth": {"existingAdminSecrets": {}}}, "Additional properties are not allowed"),
        ({"postgresql": {"enabled": True}}, ""),
    ],
    ids=["misspelled root key", "misspelled nested key", "bundled database with postgres"],
)
def test_the_schema_check_rejects_what_the_chart_rejects(change: dict, expected: str) -> None:
    values = helm_merge(releases(STACKS / "dev.yaml")["mlflow"].inputs["values"], change)
    errors = _mlflow_errors(values)
    assert errors and all(expected in e for e in errors[:1])


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_airflow_values_keep_a_safe_posture(spec: Path) -> None:
    # Whether the chart reads each key is the render's values check (tests/render).
    values = releases(spec)["airflow"].inputs["values"]
    assert values["executor"] in ("KubernetesExecutor", "CeleryExecutor")
    assert values["postgresql"] == {"enabled": False}
    assert values["redis"]["enabled"] is (values["executor"] == "CeleryExecutor")
    assert values["createUserJob"] == {"enabled": False, "serviceAccount": {"create": False}}
    assert values["networkPolicies"] == {"enabled": True}
    for key in ("fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"):
        assert values[key].startswith("airflow-")
    assert values["data"] == {"metadataSecretName": "airflow-db"}
    pod, container = values["securityContexts"]["pod"], values["securityContexts"]["containers"]
    assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert values["triggerer"]["persistence"] == {"enabled": False}
    assert values["config"]["logging"]["remote_logging"] == "True"
    assert values["config"]["logging"]["remote_base_log_folder"].startswith("s3://")
    assert values["workers"]["serviceAccount"] == {"create": False, "name": "airflow-tasks"}
    assert values["scheduler"]["serviceAccount"] == {"create": False, "name": "airflow"}


def test_airflow_git_sync_follows_the_spec() -> None:
    sync = releases(STACKS / "prod.yaml")["airflow"].inputs["values"]["dags"]["gitSync"]
    assert sync["enabled"] is True
    assert sync["repo"] == "git@github.com:example-org/ml-dags.git"
    assert sync["subPath"] == "dags"
    assert sync["sshKeySecret"] == "airflow-git-deploy-key"


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_every_release_comes_from_the_pinned_chart_table(spec: Path) -> None:
    pinned = {(c.repo, c.name, c.version) for c in CHARTS.values()}
    found = releases(spec).values()
    assert found
    for release in found:
        inputs = release.inputs
        if "repositoryOpts" in inputs:
            source = (inputs["repositoryOpts"]["repo"], inputs["chart"], inputs["version"])
        else:  # an OCI chart: the reference is the repository plus the chart's name
            repo, name = inputs["chart"].rsplit("/", 1)
            assert repo.startswith("oci://")
            source = (repo, name, inputs["version"])
        assert source in pinned


def test_a_spec_can_override_a_chart_version(synth) -> None:
    from dataclasses import replace

    from mlplat.build import build
    from mlplat.spec import load_spec
    from mlplat.spec.services import MlflowSpec

    spec = load_spec(STACKS / "local.yaml").spec
    assert spec is not None
    services = replace(spec.services, mlflow=MlflowSpec(chart_version="1.11.4"))
    out = synth(lambda: build(replace(spec, services=services)))
    (mlflow,) = [
        r for r in out.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "mlflow"
    ]
    assert mlflow.inputs["version"] == "1.11.4"
