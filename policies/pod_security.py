"""Kubernetes Pod Security Standards (baseline and restricted) on every workload kind.

Each check reads the pod spec the way pod-security-admission does: the pod-level
securityContext, then each container's, a container value overriding the pod's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import POD, WORKLOADS, as_list, containers, label, pod_spec

PSS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
}  # fmt: skip


def _pod(args: Any) -> Mapping[str, Any]:
    return pod_spec(args.resource_type, args.props)


def _contexts(pod: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    for container in containers(pod):
        yield container, container.get("securityContext") or {}


def _effective(pod: Mapping[str, Any], context: Mapping[str, Any], key: str) -> Any:
    value = context.get(key)
    return (pod.get("securityContext") or {}).get(key) if value is None else value


def _privileged(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for container, context in _contexts(_pod(args)):
        if context.get("privileged") is True:
            report(f"{label(container)} is privileged")


def _host_namespaces(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    pod = _pod(args)
    if shared := [k for k in ("hostNetwork", "hostPID", "hostIPC") if pod.get(k) is True]:
        report(f"the pod shares the node's namespaces: {', '.join(shared)}")


def _host_path(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for volume in as_list(_pod(args).get("volumes")):
        if volume.get("hostPath"):
            report(
                f"volume {volume.get('name')!r} mounts host path {volume['hostPath'].get('path')}"
            )


def _host_ports(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for container in containers(_pod(args)):
        for port in as_list(container.get("ports")):
            if port.get("hostPort"):
                report(f"{label(container)} binds host port {float(port['hostPort']):g}")


def _capabilities(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    for container, context in _contexts(_pod(args)):
        added = {str(c) for c in as_list((context.get("capabilities") or {}).get("add"))}
        if extra := sorted(added - BASELINE_CAPABILITIES):
            report(f"{label(container)} adds capabilities {', '.join(extra)}")


def _baseline_misc(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    pod = _pod(args)
    pod_context = pod.get("securityContext") or {}
    for context, where in [(pod_context, "the pod"), *((c, label(k)) for k, c in _contexts(pod))]:
        if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
            report(f"{where} runs seccomp Unconfined")
        if (context.get("appArmorProfile") or {}).get("type") == "Unconfined":
            report(f"{where} runs AppArmor Unconfined")
        selinux = context.get("seLinuxOptions") or {}
        if (
            selinux.get("user")
            or selinux.get("role")
            or selinux.get("type", "") not in SELINUX_TYPES
        ):
            report(f"{where} sets a custom SELinux user, role or type")
        if context.get("procMount") not in (None, "Default"):
            report(f"{where} unmasks /proc")
        if (context.get("windowsOptions") or {}).get("hostProcess") is True:
            report(f"{where} is a Windows host process")
    for sysctl in as_list(pod_context.get("sysctls")):
        if sysctl.get("name") not in SAFE_SYSCTLS:
            report(f"the pod sets unsafe sysctl {sysctl.get('name')}")


def _restricted(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    pod = _pod(args)
    for container, context in _contexts(pod):
        who = label(container)
        if context.get("allowPrivilegeEscalation") is not False:
            report(f"{who} does not set allowPrivilegeEscalation: false")
        if _effective(pod, context, "runAsNonRoot") is not True:
            report(f"{who} may run as root (runAsNonRoot is not true)")
        user = _effective(pod, context, "runAsUser")
        if user is not None and float(user) == 0:
            report(f"{who} runs as UID 0")
        seccomp = (_effective(pod, context, "seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            report(f"{who} has no RuntimeDefault or Localhost seccomp profile")
        caps = context.get("capabilities") or {}
        if "ALL" not in as_list(caps.get("drop")):
            report(f"{who} does not drop ALL capabilities")
        if extra := [c for c in as_list(caps.get("add")) if c != "NET_BIND_SERVICE"]:
            report(f"{who} adds {', '.join(map(str, extra))}")
    for volume in as_list(pod.get("volumes")):
        kinds = [k for k in volume if k != "name"]
        if bad := [k for k in kinds if k not in RESTRICTED_VOLUMES]:
            report(f"volume {volume.get('name')!r} is of type {', '.join(bad)}")


def _baseline(id_: str, description: str, anchors: tuple[str, ...], severity: Severity,
              level: Level, remediation: str, rule: Any) -> Control:  # fmt: skip
    return Control(id_, description, WORKLOADS, anchors, severity, level, remediation, rule)


EXEMPT_HINT = (
    "If the workload truly needs it (a node agent), exempt it under `policy.exemptions` "
    "with a reason."
)
CONTROLS = [
    _baseline(
        "k8s-no-privileged",
        "No container runs privileged.",
        ("PSS-baseline-privileged", "CKV_K8S_16", "CIS-EKS-4.2.1"),
        Severity.CRITICAL,
        Level.MANDATORY,
        f"Remove privileged: true. {EXEMPT_HINT}",
        _privileged,
    ),
    _baseline(
        "k8s-no-host-namespaces",
        "No pod shares the node's network, PID or IPC namespace.",
        ("PSS-baseline-hostNamespaces", "CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"),
        Severity.HIGH,
        Level.MANDATORY,
        f"Remove hostNetwork/hostPID/hostIPC. {EXEMPT_HINT}",
        _host_namespaces,
    ),
    _baseline(
        "k8s-no-hostpath",
        "No pod mounts a host path.",
        ("PSS-baseline-hostPathVolumes", "CKV_K8S_27"),
        Severity.HIGH,
        Level.MANDATORY,
        f"Use emptyDir, a PVC or a projected volume. {EXEMPT_HINT}",
        _host_path,
    ),
    _baseline(
        "k8s-no-host-ports",
        "No container binds a host port.",
        ("PSS-baseline-hostPorts", "CKV_K8S_26"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Expose the port through a Service instead of hostPort.",
        _host_ports,
    ),
    _baseline(
        "k8s-capabilities-baseline",
        "Containers add no capability beyond the baseline set.",
        ("PSS-baseline-capabilities", "CKV_K8S_25", "CKV_K8S_39"),
        Severity.HIGH,
        Level.MANDATORY,
        f"Drop the added capability. {EXEMPT_HINT}",
        _capabilities,
    ),
    _baseline(
        "k8s-pss-baseline-misc",
        "No Unconfined seccomp or AppArmor, custom SELinux, unmasked /proc, unsafe sysctl "
        "or host process.",
        (
            "PSS-baseline-seccomp",
            "PSS-baseline-appArmor",
            "PSS-baseline-seLinux",
            "PSS-baseline-procMount",
            "PSS-baseline-sysctls",
            "PSS-baseline-hostProcess",
        ),
        Severity.HIGH,
        Level.MANDATORY,
        "Use the RuntimeDefault profiles and the default /proc mount.",
        _baseline_misc,
    ),
    Control(
        "k8s-pss-restricted",
        "Workloads meet Pod Security restricted: non-root, no escalation, RuntimeDefault "
        "seccomp, ALL capabilities dropped, only safe volume types.",
        WORKLOADS,
        (
            "PSS-restricted",
            "CKV_K8S_20",
            "CKV_K8S_23",
            "CKV_K8S_28",
            "CKV_K8S_31",
            "CKV_K8S_37",
            "CKV_K8S_40",
            "CIS-EKS-4.2.5",
        ),
        Severity.HIGH,
        Level.ADVISORY,
        "Set the restricted security contexts (mlplat's own workloads use "
        "components/services/kube.py's restricted_pod and RESTRICTED_CONTAINER).",
        _restricted,
        prod_level=Level.MANDATORY,
    ),
]


_LEVEL_RULES = {
    "privileged": (),
    "baseline": (
        _privileged,
        _host_namespaces,
        _host_path,
        _host_ports,
        _capabilities,
        _baseline_misc,
    ),
}
_LEVEL_RULES["restricted"] = (*_LEVEL_RULES["baseline"], _restricted)


@dataclass(frozen=True)
class _PodArgs:
    props: Mapping[str, Any]
    resource_type: str = POD


def pss_violations(pod: Mapping[str, Any], level: str) -> list[str]:
    """What Pod Security admission at ``level`` would refuse in a pod spec, rule by rule
    (the same rules these controls apply); an unknown level is treated as restricted."""
    found: list[str] = []
    rules = _LEVEL_RULES.get(level, _LEVEL_RULES["restricted"])
    for rule in rules:
        rule(_PodArgs({"spec": pod}), lambda message, urn=None: found.append(message), {})
    return found
