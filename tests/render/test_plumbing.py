"""The platform's plumbing flows on rendered examples: credentials, above all (issue #15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplat.render.findings import RenderReport
from tests.conftest import STACKS, plan_file
from tests.render.examples import errors, needs_charts, render_of, rendered, rerendered

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
IDENTITY_HOLDERS = {"airflow", "mlflow", "feast", "platform"}


def _credential_flows(report: RenderReport) -> dict[str, str]:
    return {
        f.name.split(" → ")[0]: f.name.split("(")[1].rstrip(")")
        for f in report.flows
        if " → credentials (" in f.name
    }


@needs_charts
def test_services_with_an_identity_reach_the_token_service() -> None:
    flows = _credential_flows(rendered(STACKS / "prod.yaml"))
    assert set(flows) >= IDENTITY_HOLDERS
    assert set(flows.values()) == {"STS endpoint"}  # prod has an sts interface endpoint


@needs_charts
def test_under_pod_identity_every_service_reaches_the_agent(tmp_path: Path) -> None:
    text = (STACKS / "dev.yaml").read_text()
    assert "\ncluster:\n" in text
    spec = tmp_path / "dev.yaml"
    spec.write_text(text.replace("\ncluster:\n", "\ncluster:\n  workloadIdentity: podIdentity\n"))
    report = render_of(spec, plan_file(spec))
    flows = _credential_flows(report)
    assert set(flows) >= IDENTITY_HOLDERS
    assert set(flows.values()) == {"EKS Pod Identity agent"}
    assert errors(report) == []


@needs_charts
def test_a_fence_without_the_credentials_rule_is_an_error() -> None:
    def drop_sts(resources: list) -> None:
        (policy,) = [
            r
            for r in resources
            if r["type"] == POLICY and r["inputs"]["metadata"]["name"] == "allow-mlflow"
        ]
        rules = policy["inputs"]["spec"]["egress"]
        kept = [r for r in rules if not any(p.get("port") == 443 for p in r.get("ports") or [])]
        assert len(kept) < len(rules)
        policy["inputs"]["spec"]["egress"] = kept

    report = rerendered(STACKS / "prod.yaml", None, drop_sts)
    assert "mlflow → credentials (STS endpoint)" in {f.name for f in report.flows if not f.ok}


@needs_charts
@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_api_server_reads_running_jobs_logs(stack: str) -> None:
    (flow,) = [f for f in rendered(STACKS / f"{stack}.yaml").flows if "log servers" in f.name]
    assert flow.ok and "triggerer-logs" in flow.port
