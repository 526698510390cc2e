"""Sides of a review: spec paths, plan files, REF:PATH from git, and bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlplat.cli import main
from tests.conftest import ROOT, STACKS
from tests.render.examples import CHARTS, needs_charts, rendered


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the example stacks committed, as the working directory."""
    shutil.copytree(STACKS, tmp_path / "stacks")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "s")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ref_path_plans_the_committed_spec(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = repo / "stacks" / "dev.yaml"
    text = dev.read_text()
    high = int(re.search(r"maxSize: (\d+)", text).group(1))
    dev.write_text(text.replace(f"maxSize: {high}", f"maxSize: {high + 1}", 1))
    assert main(["diff", "HEAD:stacks/dev.yaml", "stacks/dev.yaml", "--format", "json"]) == 0
    review = json.loads(capsys.readouterr().out)
    assert review["base"] == "HEAD:stacks/dev.yaml"
    assert review["counts"] == {"create": 0, "update": 1, "replace": 0, "delete": 0}
    (change,) = review["changes"]
    assert change["paths"] == [
        {
            "path": "scalingConfig.maxSize",
            "old": float(high),
            "new": float(high + 1),
            "replaces": False,
        }
    ]


def test_ref_path_follows_extends_inside_the_commit(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "HEAD:stacks/prod.yaml", "stacks/prod.yaml", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope:stacks/dev.yaml", "stacks/dev.yaml"], "nope: not a commit in this repository"),
        (["stacks/missing.yaml", "stacks/dev.yaml"], "no such file, and not REF:PATH"),
        (["stacks/dev.yaml", "stacks/prod.yaml"], "plan different stacks (dev and prod)"),
    ],
)
def test_bad_sides_exit_2_with_a_message(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["diff", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_file_that_is_not_a_plan_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "x.json").write_text(json.dumps({"kind": "something-else"}))
    assert main(["diff", "x.json", "stacks/dev.yaml"]) == 2
    assert "expected a plan from `mlplat plan --format json`" in capsys.readouterr().err
    (repo / "y.json").write_text("{not json")
    assert main(["diff", "y.json", "stacks/dev.yaml"]) == 2
    assert "y.json:1:2: not JSON" in capsys.readouterr().err


def test_an_invalid_spec_side_lists_its_errors(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = repo / "stacks" / "dev.yaml"
    bad.write_text(bad.read_text().replace("maxSize:", "maxsize:", 1))
    assert main(["diff", "HEAD:stacks/dev.yaml", "stacks/dev.yaml"]) == 2
    err = capsys.readouterr().err
    assert "stacks/dev.yaml: not a valid spec" in err and "error[unknown-field]" in err


@needs_charts
def test_render_joins_the_review_and_its_errors_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "review.json"
    code = main(["diff", "stacks/local.yaml", "stacks/local.yaml", "--render", "--charts",
                 str(CHARTS), "--no-pull", "--format", "json", "-o", str(out)])  # fmt: skip
    review = json.loads(out.read_text())
    report = rendered(STACKS / "local.yaml")
    assert review["render"] == {"failed": report.failed}
    assert code == (1 if report.failed else 0) and review["blocked"] is report.failed


def test_render_needs_a_spec_head(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "p.json").write_text(json.dumps({"kind": "mlplat.dev/plan", "resources": []}))
    assert main(["diff", "p.json", "p.json", "--render"]) == 2
    assert "--render needs HEAD as a spec or REF:PATH" in capsys.readouterr().err


def test_a_committed_link_is_not_followed_out_of_the_commit(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spec committed as a symbolic link (here to the working tree's dev.yaml, outside
    the checkout of the commit) is not read: REF:PATH sees only the commit's own files."""
    (repo / "stacks" / "linked.yaml").symlink_to(repo / "stacks" / "dev.yaml")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "link")
    assert main(["diff", "HEAD:stacks/linked.yaml", "stacks/dev.yaml"]) == 2
    err = capsys.readouterr().err
    assert "linked.yaml" in err and "Traceback" not in err
