"""Helm releases. A helm.v3.Release is one opaque resource to CrossGuard: the objects the
chart renders are never shown to the workload controls. So the pack knows the charts
mlplat installs and checks what can be seen, their values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import dig

RELEASE = "kubernetes:helm.sh/v3:Release"
CREDENTIAL_KEYS = {
    "password", "adminpassword", "rootpassword", "secretkey", "fernetkey", "apisecretkey",
    "webserversecretkey", "jwtsecret", "clientsecret", "token", "authtoken", "accesskey",
}  # fmt: skip


@dataclass(frozen=True)
class Must:
    path: str
    """Dotted values path."""
    why: str
    value: Any = None
    """The required value; None means "set to anything non-empty"."""
    unless_off: str | None = None
    """Skip when this values path is false (the part is not installed)."""


OWN_DATABASE = "the bundled database has no backups; use the platform database"
CHARTS: dict[str, tuple[Must, ...]] = {
    "airflow": (
        Must("postgresql.enabled", OWN_DATABASE, False),
        Must("createUserJob.enabled", "the chart's user job creates admin/admin", False),
        Must("securityContexts.pod", "the chart's pods run without a pod security context"),
        Must("securityContexts.containers", "the chart's containers keep their capabilities"),
        Must("multiNamespaceMode", "the scheduler would launch pods in every namespace", False),
        Must("allowJobLaunching", "tasks would launch Jobs, whose pods escape the task-pod "
             "fence", False),
        Must("allowPodLaunching", "the chart binds pod creation, exec and deletion to the "
             "task and triggerer accounts; mlplat binds its own Role as needed", False),
    ),
    "mlflow": (
        Must("postgresql.enabled", OWN_DATABASE, False),
        Must("mysql.enabled", OWN_DATABASE, False),
        Must("podSecurityContext", "the chart's pod runs without a pod security context"),
        Must("securityContext", "the chart's container keeps its capabilities"),
    ),
    "feast-feature-server": (
        Must("podSecurityContext", "the chart's pod runs without a pod security context"),
        Must("securityContext", "the chart's container keeps its capabilities"),
    ),
    "kube-prometheus-stack": (
        Must("grafana.admin.existingSecret", "Grafana otherwise gets the chart's default "
             "admin password", unless_off="grafana.enabled"),
    ),
    "cluster-autoscaler": (
        Must("securityContext", "the chart's pod runs without a pod security context"),
        Must("containerSecurityContext", "the chart's container keeps its capabilities"),
    ),
    "kueue": (
        Must("controllerManager.manager.image.tag", "the chart's image tag follows the chart"),
        Must("controllerManager.manager.podSecurityContext.runAsNonRoot",
             "the controller must not run as root", True),
        Must("controllerManager.manager.containerSecurityContext.allowPrivilegeEscalation",
             "the controller must not escalate privileges", False),
    ),
    "nvidia-device-plugin": (
        Must("deviceListStrategy", "with envvar any pod can take every GPU of its node "
             "through NVIDIA_VISIBLE_DEVICES", "volume-mounts"),
    ),
    # These charts ship hardened defaults (or need host access by design).
    "dcgm-exporter": (),
    "aws-load-balancer-controller": (),
    "aws-efa-k8s-device-plugin": (),
}  # fmt: skip
"""What each chart mlplat installs needs in its values to be secure."""


def _chart_name(props: Any) -> str:
    """The chart's name, also for an OCI reference (oci://host/path/<name>)."""
    return str(props.get("chart")).rsplit("/", 1)[-1]


def _visibility(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    chart = _chart_name(args.props)
    if chart not in set(settings["allowedReleases"]):
        report(
            f"chart {chart!r} renders objects no policy can see; install it with "
            "kubernetes.helm.v4.Chart, or review its values and add it to allowedReleases"
        )


def _walk(values: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of every leaf worth checking; unknown unrelated subtrees are skipped."""
    if not isinstance(values, Mapping):
        return
    for key in values:
        here = f"{path}.{key}" if path else str(key)
        relevant = str(key).lower() in CREDENTIAL_KEYS or key in ("tag", "image")
        try:
            value = values[key]
        except UnknownValueError:
            if relevant:
                raise
            continue
        if isinstance(value, Mapping):
            yield from _walk(value, here)
        elif relevant:
            yield here, str(key), value


def _hardened(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if not args.props.get("version"):
        report("no chart version: every install can pull a different chart")
    values = args.props.get("values") or {}
    for path, key, value in _walk(values):
        if key == "tag" and str(value) == "latest":
            report(f"{path} is latest; pin the image tag")
        elif (
            key == "image"
            and isinstance(value, str)
            and (value.endswith(":latest") or ":" not in value.rsplit("/", 1)[-1])
        ):
            report(f"{path} {value!r} is not pinned to a tag")
        elif key.lower() in CREDENTIAL_KEYS and isinstance(value, str) and value:
            report(f"{path} holds a credential in plain values; reference a Secret instead")
    for must in CHARTS.get(_chart_name(args.props), ()):
        if must.unless_off and dig(values, must.unless_off) is False:
            continue
        found = dig(values, must.path)
        ok = found == must.value if must.value is not None else bool(found)
        if not ok:
            wanted = (
                f"must be {str(must.value).lower()}" if must.value is not None else "must be set"
            )
            report(f"{must.path} {wanted}: {must.why}")


CONTROLS = [
    Control(
        "helm-release-visibility",
        "Helm releases are of charts whose values the pack knows how to check.",
        frozenset({RELEASE}),
        ("pulumi-helm-resource-choice",),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Install unknown charts with kubernetes.helm.v4.Chart so the workload controls see "
        "their objects, or review the chart and add it to allowedReleases.",
        _visibility,
        settings={
            "allowedReleases": {
                "type": "array",
                "items": {"type": "string"},
                "default": sorted(CHARTS),
                "description": "Chart names whose releases are accepted.",
            }
        },
    ),
    Control(
        "helm-values-hardened",
        "Chart values pin versions and images, hold no credentials, set security contexts "
        "and turn bundled databases off.",
        frozenset({RELEASE}),
        ("CKV_K8S_14", "CKV_K8S_35", "PSS-restricted"),
        Severity.HIGH,
        Level.MANDATORY,
        "Pin chart versions in components/charts.py; pass credentials as Secret names "
        "(mlplat's GeneratedSecret); keep the chart's security contexts and use the "
        "platform database (`database`).",
        _hardened,
    ),
]
