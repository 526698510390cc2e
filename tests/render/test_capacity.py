"""Capacity: the platform's pods fit its pools, with room for a rollout and for one node fewer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import yaml

from mlplat.components.eks_addons import ADDONS
from mlplat.render import capacity
from mlplat.render.addon_load import EKS_ADDONS
from mlplat.render.findings import Finding, Severity
from mlplat.render.requests import MIB, Resources, total
from mlplat.spec import load_spec
from mlplat.spec.model import NodePoolSpec, TaintEffect, TaintSpec
from tests.conftest import STACKS
from tests.render.examples import needs_charts, rendered
from tests.render.helpers import context, inventory, obj

DEV, PROD = STACKS / "dev.yaml", STACKS / "prod.yaml"


def pool(name: str = "system", types: tuple[str, ...] = ("t3.large",), nodes: int = 2, **kw: Any):
    return NodePoolSpec(name=name, instance_types=types, min_size=nodes, max_size=nodes + 1, **kw)


def workload(
    name: str,
    cpu: str,
    memory: str,
    replicas: int = 1,
    kind: str = "Deployment",
    pod: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
):
    container = {"name": name, "resources": {"requests": {"cpu": cpu, "memory": memory}}}
    body: dict[str, Any] = {"template": {"spec": {"containers": [container], **(pod or {})}}}
    if kind in ("Deployment", "StatefulSet"):
        body["replicas"] = replicas
    return obj(
        {
            "apiVersion": "batch/v1" if kind == "Job" else "apps/v1",
            "kind": kind,
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {**body, **(spec or {})},
        }
    )


def overcommit_rule():
    rules = [{"alert": "KubeCPUOvercommit", "expr": "1"}, {"alert": "KubeMemoryOvercommit"}]
    return obj(
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": "kubernetes-resources"},
            "spec": {"groups": [{"name": "kubernetes-resources", "rules": rules}]},
        },
        namespace="monitoring",
    )


def findings(*objects, pools=None) -> list[Finding]:
    ctx = context(node_pools=tuple(pools if pools is not None else [pool()]))
    return list(capacity.check(inventory(*objects), ctx))


def problems(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.severity is not Severity.INFO]


def addons(nodes: int) -> Resources:
    return total(a.pod * (nodes if a.per_node else a.replicas) for a in EKS_ADDONS)


def addon_daemons() -> Resources:
    return total(a.pod for a in EKS_ADDONS if a.per_node)


def test_the_eks_addons_take_what_their_manifests_request() -> None:
    assert addons(2) == Resources(660, 732 * MIB)
    assert {a.addon for a in EKS_ADDONS} == {a.name for a in ADDONS}
    assert all(a.source for a in EKS_ADDONS)


def test_pods_that_fit_with_room_for_their_rollout_pass_with_the_figures() -> None:
    found = findings(workload("web", "250m", "512Mi", replicas=2))
    assert problems(found) == []
    (info,) = found
    assert info.check == "capacity" and info.object == "nodePools/system"
    steady = Resources(500, 1024 * MIB) + addons(2)
    assert f"3860m CPU / 13674Mi and 70 pods in all; steady requests {steady}" in info.message
    assert "a rollout of chart (+250m CPU / 512Mi)" in info.message


def test_steady_pods_that_do_not_fit_stay_pending() -> None:
    (error,) = findings(workload("web", "500m", "1Gi", replicas=8))
    assert error.severity is Severity.ERROR and error.field == "minSize"
    assert "stay Pending" in error.message and "2 x t3.large allocate 3860m CPU" in error.message


def test_no_room_for_a_rollout_is_an_error() -> None:
    # 10 x 300m fits beside the add-ons (3660m of 3860m); 25 % surge (3 pods) does not.
    found = problems(findings(workload("web", "300m", "64Mi", replicas=10), pools=[pool(nodes=2)]))
    rollout = [f for f in found if "rollout" in f.message]
    assert [f.severity for f in rollout] == [Severity.ERROR]
    assert "not enough for a rollout of chart (+900m CPU / 192Mi)" in rollout[0].message


def test_recreate_and_statefulsets_do_not_surge() -> None:
    recreate = workload("web", "300m", "64Mi", replicas=10, spec={"strategy": {"type": "Recreate"}})
    stateful = workload("db", "300m", "64Mi", replicas=10, kind="StatefulSet")
    rolling = workload("api", "300m", "64Mi", replicas=10)
    cap = capacity.capacity(inventory(recreate, stateful, rolling), context(node_pools=(pool(),)))
    assert cap is not None
    surge = {load.workload: load.surge for load in cap.loads}
    assert (surge["app/Deployment/web"], surge["app/StatefulSet/db"]) == (0, 0)
    assert surge["app/Deployment/api"] == 3  # 25 % of 10, rounded up


def test_one_node_fewer_warns_and_is_an_error_where_the_overcommit_alerts_run() -> None:
    web = workload("web", "250m", "256Mi", replicas=6)  # 1500m + 660m > 1930m
    (warning,) = problems(findings(web))
    assert warning.severity is Severity.WARNING
    assert "more CPU than one node fewer allocates (1930m CPU / 6837Mi)" in warning.message
    (error,) = problems(findings(web, overcommit_rule()))
    assert error.severity is Severity.ERROR
    assert "KubeCPUOvercommit and KubeMemoryOvercommit fire" in error.message
    assert problems(findings(web, overcommit_rule(), pools=[pool(nodes=3)])) == []


def test_a_single_node_has_no_one_node_fewer() -> None:
    # The alerts skip clusters with one node; so does the check.
    assert (
        problems(findings(workload("web", "250m", "256Mi", replicas=3), pools=[pool(nodes=1)]))
        == []
    )


def test_a_pod_larger_than_any_node_never_schedules() -> None:
    found = problems(findings(workload("big", "1900m", "1Gi"), pools=[pool(nodes=3)]))
    assert [f.object for f in found] == ["app/Deployment/big"]
    assert "never schedules" in found[0].message


def test_max_pods_counts_too() -> None:
    (error,) = findings(workload("tiny", "1m", "1Mi", replicas=70))  # 70 + 12 add-on pods
    assert "(82 pods)" in error.message and "(70 pods)" in error.message


def test_daemonsets_run_once_per_node_they_select() -> None:
    everywhere = workload("agent", "100m", "100Mi", kind="DaemonSet")
    gpu_only = workload(
        "gpu-agent",
        "100m",
        "100Mi",
        kind="DaemonSet",
        pod={"nodeSelector": {"mlplat.dev/accelerator": "nvidia"}},
    )
    this_pool = workload(
        "pool-agent",
        "100m",
        "100Mi",
        kind="DaemonSet",
        pod={"nodeSelector": {"mlplat.dev/pool": "system", "kubernetes.io/os": "linux"}},
    )
    cap = capacity.capacity(
        inventory(everywhere, gpu_only, this_pool), context(node_pools=(pool(nodes=3),))
    )
    assert cap is not None
    loads = {load.workload: load for load in cap.loads}
    assert "app/DaemonSet/gpu-agent" not in loads
    assert loads["app/DaemonSet/agent"].pods == loads["app/DaemonSet/pool-agent"].pods == 3
    assert cap.daemons["system"] == Resources(200, 200 * MIB) + addon_daemons()


def test_required_node_affinity_decides_like_a_selector() -> None:
    arm64 = {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}
    arm_only = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [arm64]}]
                }
            }
        }
    }
    pools = (pool(), pool("graviton", ("m7g.large",), nodes=1))
    cap = capacity.capacity(
        inventory(workload("arm", "100m", "1Mi", kind="DaemonSet", pod=arm_only)),
        context(node_pools=pools),
    )
    assert cap is not None
    (load,) = [x for x in cap.loads if x.workload == "app/DaemonSet/arm"]
    assert load.pods == 1


def test_gpu_and_tainted_pools_are_not_the_platforms() -> None:
    gpu = pool("gpu", ("g6.xlarge",), nodes=1)
    tainted = pool("batch", nodes=1, taints=(TaintSpec("team", TaintEffect.NO_SCHEDULE, "x"),))
    preferred = pool("soft", nodes=1, taints=(TaintSpec("x", TaintEffect.PREFER_NO_SCHEDULE),))
    ctx = context(node_pools=(gpu, tainted, preferred, pool()))
    assert [p.pool.name for p in capacity.platform_pools(ctx)] == ["soft", "system"]


def test_jobs_hooks_and_task_pods_are_extra_loads_not_steady_ones() -> None:
    job = workload("migrate", "100m", "512Mi", kind="Job")
    hook = workload("hook", "50m", "64Mi", annotations={"helm.sh/hook": "pre-install"})
    task = {"name": "base", "resources": {"requests": {"cpu": "250m"}}}
    executor = obj(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "airflow-config"},
            "data": {"pod_template_file.yaml": yaml.safe_dump({"spec": {"containers": [task]}})},
        }
    )
    cap = capacity.capacity(inventory(job, hook, executor), context(node_pools=(pool(),)))
    assert cap is not None
    assert cap.steady == addons(2)
    extras = {what: requests for what, requests, _ in cap.extras()}
    assert extras["the first install's Jobs"] == Resources(150, 576 * MIB)
    assert extras["one pod of app/ConfigMap/airflow-config"] == Resources(250, 0)


def operator(*flags: str):
    args = ["--prometheus-config-reloader=quay.io/prometheus-operator/x:v1", *flags]
    return obj(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "operator"},
            "spec": {
                "replicas": 1,
                "template": {"spec": {"containers": [{"name": "operator", "args": args}]}},
            },
        },
        namespace="monitoring",
    )


def prometheus(**spec: Any):
    return obj(
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Prometheus",
            "metadata": {"name": "prometheus"},
            "spec": {"resources": {"requests": {"cpu": "500m", "memory": "2Gi"}}, **spec},
        },
        namespace="monitoring",
    )


@pytest.mark.parametrize(
    ("flags", "reloader"),
    [
        (("--config-reloader-cpu-request=0", "--config-reloader-memory-request=0"), Resources()),
        (("--config-reloader-memory-request=25Mi",), Resources(10, 25 * MIB)),
        ((), Resources(10, 50 * MIB)),  # the operator's own defaults
    ],
)
def test_operator_pods_take_their_resource_and_the_reloader_sidecar(flags, reloader) -> None:
    cap = capacity.capacity(
        inventory(operator(*flags), prometheus(replicas=2)), context(node_pools=(pool(),))
    )
    assert cap is not None
    (load,) = [x for x in cap.loads if x.workload == "monitoring/Prometheus/prometheus"]
    assert (load.pods, load.pod) == (2, Resources(500, 2048 * MIB) + reloader)


def test_a_limit_range_fills_in_missing_requests() -> None:
    bare = obj(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "bare"},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c"}]}}},
        }
    )
    limits = obj(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "defaults"},
            "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "250m"}}]},
        }
    )
    cap = capacity.capacity(inventory(bare, limits), context(node_pools=(pool(),)))
    assert cap is not None
    assert cap.steady == Resources(500, 0) + addons(2)


def test_an_existing_cluster_is_not_checked() -> None:
    assert findings(workload("web", "100m", "1Mi", replicas=500), pools=()) == []


def test_a_type_missing_from_the_table_is_said_not_guessed() -> None:
    (warning,) = findings(workload("web", "100m", "1Mi"), pools=[pool(types=("m7i.huge",))])
    assert warning.severity is Severity.WARNING and "m7i.huge" in warning.message


@needs_charts
@pytest.mark.parametrize("spec", [DEV, PROD], ids=["dev", "prod"])
def test_the_examples_fit_their_pools(spec) -> None:
    report = rendered(spec)
    found = [f for f in report.findings if f.check == "capacity"]
    assert problems(found) == [], problems(found)
    assert [f.severity for f in found] == [Severity.INFO]
    assert report.inventory is not None


@needs_charts
def test_dev_on_two_t3_large_has_no_room_and_fires_the_overcommit_alerts() -> None:
    # The dev example as it was: it holds the steady pods, not an Airflow rollout, and
    # requests more than one node allocates.
    report = rendered(DEV)
    assert report.inventory is not None
    (system,) = load_spec(DEV).spec.node_pools
    assert (system.instance_types, system.initial_size) == (("t3.large",), 3)
    two = replace(system, min_size=2)
    found = problems(list(capacity.check(report.inventory, context(node_pools=(two,)))))
    assert [f.severity for f in found] == [Severity.ERROR, Severity.ERROR]
    assert "not enough for a rollout of airflow (+" in found[0].message
    assert "KubeCPUOvercommit and KubeMemoryOvercommit fire" in found[1].message
