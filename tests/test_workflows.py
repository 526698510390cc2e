"""The CI workflows pass actionlint (pinned in the dev extras; `make test` runs this)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def test_workflows_pass_actionlint() -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    assert actionlint.exists(), "install the dev extras: pip install -e '.[dev]'"
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert files, "no workflows"
    done = subprocess.run([str(actionlint), *files], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_the_fork_review_has_no_secrets_and_a_read_only_token() -> None:
    text = (WORKFLOWS / "review.yml").read_text()
    assert "secrets." not in text
    assert _workflow("review.yml")["permissions"] == {"contents": "read"}


def test_the_comment_job_never_runs_pull_request_code() -> None:
    text = (WORKFLOWS / "review-comment.yml").read_text()
    assert "actions/checkout" not in text and "pip install" not in text
    assert ".head.sha" in text and "workflow_run.head_sha" in text
