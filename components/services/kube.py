"""Small Kubernetes building blocks the service components share.

Namespaces carry a Pod Security Admission level chosen by the component that owns the
namespace, with the reason next to it; security contexts meet the Pod Security
``restricted`` profile; Helm releases always come from the pinned chart table.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.charts import CHARTS


class PodSecurity(enum.StrEnum):
    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


MANAGED_BY = {"app.kubernetes.io/managed-by": "mlplat"}


def namespace(
    name: str,
    level: PodSecurity,
    *,
    provider: pulumi.ProviderResource | None,
    parent: pulumi.Resource,
    labels: Mapping[str, pulumi.Input[str]] | None = None,
    protect: bool = False,
) -> k8s.core.v1.Namespace:
    """A namespace whose Pod Security level is enforced, audited and warned on.

    ``labels`` adds labels (a team's, which its queue and network policies select on).
    ``protect`` protects it and keeps it in the cluster when it leaves the program (a team
    namespace in production holds the team's jobs, volumes and Secrets).
    """
    labels = {
        **(labels or {}),
        **MANAGED_BY,
        **{
            f"pod-security.kubernetes.io/{mode}": str(level)
            for mode in ("enforce", "audit", "warn")
        },
    }
    return k8s.core.v1.Namespace(
        f"{name}-ns",
        metadata={"name": name, "labels": labels},
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            protect=protect or None,
            retain_on_delete=protect or None,
        ),
    )


def service_account(
    name: str,
    account: str,
    namespace: pulumi.Input[str],
    annotations: pulumi.Input[Mapping[str, str]],
    opts: pulumi.ResourceOptions,
    *,
    api_token: bool,
) -> k8s.core.v1.ServiceAccount:
    """A service account carrying a workload identity's annotations (none off AWS).

    ``api_token`` says whether its pods get a Kubernetes API token when they do not say
    (only pods that call the API need one; IRSA and Pod Identity project their own).
    """
    return k8s.core.v1.ServiceAccount(
        name,
        metadata={
            "name": account,
            "namespace": namespace,
            "labels": MANAGED_BY,
            "annotations": annotations,
        },
        automount_service_account_token=None if api_token else False,
        opts=opts,
    )


def restricted_pod(uid: int, gid: int | None = None, fs_group: int | None = None) -> dict[str, Any]:
    """A pod security context that passes Pod Security ``restricted``."""
    context: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if gid is not None:
        context["runAsGroup"] = gid
    if fs_group is not None:
        context["fsGroup"] = fs_group
    return context


RESTRICTED_CONTAINER: Mapping[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""A container security context that passes Pod Security ``restricted``."""


def resources(cpu: str, memory: str, limit_memory: str | None = None) -> dict[str, Any]:
    """Requests (and a memory limit, never a CPU limit: CPU limits only add throttling)."""
    return {
        "requests": {"cpu": cpu, "memory": memory},
        "limits": {"memory": limit_memory or memory},
    }


def merge_values(values: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides`` over ``values`` as Helm merges values files: maps merge key by key;
    anything else (a list, a scalar, null) replaces what was there. A map whose value is
    known only after apply (a workload role's annotations) is merged once it is known."""
    merged = dict(values)
    for key, value in overrides.items():
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _merge(ours: Any, theirs: Any) -> Any:
    if not isinstance(theirs, Mapping):
        return theirs
    if isinstance(ours, Mapping):
        return merge_values(ours, theirs)
    if isinstance(ours, pulumi.Output):
        return ours.apply(lambda known: _merge(known, theirs))
    return theirs


def release(
    name: str,
    chart: str,
    *,
    namespace: pulumi.Input[str],
    values: Mapping[str, Any],
    version: str | None,
    provider: pulumi.ProviderResource | None,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    overrides: Mapping[str, Any] | None = None,
) -> k8s.helm.v3.Release:
    """A Helm release of a pinned chart (``version`` overrides the pin; ``overrides``,
    the spec's ``values``, are merged last into ``values``).

    helm.v3.Release, not a templated Chart: Airflow and MLflow rely on Helm hooks and
    ``lookup``, and operators keep ``helm list`` and ``helm rollback``.
    """
    pinned = CHARTS[chart]
    oci = pinned.repo.startswith("oci://")
    return k8s.helm.v3.Release(
        name,
        name=name,
        chart=f"{pinned.repo}/{pinned.name}" if oci else pinned.name,
        version=version or pinned.version,
        repository_opts=None if oci else {"repo": pinned.repo},
        namespace=namespace,
        values=merge_values(values, overrides or {}),
        cleanup_on_fail=True,
        max_history=10,
        timeout=900,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)),
    )


def cluster_provider(component: pulumi.Resource) -> pulumi.ProviderResource | None:
    """The Kubernetes provider a component was given (``providers`` in its resource
    options), for the children it names explicitly; None means the default provider."""
    return component.get_provider("kubernetes::")
