"""Airflow installs under Pulumi's await, and what it renders can run (issue #15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlplat.render.pods import pod_templates
from tests.components.services.helpers import of_type, releases
from tests.conftest import EXAMPLE_SPECS, STACKS, planned
from tests.render.examples import errors, needs_charts, rendered, rerendered

IDS = [p.stem for p in EXAMPLE_SPECS]
PROD = STACKS / "prod.yaml"


def _admin_job(spec: Path) -> dict:
    (job,) = [j for j in of_type(spec, "kubernetes:batch/v1:Job") if j.name.endswith("-admin")]
    return job.inputs["spec"]["template"]["spec"]


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_the_admin_job_runs_the_charts_config_read_only_and_keeps_the_password_off_argv(
    spec: Path,
) -> None:
    pod = _admin_job(spec)
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    config = mounts["/opt/airflow/airflow.cfg"]
    assert config["subPath"] == "airflow.cfg"
    assert volumes[config["name"]] == {"name": "config", "configMap": {"name": "airflow-config"}}
    for scratch in ("/opt/airflow", "/tmp"):
        assert "emptyDir" in volumes[mounts[scratch]["name"]]
    script = " ".join(container["command"])
    assert "--password" not in script and "-p " not in script
    assert "| airflow users create" in script and "| airflow users reset-password" in script
    (password,) = [e for e in container["env"] if e["name"] == "ADMIN_PASSWORD"]
    assert password["valueFrom"]["secretKeyRef"]["key"] == "password"


def test_the_deploy_key_secret_comes_from_the_stacks_secret_config() -> None:
    (secret,) = [
        s
        for s in of_type(PROD, "kubernetes:core/v1:Secret")
        if s.inputs["metadata"].get("name") == "airflow-git-deploy-key"
    ]
    assert secret.inputs["stringData"] == "[secret]"
    sync = releases(PROD)["airflow"].inputs["values"]["dags"]["gitSync"]
    assert sync["sshKeySecret"] == "airflow-git-deploy-key"
    assert sync["knownHosts"].startswith("github.com ssh-ed25519 ")


@needs_charts
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_no_migration_hook_for_pods_to_wait_on(spec: Path) -> None:
    report = rendered(spec)
    jobs = [
        o for o in yaml.safe_load_all(report.manifests["airflow"]) if o and o.get("kind") == "Job"
    ]
    (migrate,) = [j for j in jobs if j["metadata"]["name"] == "airflow-run-airflow-migrations"]
    assert "helm.sh/hook" not in (migrate["metadata"].get("annotations") or {})
    assert not [f for f in errors(report, "hazard") if f.release == "airflow"]


@needs_charts
def test_the_hazard_check_catches_the_migration_hook_deadlock() -> None:
    def hooks_on(values: dict) -> None:
        values["migrateDatabaseJob"]["useHelmHooks"] = True

    found = errors(rerendered(STACKS / "dev.yaml", "airflow", hooks_on), "hazard")
    assert any("wait-for-airflow-migrations" in f.message for f in found)


@needs_charts
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=IDS)
def test_code_dag_authors_write_runs_with_the_logs_identity_and_no_api_token(spec: Path) -> None:
    """Task pods and the triggerer run as airflow-tasks: the workload identity that writes
    logs, but no API token (the chart's pod-launcher role is bound to it, and lets create,
    exec into and delete every pod in the namespace). The DAG processor needs neither."""
    from mlplat.render.objects import Inventory, parse_rendered

    inventory = Inventory(parse_rendered(rendered(spec).manifests["airflow"], "airflow", "airflow"))
    accounts = {p.owner.name: p.spec["serviceAccountName"] for p in pod_templates(inventory)}
    assert accounts["airflow-config"] == "airflow-tasks"  # the executor's pod template
    assert accounts["airflow-triggerer"] == "airflow-tasks"
    processor = inventory.find("ServiceAccount", "airflow", accounts["airflow-dag-processor"])
    assert processor is not None and processor.manifest["automountServiceAccountToken"] is False
    assert "annotations" not in processor.manifest["metadata"]  # no AWS role either
    assert accounts["airflow-scheduler"] == accounts["airflow-api-server"] == "airflow"
    declared = {
        a.inputs["metadata"]["name"]: a.inputs
        for a in of_type(spec, "kubernetes:core/v1:ServiceAccount")
        if a.inputs["metadata"]["namespace"] == "airflow"
    }
    assert declared["airflow-tasks"]["automountServiceAccountToken"] is False
    assert "automountServiceAccountToken" not in declared["airflow"]
    for account in ("airflow", "airflow-tasks"):
        annotations = declared[account]["metadata"]["annotations"]
        if spec.stem != "local":  # on aws: each account's own role, reaching the logs
            assert annotations["eks.amazonaws.com/role-arn"].endswith(f"-{account}-role")


def test_each_airflow_account_has_a_logs_role_of_its_own() -> None:
    """A role trusts one account (the policy pack's iam-irsa-trust-scoped): the task
    account's role has the scheduler's permissions and trusts only airflow-tasks."""
    roles = {r.name: r.inputs for r in of_type(PROD, "aws:iam/role:Role")}
    policies = {r.name: r.inputs for r in of_type(PROD, "aws:iam/rolePolicy:RolePolicy")}
    for account in ("airflow", "airflow-tasks"):
        (statement,) = json.loads(roles[f"mlplat-prod-{account}-role"]["assumeRolePolicy"])[
            "Statement"
        ]
        (subject,) = [
            v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
        ]
        assert subject == f"system:serviceaccount:airflow:{account}"
    assert (
        policies["mlplat-prod-airflow-tasks-policy"]["policy"]
        == policies["mlplat-prod-airflow-policy"]["policy"]
    )


def _local_with(tmp_path: Path, airflow: dict) -> tuple[Path, Any]:
    """The local example with ``airflow`` as its Airflow section, and its plan."""
    from mlplat.plan.offline import plan_spec
    from mlplat.spec import load_spec

    document = yaml.safe_load((STACKS / "local.yaml").read_text())
    document["services"]["airflow"] = airflow
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(document))
    loaded = load_spec(path)
    assert loaded.spec is not None
    return path, plan_spec(str(path), loaded.spec, loaded.files, "local")


def test_tasks_that_launch_pods_get_a_token_when_the_spec_asks(tmp_path) -> None:
    _, plan = _local_with(tmp_path, {"allowPodLaunching": True})
    (tasks,) = [
        r
        for r in plan.resources
        if r.type == "kubernetes:core/v1:ServiceAccount"
        and r.inputs["metadata"]["name"] == "airflow-tasks"
    ]
    assert "automountServiceAccountToken" not in tasks.inputs
    # A pod's token is decided when it is created: the change rolls the triggerer.
    (release,) = [r for r in plan.resources if r.type.endswith("Release") and r.name == "airflow"]
    annotations = release.inputs["values"]["triggerer"]["podAnnotations"]
    assert annotations == {"mlplat.dev/api-token": "mounted"}
    default = releases(STACKS / "local.yaml")["airflow"].inputs["values"]["triggerer"]
    assert default["podAnnotations"] == {"mlplat.dev/api-token": "none"}


@needs_charts
def test_the_api_server_admits_exactly_its_callers() -> None:
    report = rendered(PROD)
    flows = {f.name: f for f in report.flows}
    assert flows["Airflow workers → API server"].actual == "open"
    assert flows["load balancer → airflow/Ingress/airflow-ingress"].actual == "open"
    assert flows["team nlp → airflow"].actual == "open"
    assert flows["team nlp ↛ platform pods"].actual == "closed"
    policy = next(
        o
        for o in yaml.safe_load_all(report.manifests["airflow"])
        if o
        and o["kind"] == "NetworkPolicy"
        and o["metadata"]["name"] == "airflow-api-server-policy"
    )
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert {"podSelector": {"matchLabels": {"tier": "airflow", "release": "airflow",
                                            "component": "worker"}}} in rule["from"]  # fmt: skip


@needs_charts
def test_the_reachability_check_catches_the_api_server_cut_off() -> None:
    def closed(values: dict) -> None:
        values["apiServer"]["networkPolicy"]["ingress"]["from"] = []

    report = rerendered(PROD, "airflow", closed)
    failed = {f.name for f in report.flows if not f.ok}
    assert {"Airflow workers → API server", "team nlp → airflow"} <= failed


@needs_charts
def test_statsd_is_scraped_so_the_heartbeat_alert_has_its_metric() -> None:
    report = rendered(PROD)
    flows = {f.name: f for f in report.flows}
    assert flows["Prometheus → airflow/ServiceMonitor/airflow-statsd"].actual == "open"
    assert (
        flows["Prometheus → airflow/ServiceMonitor/airflow-statsd"].port
        == "9102/TCP (statsd-scrape)"
    )


@needs_charts
def test_celery_components_that_call_no_api_run_as_tokenless_accounts(tmp_path) -> None:
    from tests.render.examples import render_of

    report = render_of(*_local_with(tmp_path, {"executor": "CeleryExecutor"}))
    inventory = report.inventory
    assert inventory is not None
    accounts = {
        p.owner.name: p.spec.get("serviceAccountName")
        for p in pod_templates(inventory)
        if p.namespace == "airflow" and p.owner.kind != "ConfigMap"
    }
    for workload in ("airflow-redis", "airflow-statsd", "airflow-run-airflow-migrations"):
        account = inventory.find("ServiceAccount", "airflow", accounts[workload])
        assert account is not None and account.manifest["automountServiceAccountToken"] is False
    warned = {
        f.object
        for f in report.findings
        if f.release == "airflow"
        and "[k8s-sa-token-automount]" in f.message
        and f.severity == "warning"
    }
    assert not any(name in w for w in warned for name in ("redis", "statsd", "migrations"))


def _pod_roles(plan) -> dict[str, tuple[str, list]]:
    """Airflow's pod Roles by name: (the account bound, the rules)."""
    rbac = "kubernetes:rbac.authorization.k8s.io/v1:"
    rules = {
        r.inputs["metadata"]["name"]: r.inputs["rules"]
        for r in plan.resources
        if r.type == rbac + "Role" and r.inputs["metadata"]["namespace"] == "airflow"
    }
    return {
        r.inputs["metadata"]["name"]: (
            r.inputs["subjects"][0]["name"],
            rules[r.inputs["roleRef"]["name"]],
        )
        for r in plan.resources
        if r.type == rbac + "RoleBinding" and r.inputs["metadata"]["name"] in rules
    }


def test_only_the_scheduler_may_launch_pods_unless_the_spec_lets_tasks(tmp_path) -> None:
    """mlplat's Roles replace the chart's pod-launcher, which binds pod creation, exec and
    deletion to the task and triggerer accounts whenever the executor launches pods. The
    scheduler's account (the API server's too) gets only what the executor calls."""
    executor = [{"apiGroups": [""], "resources": ["pods"],
                 "verbs": ["create", "list", "get", "patch", "watch", "delete"]}]  # fmt: skip
    assert releases(PROD)["airflow"].inputs["values"]["allowPodLaunching"] is False
    assert _pod_roles(planned(PROD)) == {"airflow-executor": ("airflow", executor)}
    for airflow, expected in (
        ({"allowPodLaunching": True}, {"airflow-executor", "airflow-pod-launcher"}),
        ({"executor": "CeleryExecutor", "allowPodLaunching": True}, {"airflow-pod-launcher"}),
    ):
        roles = _pod_roles(_local_with(tmp_path, airflow)[1])
        assert set(roles) == expected
        account, rules = roles["airflow-pod-launcher"]
        assert account == "airflow-tasks"
        assert {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]} in rules
