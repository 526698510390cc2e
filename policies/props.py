"""Reading engine-shaped properties: Mapping/Sequence proxies, float numbers, string booleans.

Nothing here catches UnknownValueError: a value unknown before apply must surface as
"cannot evaluate", never as a pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

SECRET_MARKER = "[secret]"
"""What the offline plan shows for a secret value; its content cannot be inspected."""


def as_list(value: Any) -> list[Any]:
    """A property that may be absent, a single value, or a list."""
    if value is None:
        return []
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def truthy(value: Any) -> bool:
    """AWS inputs carry some booleans as strings ("true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def dig(props: Any, path: str, default: Any = None) -> Any:
    """``props["a"]["b"]`` for path "a.b", or ``default`` where a step is missing."""
    value = props
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    return value


def document(value: Any, where: str) -> Mapping[str, Any]:
    """A policy document given as a JSON string or a mapping."""
    if isinstance(value, Mapping):
        return value
    if value == SECRET_MARKER:
        raise UnknownValueError(UNKNOWN_STRING_VALUE, [where])
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping)]


def principals(statement: Mapping[str, Any], kind: str | None = None) -> list[str]:
    """Principal values; ``"*"`` stands for everyone."""
    principal = statement.get("Principal")
    if principal is None:
        return []
    if isinstance(principal, str):
        return [principal]
    kinds = [kind] if kind else list(principal)
    return [p for k in kinds for p in as_list(principal.get(k))]


def is_public_allow(statement: Mapping[str, Any]) -> bool:
    """An Allow to everyone that no Condition narrows."""
    return (
        statement.get("Effect") == "Allow"
        and "*" in principals(statement)
        and not statement.get("Condition")
    )


def report_public_statements(props: Any, report: Any) -> None:
    """Report each statement of the ``policy`` input that lets anyone in unconditionally."""
    for statement in statements(document(props.get("policy"), "policy")):
        if is_public_allow(statement):
            sid = statement.get("Sid") or "(no Sid)"
            report(f"statement {sid} allows anyone without a condition")


# --- Kubernetes workloads -------------------------------------------------------------

POD = "kubernetes:core/v1:Pod"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD_TEMPLATE = "kubernetes:core/v1:PodTemplate"
WORKLOADS = frozenset(
    {
        POD,
        POD_TEMPLATE,
        CRON_JOB,
        "kubernetes:core/v1:ReplicationController",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:apps/v1:ReplicaSet",
        "kubernetes:batch/v1:Job",
    }
)
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def pod_spec(resource_type: str, props: Any) -> Mapping[str, Any]:
    if resource_type == POD:
        path = "spec"
    elif resource_type == POD_TEMPLATE:
        path = "template.spec"
    elif resource_type == CRON_JOB:
        path = "spec.jobTemplate.spec.template.spec"
    else:
        path = "spec.template.spec"
    spec = dig(props, path, {})
    return spec if isinstance(spec, Mapping) else {}


def containers(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in CONTAINER_LISTS:
        for container in as_list(pod.get(key)):
            if isinstance(container, Mapping):
                yield container


def label(container: Mapping[str, Any]) -> str:
    return f"container {container.get('name', '?')!r}"


def namespace_of(props: Any) -> str | None:
    return dig(props, "metadata.namespace")


def quantity(value: Any) -> float | None:
    """A Kubernetes integer-or-string quantity as a number; None if it is not plain."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
