"""`mlplat check --format sarif`: findings for code scanning, at the spec's lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.cli import main
from tests.conftest import ROOT


def test_prod_findings_point_at_spec_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    plan = tmp_path / "prod.json"
    assert main(["plan", "stacks/prod.yaml", "--format", "json", "-o", str(plan)]) == 0
    capsys.readouterr()
    assert main(["check", str(plan), "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    results = run["results"]
    assert results and {r["ruleId"] for r in results} == rules
    spec_lines = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    }
    assert all(uri in ("stacks/prod.yaml", "stacks/base/aws.yaml") for uri, _ in spec_lines)
    airflow = next(r for r in results if "airflow-ns" in r["message"]["text"])
    location = airflow["locations"][0]["physicalLocation"]
    lines = (ROOT / location["artifactLocation"]["uri"]).read_text().splitlines()
    assert lines[location["region"]["startLine"] - 1].strip() == "airflow:"
    exempt = [r for r in results if r.get("suppressions")]
    assert exempt and all(s["kind"] == "external" for r in exempt for s in r["suppressions"])
    for rule in run["tool"]["driver"]["rules"]:
        assert float(rule["properties"]["security-severity"]) > 0 and rule["help"]["text"]
