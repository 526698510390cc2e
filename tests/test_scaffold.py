"""`mlplat schema --kind` and `mlplat init`: starters that validate and plan clean (#19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlplat.cli import main
from mlplat.spec import load_spec
from mlplat.spec.schema import team_schema
from tests.conftest import plan_file

SHAPES = ("laptop", "dev", "prod")


def test_schema_of_a_team_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--kind", "Team"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == team_schema()
    assert printed["properties"]["kind"]["const"] == "Team"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_starter_validates_and_plans_with_no_mandatory_finding(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", shape, "--region", "eu-central-1"]) == 0
    spec = tmp_path / "stacks" / f"{shape}.yaml"
    config = yaml.safe_load((tmp_path / "stacks" / f"Pulumi.{shape}.yaml").read_text())
    assert config == {"config": {"mlplat:spec": f"stacks/{shape}.yaml"}}
    project = yaml.safe_load((tmp_path / "Pulumi.yaml").read_text())
    assert project["stackConfigDir"] == "stacks"
    assert "from mlplat.program import main" in (tmp_path / "__main__.py").read_text()
    assert (tmp_path / "requirements.txt").read_text().startswith("mlplat==")
    pack = yaml.safe_load((tmp_path / "policies" / "PulumiPolicy.yaml").read_text())
    assert pack["runtime"]["options"]["virtualenv"] == "../.venv"  # the project's, with mlplat
    assert "from mlplat.policies import" in (tmp_path / "policies" / "__main__.py").read_text()
    loaded = load_spec(spec)
    assert loaded.errors == [] and loaded.spec is not None
    assert loaded.spec.metadata.name == f"mlplat-{shape}"
    assert "$" not in spec.read_text().replace("$schema", "")  # every field substituted
    report = plan_file(spec).policy
    assert report is not None and report.summary()["mandatory"] == 0


def test_init_never_overwrites_and_writes_nothing_when_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "dev.yaml").write_text("mine\n")
    assert main(["init", "dev"]) == 2
    assert "stacks/dev.yaml exists" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["dev.yaml", "stacks"]
    assert main(["init", "dev", "--force"]) == 0
    assert (tmp_path / "stacks" / "dev.yaml").read_text() != "mine\n"


def test_a_bad_name_is_refused_with_the_spec_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "dev", "--name", "Bad_Name"]) == 2
    err = capsys.readouterr().err
    assert "stacks/dev.yaml:" in err and "metadata.name" in err and "Bad_Name" in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_project_keeps_its_files_and_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: ours\nruntime: python\nstackConfigDir: config\n")
    assert main(["init", "laptop", "--stack", "kind"]) == 0
    assert (tmp_path / "Pulumi.yaml").read_text().startswith("name: ours")
    assert not (tmp_path / "__main__.py").exists()
    config = yaml.safe_load((tmp_path / "config" / "Pulumi.kind.yaml").read_text())
    assert config == {"config": {"mlplat:spec": "stacks/kind.yaml"}}
