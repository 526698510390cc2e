from __future__ import annotations

import yaml

from mlplat.policy_config import API_TOKEN, BUILT_IN_EXEMPTIONS
from mlplat.render import pack
from tests.conftest import STACKS
from tests.render.examples import needs_charts, rendered, rerendered
from tests.render.helpers import container, context, deployment, inventory, obj


def _latest() -> object:
    return deployment(pod={"containers": [container(image="nginx:latest")]})


def test_mandatory_controls_see_inside_charts() -> None:
    config = {"k8s-image-pinned": {"enforcementLevel": "mandatory"}}
    findings = list(pack.check(inventory(_latest()), context(policy_config=config)))
    pinned = [f for f in findings if "[k8s-image-pinned]" in f.message]
    assert len(pinned) == 1 and pinned[0].severity == "error"
    assert pinned[0].release == "chart" and pinned[0].object == "app/Deployment/app"


def test_advisory_controls_warn_and_exemptions_are_notes() -> None:
    advisory = {"k8s-image-pinned": {"enforcementLevel": "advisory"}}
    (finding,) = [
        f
        for f in pack.check(inventory(_latest()), context(policy_config=advisory))
        if "k8s-image-pinned" in f.message
    ]
    assert finding.severity == "warning"
    exempt = {
        "k8s-image-pinned": {
            "enforcementLevel": "mandatory",
            "exemptions": [{"namespace": "app", "reason": "a vendor image we cannot pin"}],
        }
    }
    (noted,) = [
        f
        for f in pack.check(inventory(_latest()), context(policy_config=exempt))
        if "k8s-image-pinned" in f.message
    ]
    assert noted.severity == "info" and "a vendor image we cannot pin" in noted.message


def test_mlplat_own_objects_are_left_to_the_plan_verdict() -> None:
    own = deployment(pod={"containers": [container(image="nginx:latest")]}, source="mlplat")
    config = {"k8s-image-pinned": {"enforcementLevel": "mandatory"}}
    assert list(pack.check(inventory(own), context(policy_config=config))) == []


def test_workload_exemptions_match_objects_whose_template_leaves_the_namespace_to_helm() -> None:
    placed = _latest()
    del placed.manifest["metadata"]["namespace"]  # as the EFA device plugin's DaemonSet
    exempt = {
        "k8s-image-pinned": {
            "enforcementLevel": "mandatory",
            "exemptions": [{"workload": "app/Deployment/app", "reason": "a vendor image"}],
        }
    }
    (noted,) = [
        f
        for f in pack.check(inventory(placed), context(policy_config=exempt))
        if "k8s-image-pinned" in f.message
    ]
    assert noted.severity == "info"


def _token_findings(*objects) -> list:
    config = {"k8s-sa-token-automount": {"enforcementLevel": "advisory"}}
    return [
        f
        for f in pack.check(inventory(*objects), context(policy_config=config))
        if "[k8s-sa-token-automount]" in f.message
    ]


def _pod_of(account: str | None, token: bool | None = None) -> object:
    """A Deployment whose pod runs as ``account`` and sets the token only if ``token``."""
    made = deployment(pod={"containers": [container()]})
    spec = made.manifest["spec"]["template"]["spec"]
    del spec["automountServiceAccountToken"]
    if account is not None:
        spec["serviceAccountName"] = account
    if token is not None:
        spec["automountServiceAccountToken"] = token
    return made


def _account(name: str, token: bool | None, namespace: str = "app") -> object:
    body: dict = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}
    if token is not None:
        body["automountServiceAccountToken"] = token
    return obj(body, namespace=namespace)


def test_a_pod_that_does_not_say_takes_its_accounts_token_setting() -> None:
    # The chart turns the token off on the account (MLflow's serviceAccount.automount).
    assert _token_findings(_pod_of("runner"), _account("runner", False)) == []
    # An account that says nothing, or no account in the inventory: the token mounts.
    assert len(_token_findings(_pod_of("runner"), _account("runner", None))) == 1
    assert len(_token_findings(_pod_of("runner"))) == 1
    # No serviceAccountName means the namespace's default account.
    assert _token_findings(_pod_of(None), _account("default", False)) == []
    # A null is no setting (Kubernetes reads a pointer).
    nulled = _pod_of("runner")
    nulled.manifest["spec"]["template"]["spec"]["automountServiceAccountToken"] = None
    assert _token_findings(nulled, _account("runner", False)) == []
    # The pod's own setting wins over its account's.
    assert len(_token_findings(_pod_of("runner", token=True), _account("runner", False))) == 1


def test_the_accounts_setting_is_read_from_the_pods_own_namespace() -> None:
    elsewhere = _account("runner", False, namespace="other")
    assert len(_token_findings(_pod_of("runner"), elsewhere)) == 1


@needs_charts
def test_no_chart_pod_mounts_an_api_token_it_does_not_use() -> None:
    """Every chart workload that calls the API is exempt by name (with its reason); MLflow
    and Feast turn the token off on their accounts; Airflow's StatsD, migrations and Redis
    run as tokenless accounts of their own, and what runs DAG authors' code (task pods,
    the triggerer, the DAG processor) as accounts without a token either."""
    report = rendered(STACKS / "prod.yaml")
    token = [f for f in report.findings if "[k8s-sa-token-automount]" in f.message]
    warned = {f.object for f in token if f.severity == "warning"}
    assert warned == set()
    exempted = {f.object for f in token if f.severity == "info"}
    clients = {e["workload"] for c, e in BUILT_IN_EXEMPTIONS if c == API_TOKEN}
    assert exempted == clients  # each exemption names a workload the charts render


def _executor_config_map(pod_spec: dict) -> object:
    template = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "task"}, "spec": pod_spec}
    return obj(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "airflow-config"},
            "data": {"pod_template_file.yaml": yaml.safe_dump(template)},
        }
    )


def test_the_controls_see_the_pods_an_executor_is_handed_in_a_config_map() -> None:
    config = {"k8s-image-pinned": {"enforcementLevel": "mandatory"}}
    latest = _executor_config_map({"containers": [container(image="nginx:latest")]})
    (pinned,) = [
        f
        for f in pack.check(inventory(latest), context(policy_config=config))
        if "[k8s-image-pinned]" in f.message
    ]
    assert pinned.severity == "error"
    assert (pinned.object, pinned.field) == (
        "app/ConfigMap/airflow-config",
        "data.pod_template_file.yaml",
    )
    pinned_image = _executor_config_map({"containers": [container()]})
    assert not [
        f
        for f in pack.check(inventory(pinned_image), context(policy_config=config))
        if "[k8s-image-pinned]" in f.message
    ]


@needs_charts
def test_a_task_pod_put_back_on_the_schedulers_account_is_reported() -> None:
    def back_on_the_scheduler(values: dict) -> None:
        values["workers"]["serviceAccount"]["name"] = "airflow"

    report = rerendered(STACKS / "prod.yaml", "airflow", back_on_the_scheduler)
    token = [
        (f.object, f.field, f.severity)
        for f in report.findings
        if "[k8s-sa-token-automount]" in f.message and f.severity == "warning"
    ]
    assert token == [("airflow/ConfigMap/airflow-config", "data.pod_template_file.yaml", "warning")]
