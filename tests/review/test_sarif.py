"""`mlplat check --format sarif`: findings for code scanning, at the spec's lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.cli import main
from tests.conftest import ROOT


def test_findings_point_at_the_spec_lines_that_made_their_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    plan = tmp_path / "dev.json"
    assert main(["plan", "stacks/dev.yaml", "--format", "json", "-o", str(plan)]) == 0
    capsys.readouterr()
    assert main(["check", str(plan), "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    results = run["results"]
    assert results and {r["ruleId"] for r in results} == rules
    lines = (ROOT / "stacks" / "dev.yaml").read_text().splitlines()

    def line_of(control: str, resource: str) -> str:
        (result,) = [r for r in results if r["ruleId"] == control
                     and r["message"]["text"].startswith(resource)]  # fmt: skip
        where = result["locations"][0]["physicalLocation"]
        assert where["artifactLocation"]["uri"] == "stacks/dev.yaml"
        return lines[where["region"]["startLine"] - 1].strip()

    assert line_of("eks-endpoint-private", "mlplat-dev-cluster") == "cluster:"
    assert line_of("rds-deletion-protection", "mlplat-dev-db") == "database:"
    assert line_of("k8s-namespace-psa-labels", "monitoring-node-ns") == "monitoring:"
    exempt = [r for r in results if r.get("suppressions")]
    assert exempt and all(s["kind"] == "external" for r in exempt for s in r["suppressions"])
    assert {r["level"] for r in results if not r.get("suppressions")} == {"warning"}
    for rule in run["tool"]["driver"]["rules"]:
        assert float(rule["properties"]["security-severity"]) > 0 and rule["help"]["text"]
