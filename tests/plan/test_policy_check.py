"""The whole pack over whole plans: every example stack, the insecure example, the check
verb, and the engine's own Analyze path agreeing with the offline runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.cli import main
from mlplat.plan.render import render
from mlplat.policies import CONTROLS
from mlplat.policies.runner import Status
from tests.conftest import ALL_SPECS, ROOT, plan_file, planned
from tests.policies.engine import analyze, servicer

INSECURE = ROOT / "tests" / "policies" / "insecure-plan.json"


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.stem)
def test_example_stacks_pass_every_mandatory_control(spec):
    report = planned(spec).policy
    assert report is not None and report.verdict.controls == len(CONTROLS)
    assert report.verdict.mandatory_failures == []
    assert not [f for f in report.verdict.findings if f.status is Status.UNKNOWN]


def test_prod_runs_under_prod_enforcement():
    config = planned(ROOT / "stacks" / "prod.yaml").policy.config
    assert config["eks-endpoint-private"]["enforcementLevel"] == "mandatory"
    assert config["k8s-pss-restricted"]["enforcementLevel"] == "mandatory"
    dev = planned(ROOT / "stacks" / "dev.yaml").policy.config
    assert dev["eks-endpoint-private"]["enforcementLevel"] == "advisory"


def test_mlplat_own_privileged_namespaces_are_exempt_with_reasons():
    report = planned(ROOT / "stacks" / "prod.yaml").policy
    exempt = {
        f.urn.rsplit("::", 1)[-1]: f.message
        for f in report.verdict.findings
        if f.status is Status.EXEMPT
    }
    assert set(exempt) == {"gpu-system-ns", "monitoring-node-ns"}
    assert "hostNetwork" in exempt["monitoring-node-ns"]


def test_insecure_example_trips_every_control(capsys):
    assert main(["check", str(INSECURE), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    tripped = {f["control"] for f in report["findings"] if f["status"] == "violation"}
    assert tripped == {c.id for c in CONTROLS}
    assert report["summary"]["mandatory"] > 0


def test_check_recomputes_the_plan_verdict(tmp_path, capsys):
    plan = planned(ROOT / "stacks" / "prod.yaml")
    path = tmp_path / "plan.json"
    path.write_text(render(plan, "json"))
    assert main(["check", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(path.read_text())["policy"]


def test_plan_outputs_show_the_verdict():
    plan = planned(ROOT / "stacks" / "dev.yaml")
    markdown = render(plan, "markdown")
    assert "#### ✅ Policy passed: 0 mandatory" in markdown
    assert "| advisory | `eks-endpoint-private` |" in markdown
    assert "Exempt (by policy config, with reason)" in render(plan, "text")


def test_a_mandatory_failure_fails_the_plan(tmp_path, capsys):
    spec = tmp_path / "strict.yaml"
    spec.write_text(
        f"extends: {ROOT / 'stacks' / 'dev.yaml'}\n"
        "policy:\n  enforcement:\n    eks-endpoint-private: mandatory\n"
    )
    assert main(["plan", str(spec), "--format", "markdown"]) == 1
    captured = capsys.readouterr()
    assert "#### ❌ Policy FAILED" in captured.out
    assert "error[policy]" in captured.err


def test_spec_exemptions_reach_the_verdict(tmp_path):
    spec = tmp_path / "exempt.yaml"
    spec.write_text(
        f"extends: {ROOT / 'stacks' / 'dev.yaml'}\n"
        "policy:\n  exemptions:\n    - control: eks-endpoint-private\n"
        "      resource: mlplat-dev-cluster\n"
        "      reason: the dev cluster is reached from the office\n"
    )
    report = plan_file(spec).policy
    (exempt,) = [
        f for f in report.verdict.findings if f.status is Status.EXEMPT and "office" in f.message
    ]
    assert exempt.urn.endswith("::mlplat-dev-cluster")


def test_bad_plan_files_exit_2(tmp_path, capsys):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"kind": "something-else"}')
    assert main(["check", str(wrong)]) == 2
    assert main(["check", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert "expected a plan from `mlplat plan --format json`" in err and "Traceback" not in err


def _engine_violations(resources, config):
    """Every resource through the SDK's own Analyze, configured like the CLI configures it."""
    service = servicer(config)
    found = set()
    for r in resources:
        protect = bool(r.options.get("protect"))
        response = analyze(service, r.type, r.name, r.inputs, r.urn, r.parent, protect)
        found |= {(d.policyName, r.urn) for d in response.diagnostics}
        found |= {(n.policy_name, r.urn, "exempt") for n in response.not_applicable}
    return found


@pytest.mark.parametrize("stack", ["prod", "local"])
def test_engine_and_offline_runner_agree(stack):
    plan = planned(ROOT / "stacks" / f"{stack}.yaml")
    resource_policies = {c.id for c in CONTROLS if not c.stack}
    offline = {
        (f.control, f.urn) if f.status is Status.VIOLATION else (f.control, f.urn, "exempt")
        for f in plan.policy.verdict.findings
        if f.control in resource_policies
    }
    assert (
        _engine_violations([r for r in plan.resources if r.custom], plan.policy.config) == offline
    )


def test_policy_config_command_prints_the_pack_config(capsys):
    assert main(["policy-config", str(ROOT / "stacks" / "prod.yaml")]) == 0
    config = json.loads(capsys.readouterr().out)
    assert set(config) == {c.id for c in CONTROLS}
    assert config["eks-access-entries"]["allowedAdminPrincipals"]
    assert all(e["reason"] for entry in config.values() for e in entry.get("exemptions", []))


def test_policy_config_rejects_a_bad_spec(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: mlplat.dev/v1\nkind: Platform\n")
    assert main(["policy-config", str(bad)]) == 2


def test_check_refuses_a_config_the_pack_would_refuse(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "eks-endpoint-private": {"enforcementLevel": "strict"},
                "k8s-no-such-thing": "mandatory",
                "sg-no-public-admin-ingress": {"allowedPublicPorts": "443"},
            }
        )
    )
    assert main(["check", str(INSECURE), "--policy-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error[bad-input] {config}: not a config of the policy pack: ")
    assert "eks-endpoint-private: expected an enforcement level (mandatory, advisory, " in err
    assert "k8s-no-such-thing: not a control of mlplat-security" in err
    assert "sg-no-public-admin-ingress.allowedPublicPorts: '443' is not of type 'array'" in err
