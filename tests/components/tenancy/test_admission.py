"""The admission fences' CEL, evaluated offline against example requests.

``admit`` evaluates a ValidatingAdmissionPolicy the way the API server does once the
request matched its rules (and namespace selector): every matchCondition must hold or
the policy does not apply; variables are computed in order under ``variables``; every
validation must be true, and an evaluation error denies (failurePolicy Fail). The CEL
interpreter is cel-python, which implements the macros the fences use (has, all,
exists) and the standard functions (startsWith, size, in, +).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import celpy
import pytest

from mlplat.components.tenancy import admission
from tests.conftest import STACKS, planned

ENV = celpy.Environment()
ADMIN = {"username": "arn:aws:sts::111122223333:assumed-role/fraud-ml/x",
         "groups": ["mlplat:fraud:admins", "system:authenticated"]}  # fmt: skip
TEAM_SA = {"username": "system:serviceaccount:fraud:workload",
           "groups": ["system:serviceaccounts", "system:serviceaccounts:fraud"]}  # fmt: skip
JOB_CONTROLLER = {"username": "system:serviceaccount:kube-system:job-controller",
                  "groups": ["system:serviceaccounts"]}  # fmt: skip


@cache
def _program(expression: str) -> Any:
    return ENV.program(ENV.compile(expression))


def _evaluate(expression: str, activation: dict[str, Any]) -> Any:
    return _program(expression).evaluate(activation)


def _holds(expression: str, activation: dict[str, Any]) -> bool:
    """True only for a boolean true; false, an error or a non-boolean result deny."""
    try:
        result = _evaluate(expression, activation)
    except celpy.CELEvalError:
        return False
    return isinstance(result, celpy.celtypes.BoolType) and bool(result)


def admit(
    spec: dict[str, Any],
    obj: dict[str, Any],
    old: dict[str, Any] | None = None,
    user: dict[str, Any] = ADMIN,
    namespace: str = "fraud",
) -> list[str]:
    """The messages of the validations that deny; [] when the request is admitted."""
    request = {
        "operation": "UPDATE" if old is not None else "CREATE",
        "namespace": namespace,
        "userInfo": user,
    }
    activation = {
        "object": celpy.json_to_cel(obj),
        "oldObject": celpy.json_to_cel(old),
        "request": celpy.json_to_cel(request),
    }
    for condition in spec.get("matchConditions", ()):
        try:
            applies = _evaluate(condition["expression"], activation)
        except celpy.CELEvalError as error:  # failurePolicy Fail: an error denies
            return [f"matchCondition {condition['name']}: {error}"]
        if not applies:
            return []
    variables: dict[str, Any] = {}
    for variable in spec.get("variables", ()):
        activation["variables"] = celpy.celtypes.MapType(variables)
        variables[celpy.celtypes.StringType(variable["name"])] = _evaluate(
            variable["expression"], activation
        )
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [v["message"] for v in spec["validations"] if not _holds(v["expression"], activation)]


def pod(**spec: Any) -> dict[str, Any]:
    base = {"containers": [{"name": "main", "image": "trainer:1", "resources": {}}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "fraud"},
            "spec": base | spec}  # fmt: skip


GPU_LIMITS = {"limits": {"nvidia.com/gpu": "1"}}
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
JOB_OWNER = {"apiVersion": "batch/v1", "kind": "Job", "name": "admitted", "uid": "u-1",
             "controller": True, "blockOwnerDeletion": True}  # fmt: skip


def with_owner(ref: dict[str, Any]) -> dict[str, Any]:
    obj = pod()
    obj["metadata"]["ownerReferences"] = [ref]
    return obj


OWNER_CASES = [
    ("a pod of the team, no owner", pod(), None, ADMIN, False),
    ("controller ref to an admitted job, by a member", with_owner(JOB_OWNER), None, ADMIN, True),
    ("the same from a team service account", with_owner(JOB_OWNER), None, TEAM_SA, True),
    ("the job controller creating its pod", with_owner(JOB_OWNER), None, JOB_CONTROLLER, False),
    ("a plain (non-controller) ref", with_owner({**JOB_OWNER, "controller": False}), None, ADMIN,
     False),
    ("a member relabelling a pod its job made", with_owner(JOB_OWNER), with_owner(JOB_OWNER), ADMIN,
     False),
    ("a member adding a controller ref on update", with_owner(JOB_OWNER), pod(), ADMIN, True),
]  # fmt: skip
GPU_CASES = [
    ("a GPU pod with the GPU toleration",
     pod(containers=[{"name": "m", "resources": GPU_LIMITS}], tolerations=[GPU_TOLERATION]), False),
    ("a CPU pod with the GPU toleration", pod(tolerations=[GPU_TOLERATION]), True),
    ("a CPU pod tolerating every taint", pod(tolerations=[{"operator": "Exists"}]), True),
    ("a CPU pod tolerating the key for every effect",
     pod(tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists"}]), True),
    ("a CPU pod with another toleration",
     pod(tolerations=[{"key": "example.com/team", "value": "cv", "effect": "NoSchedule"}]), False),
    ("a GPU asked for by an init container",
     pod(initContainers=[{"name": "i", "resources": {"requests": {"nvidia.com/mig-1g.5gb": "1"}}}],
         tolerations=[GPU_TOLERATION]), False),
    ("a CPU pod naming its node", pod(nodeName="ip-10-0-0-1.ec2.internal"), True),
    ("a plain CPU pod", pod(), False),
]  # fmt: skip


@pytest.mark.parametrize(("label", "obj", "old", "user", "denied"), OWNER_CASES,
                         ids=[c[0] for c in OWNER_CASES])  # fmt: skip
def test_owner_references(label, obj, old, user, denied):
    assert bool(admit(admission.OWNER_REFERENCES, obj, old, user)) is denied


@pytest.mark.parametrize(("label", "obj", "denied"), GPU_CASES, ids=[c[0] for c in GPU_CASES])
def test_gpu_nodes(label, obj, denied):
    assert bool(admit(admission.GPU_NODES, obj, user=JOB_CONTROLLER)) is denied


def test_a_bound_pod_is_not_refused_for_its_node_on_update():
    bound = pod(nodeName="ip-10-0-0-1.ec2.internal")
    assert admit(admission.GPU_NODES, bound, old=copy.deepcopy(bound)) == []


@pytest.mark.parametrize(
    ("spec", "denied"),
    [
        ({"type": "ClusterIP", "ports": [{"port": 80}]}, False),
        ({"type": "ClusterIP", "externalIPs": []}, False),
        ({"type": "ClusterIP", "externalIPs": ["10.20.0.10"]}, True),
    ],
)
def test_external_ips(spec, denied):
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec}
    assert bool(admit(admission.EXTERNAL_IPS, service)) is denied


def namespace(labels: dict[str, str] | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "fraud"}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


OWNED = {"mlplat.dev/team": "fraud", "mlplat.dev/team-uid": "aaaa", "x": "1"}


@pytest.mark.parametrize(
    ("label", "new", "old", "denied"),
    [
        ("another label changes", {**OWNED, "x": "2"}, OWNED, False),
        ("another stack's uid", {**OWNED, "mlplat.dev/team-uid": "bbbb"}, OWNED, True),
        (
            "uid removed",
            {k: v for k, v in OWNED.items() if k != "mlplat.dev/team-uid"},
            OWNED,
            True,
        ),
        ("moved to another team", {**OWNED, "mlplat.dev/team": "nlp"}, OWNED, True),
        ("all labels removed", None, OWNED, True),
        ("a namespace that never had one gets one", OWNED, {"x": "1"}, False),
        ("a namespace without labels", {"x": "1"}, None, False),
    ],
)
def test_team_identity(label, new, old, denied):
    assert bool(admit(admission.TEAM_IDENTITY, namespace(new), namespace(old))) is denied


def test_each_fence_is_bound_to_deny_and_team_fences_select_team_namespaces():
    plan = planned(STACKS / "prod.yaml")
    policies = {r.inputs["metadata"]["name"]: r.inputs for r in plan.resources
                if r.type.endswith(":ValidatingAdmissionPolicy")}  # fmt: skip
    bindings = {r.inputs["metadata"]["name"]: r.inputs for r in plan.resources
                if r.type.endswith(":ValidatingAdmissionPolicyBinding")}  # fmt: skip
    # Besides the team fences, Airflow's own (tests/components/services/test_airflow_admission.py).
    assert (
        set(policies)
        == set(bindings)
        == {f.name for f in admission.FENCES} | {"mlplat-airflow-task-pods"}
    )
    for name, binding in bindings.items():
        assert binding["spec"] == {"policyName": name, "validationActions": ["Deny"]}
        assert policies[name]["spec"]["failurePolicy"] == "Fail"
    for fence in ("mlplat-owner-references", "mlplat-gpu-nodes"):
        selector = policies[fence]["spec"]["matchConstraints"]["namespaceSelector"]
        assert selector == {"matchExpressions": [{"key": "mlplat.dev/team", "operator": "Exists"}]}
    # A team namespace's own labels decide whether it matches; the identity fence must see
    # a namespace whose labels an update removes, and the CVE applies to every namespace.
    for fence in ("mlplat-team-identity", "mlplat-external-ips"):
        assert "namespaceSelector" not in policies[fence]["spec"]["matchConstraints"]
