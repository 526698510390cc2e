"""`mlplat render` and `mlplat plan --render` as a user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.cli import main
from tests.conftest import STACKS
from tests.render.examples import CHARTS, needs_charts


def test_render_without_the_charts_exits_1_and_says_what_was_not_rendered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["render", str(STACKS / "dev.yaml"), "--charts", str(tmp_path), "--no-pull"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "airflow (airflow 1.21.0, ns airflow): NOT RENDERED" in out
    assert "error[render]" in err and "Traceback" not in out + err


@needs_charts
def test_render_writes_the_report_and_every_release_into_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["render", str(STACKS / "dev.yaml"), "--charts", str(CHARTS), "--format", "json",
          "-o", str(tmp_path)])  # fmt: skip
    report = json.loads((tmp_path / "report.json").read_text())
    assert {r["release"] for r in report["releases"]} == {
        "airflow",
        "feast",
        "mlflow",
        "monitoring",
    }
    assert all(r["rendered"] for r in report["releases"])
    assert "kind: Deployment" in (tmp_path / "airflow.yaml").read_text()
    assert report["flows"] and {"name", "expected", "actual", "ok"} <= set(report["flows"][0])
    assert capsys.readouterr().out == ""


@needs_charts
def test_plan_render_adds_the_findings_to_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "plan.md"
    main(["plan", str(STACKS / "dev.yaml"), "--render", "--charts", str(CHARTS),
          "--format", "markdown", "-o", str(out_file)])  # fmt: skip
    text = out_file.read_text()
    assert "#### Rendered releases" in text and "Reachability" in text
    main(["plan", str(STACKS / "dev.yaml"), "--render", "--charts", str(CHARTS), "--format", "json",
          "-o", str(tmp_path / "plan.json")])  # fmt: skip
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["render"]["summary"]["notRendered"] == 0
    assert plan["render"]["kubeVersion"] == "1.35.0"
