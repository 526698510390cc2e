"""Kueue as the prod example installs it: every ordinary job is admissible, Kueue and the
namespace quota agree, and the controller is scoped and highly available.

The chart test renders the pinned Kueue chart with the exact values of the plan (Helm as
`mlplat render` finds it, the chart from ../shared/charts), as `helm template` would;
without either it is skipped and says so.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict

import yaml

from mlplat.components.charts import CHARTS
from mlplat.components.tenancy import kueue
from mlplat.render.helm import find_helm
from tests.conftest import STACKS, planned
from tests.render.examples import CHARTS as CHART_PACKAGES
from tests.render.examples import needs_charts

PROD = STACKS / "prod.yaml"
CHART = CHART_PACKAGES / f"kueue-{CHARTS['kueue'].version}.tgz"
JOB_GROUPS = {"", "batch", "apps", "jobset.x-k8s.io", "kubeflow.org", "ray.io",
              "leaderworkerset.x-k8s.io", "workload.codeflare.dev", "trainer.kubeflow.org",
              "sparkoperator.k8s.io"}  # fmt: skip
"""API groups of the jobs and pods Kueue's webhooks intercept (namespaced user objects)."""

_UNITS = {"": 1, "m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _quantity(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text)).groups()
    return float(number) * _UNITS[unit]


def _release():
    (release,) = [r for r in planned(PROD).resources if r.name == "kueue"]
    return release


def _config() -> dict:
    return yaml.safe_load(
        _release().inputs["values"]["managerConfig"]["controllerManagerConfigYaml"]
    )


def _team_objects(kind: str) -> list:
    return [r for r in planned(PROD).resources if r.type.endswith(f":{kind}")]


def test_every_resource_a_training_pod_asks_for_is_rationed_or_left_out():
    requests = ["cpu", "memory", "nvidia.com/gpu", "ephemeral-storage", "hugepages-2Mi",
                "hugepages-1Gi", "vpc.amazonaws.com/efa"]  # fmt: skip
    excluded = _config()["resources"]["excludeResourcePrefixes"]
    for queue in _team_objects("ClusterQueue"):
        covered = {r for g in queue.inputs["spec"]["resourceGroups"] for r in g["coveredResources"]}
        # Kueue refuses a workload asking for a resource its ClusterQueue does not cover,
        # unless the resource name starts with an excluded prefix.
        inadmissible = [
            r for r in requests if r not in covered and not any(map(r.startswith, excluded))
        ]
        assert inadmissible == [], queue.name
    assert "quotaCheckStrategy" not in _config()["resources"]  # BlockUndeclared: the default


def test_kueue_never_admits_what_the_namespace_quota_refuses():
    quotas = {
        r.inputs["metadata"]["namespace"]: r.inputs["spec"]["hard"]
        for r in _team_objects("ResourceQuota")
        if r.inputs["metadata"]["name"] == "team-quota"
    }
    namespaces = {
        r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]["mlplat.dev/team"]
        for r in _team_objects("Namespace")
        if "mlplat.dev/team" in r.inputs["metadata"].get("labels", {})
    }
    checked = 0
    for queue in _team_objects("ClusterQueue"):
        most: dict[str, float] = defaultdict(float)
        for group in queue.inputs["spec"]["resourceGroups"]:
            for flavor in group["flavors"]:
                for resource in flavor["resources"]:
                    # Unset, borrowing is unbounded within the cohort.
                    assert "borrowingLimit" in resource, (queue.name, resource)
                    most[resource["name"]] += _quantity(resource["nominalQuota"]) + _quantity(
                        resource["borrowingLimit"]
                    )
        team = queue.inputs["metadata"]["name"]
        for namespace in (ns for ns, owner in namespaces.items() if owner == team):
            for resource, amount in most.items():
                assert amount <= _quantity(quotas[namespace][f"requests.{resource}"]), (
                    namespace,
                    resource,
                )
                checked += 1
    assert checked >= 9


def test_admitted_jobs_give_their_quota_back_when_pods_never_get_ready():
    ready = _config()["waitForPodsReady"]
    assert ready["timeout"] == kueue.PODS_READY_TIMEOUT and ready["blockAdmission"] is False
    assert ready["requeuingStrategy"]["backoffLimitCount"] == kueue.REQUEUE_LIMIT


def test_kueue_manages_team_namespaces_only_and_runs_highly_available():
    assert _config()["managedJobsNamespaceSelector"] == {
        "matchExpressions": [{"key": "mlplat.dev/team", "operator": "Exists"}]
    }
    assert _config()["leaderElection"]["leaderElect"] is True
    manager = _release().inputs["values"]["controllerManager"]
    assert manager["replicas"] >= 2
    assert manager["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}
    assert _release().inputs["version"] == "0.19.2"


@needs_charts
def test_the_rendered_chart_scopes_every_job_webhook_and_keeps_a_replica_up(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(_release().inputs["values"]))
    rendered = subprocess.run(
        [find_helm().path, "template", "kueue", str(CHART), "-n", "kueue-system", "-f", str(values),
         "--kube-version", "1.35.0"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    objects = [o for o in yaml.safe_load_all(rendered) if o]
    by_kind = defaultdict(list)
    for o in objects:
        by_kind[o["kind"]].append(o)
    scoped = 0
    for config in (
        by_kind["MutatingWebhookConfiguration"] + by_kind["ValidatingWebhookConfiguration"]
    ):
        for hook in config["webhooks"]:
            groups = {g for rule in hook["rules"] for g in rule["apiGroups"]}
            if groups & JOB_GROUPS:
                assert hook.get("namespaceSelector") == kueue.MANAGED_NAMESPACES, hook["name"]
                scoped += 1
            else:  # Kueue's own cluster-scoped kinds and its Workloads
                assert groups == {"kueue.x-k8s.io"}, hook["name"]
    assert scoped >= 20
    (deployment,) = by_kind["Deployment"]
    assert deployment["spec"]["replicas"] == kueue.REPLICAS
    (budget,) = by_kind["PodDisruptionBudget"]
    assert budget["spec"]["minAvailable"] == 1
    assert (
        budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    )
    spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert spread["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    (config_map,) = [
        c for c in by_kind["ConfigMap"] if c["metadata"]["name"].endswith("manager-config")
    ]
    written = yaml.safe_load(config_map["data"]["controller_manager_config.yaml"])
    assert written["waitForPodsReady"]["timeout"] == kueue.PODS_READY_TIMEOUT
    assert written["resources"]["excludeResourcePrefixes"] == list(kueue.NOT_RATIONED)
    assert written["internalCertManagement"]["enable"] is True  # the chart's own addition
