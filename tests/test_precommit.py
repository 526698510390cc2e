"""The pre-commit hook: changed stacks are validated; a changed fragment validates the
stacks that extend it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlplat.precommit import main, stacks_to_check
from tests.conftest import ROOT, STACKS


def test_a_changed_fragment_selects_the_stacks_extending_it() -> None:
    chosen = stacks_to_check(["stacks/base/aws.yaml"], ROOT)
    assert [p.relative_to(ROOT).as_posix() for p in chosen] == ["stacks/prod.yaml"]


def test_stacks_are_selected_and_other_yaml_skipped() -> None:
    changed = ["stacks/dev.yaml", "stacks/Pulumi.dev.yaml", ".pre-commit-hooks.yaml", "gone.yaml"]
    assert [p.relative_to(ROOT).as_posix() for p in stacks_to_check(changed, ROOT)] == [
        "stacks/dev.yaml"
    ]


def test_a_broken_fragment_fails_through_its_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(STACKS, tmp_path / "stacks")
    base = tmp_path / "stacks" / "base" / "aws.yaml"
    doc = yaml.safe_load(base.read_text())
    doc["cloud"]["region"] = "eu-nowhere-1"
    base.write_text(yaml.safe_dump(doc))
    monkeypatch.chdir(tmp_path)
    assert main(["stacks/base/aws.yaml"]) == 2
    err = capsys.readouterr().err
    assert "stacks/base/aws.yaml" in err and "error[region-unknown]" in err
