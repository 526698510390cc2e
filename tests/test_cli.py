"""The command line as a user meets it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlplat.cli import main
from mlplat.spec.schema import schema
from tests.conftest import ROOT

INVALID = ROOT / "tests" / "spec" / "cases" / "invalid"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlplat.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_validate_accepts_the_examples() -> None:
    done = _cli("validate", "stacks/dev.yaml", "stacks/prod.yaml", "stacks/local.yaml")
    assert done.returncode == 0, done.stderr
    assert "ok: stacks/prod.yaml (extends stacks/base/aws.yaml)" in done.stdout


@pytest.mark.parametrize("verb", ["validate", "plan"])
def test_bad_input_exits_2_with_located_errors_and_no_traceback(verb: str) -> None:
    done = _cli(verb, str(INVALID / "wrong-type.yaml"))
    assert done.returncode == 2
    assert (
        "wrong-type.yaml:20:14: error[wrong-type] nodePools[1].maxSize: expected integer"
        in done.stderr
    )
    assert "nothing was planned or applied" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_alias_bomb_and_syntax_errors_exit_2() -> None:
    for case in ("alias-bomb.yaml", "yaml-syntax.yaml", "self-reference.yaml", "empty-file.yaml"):
        done = _cli("validate", str(INVALID / case))
        assert done.returncode == 2, case
        assert "Traceback" not in done.stderr, case


def test_missing_file_exits_2() -> None:
    done = _cli("validate", "stacks/nope.yaml")
    assert done.returncode == 2
    assert "error[file-not-found]" in done.stderr


def test_bad_command_line_exits_2() -> None:
    assert _cli("plan").returncode == 2
    assert _cli("plan", "stacks/dev.yaml", "--format", "yaml").returncode == 2


def test_schema_prints_the_packaged_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema()


def test_plan_writes_identical_json_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    outputs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outputs:
        assert main(["plan", "stacks/dev.yaml", "--format", "json", "-o", str(out)]) == 0
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    assert json.loads(outputs[0].read_text())["stack"] == "dev"


def test_plan_stack_name_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "p.json"
    assert (
        main(["plan", "stacks/local.yaml", "--stack", "laptop", "--format", "json", "-o", str(out)])
        == 0
    )
    assert all(
        r["urn"].startswith("urn:pulumi:laptop::mlplat::")
        for r in json.loads(out.read_text())["resources"]
    )


def test_console_entry_plans_as_a_whole_process() -> None:
    done = _cli("plan", "stacks/local.yaml", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### mlplat plan: `local`")


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["validate", "stacks/dev.yaml"], "mlplat.cli.load_spec"),
        (["plan", "stacks/dev.yaml"], "mlplat.cli.load_spec"),
        (["policy-config", "stacks/dev.yaml"], "mlplat.cli.load_spec"),
        (
            ["check", str(ROOT / "tests" / "policies" / "insecure-plan.json")],
            "mlplat.cli._read_json",
        ),
        (["schema"], "mlplat.spec.schema.schema"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_a_crash_is_exit_3_with_one_line_and_no_traceback(argv, target, monkeypatch, capsys):
    def crash(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(target, crash)
    assert main(argv) == 3
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert line.startswith("mlplat: internal error (ZeroDivisionError: a bug). This is a bug")
    assert "--debug" in line and "Traceback" not in err
    assert main(["--debug", *argv]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    assert main([*argv, "--debug"]) == 3  # also accepted after the command
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_plan_that_declares_a_urn_twice_is_a_bug_not_a_policy_failure(monkeypatch, capsys):
    from mlplat.plan import offline

    real = offline.plan_spec

    def doubled(*args, **kwargs):
        plan = real(*args, **kwargs)
        plan.duplicate_urns = [plan.resources[0].urn]
        return plan

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(offline, "plan_spec", doubled)
    assert main(["plan", "stacks/local.yaml", "--format", "json"]) == 3
    assert "declared these URNs more than once" in capsys.readouterr().err


def test_a_spec_validate_accepts_never_crashes_plan():
    # An EFA pool pinned to a zone of the region that the two-zone network does not use.
    case = str(INVALID / "zone-outside-network.yaml")
    done = _cli("plan", case)
    assert done.returncode == 2, done.stderr
    assert "error[zone-not-in-network] nodePools[0].availabilityZone" in done.stderr


def test_a_team_spec_says_what_it_could_not_check_without_its_platform():
    done = _cli("validate", "stacks/team-fraud.yaml")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ok: stacks/team-fraud.yaml"
    assert lines[1].startswith("  not checked without the platform's outputs (--platform-plan")
    assert "GPU quotas against the pools' capacity and what other teams hold" in lines[1]


def test_an_internet_facing_load_balancer_in_prod_is_a_warning_and_a_policy_failure(tmp_path):
    spec = tmp_path / "public.yaml"
    spec.write_text(
        f"extends: {ROOT / 'stacks' / 'prod.yaml'}\n"
        "teamStacks: []\n"
        "services:\n  ingress: {scheme: internet-facing}\n"
    )
    done = _cli("validate", str(spec))
    assert done.returncode == 0
    assert "warning[ingress-internet-facing] services.ingress.scheme" in done.stderr
    done = _cli("plan", str(spec), "--format", "json", "-o", str(tmp_path / "plan.json"))
    assert done.returncode == 1
    assert "error[policy] 2 mandatory control violations" in done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    failed = {f["control"] for f in plan["policy"]["findings"] if f["status"] == "violation"}
    assert "lb-not-internet-facing" in failed
    rule = "{control: lb-not-internet-facing, resource: %s, reason: public behind SSO and a WAF}"
    exemptions = "".join(f"    - {rule % name}\n" for name in ("mlflow", "airflow"))
    spec.write_text(spec.read_text() + "policy:\n  exemptions:\n" + exemptions)
    done = _cli("validate", str(spec))
    assert done.returncode == 0 and "warning" not in done.stderr  # acknowledged, with a reason
