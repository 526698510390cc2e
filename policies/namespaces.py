"""Namespaces: Pod Security admission labels and default-deny network policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import WORKLOADS, as_list, dig, namespace_of

NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RELEASE = "kubernetes:helm.sh/v3:Release"
ENFORCE = "pod-security.kubernetes.io/enforce"


def _psa_labels(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    level = (dig(args.props, "metadata.labels") or {}).get(ENFORCE)
    if level not in ("baseline", "restricted"):
        found = f"enforce={level}" if level else f"no {ENFORCE} label"
        report(f"namespace admits any pod ({found})")


def is_default_deny(props: Any) -> bool:
    """Selects every pod, for ingress and egress, and allows nothing."""
    spec = props.get("spec") or {}
    types = set(as_list(spec.get("policyTypes")))
    return (
        not (spec.get("podSelector") or {}).get("matchLabels")
        and not (spec.get("podSelector") or {}).get("matchExpressions")
        and {"Ingress", "Egress"} <= types
        and not as_list(spec.get("ingress"))
        and not as_list(spec.get("egress"))
    )


def _namespace_of_workload(resource: Any) -> str | None:
    if resource.resource_type == RELEASE:
        return resource.props.get("namespace")
    return namespace_of(resource.props)


def _default_deny(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    denied = {
        namespace_of(r.props)
        for r in args.resources
        if r.resource_type == NETWORK_POLICY and is_default_deny(r.props)
    }
    busy = {
        _namespace_of_workload(r)
        for r in args.resources
        if r.resource_type in WORKLOADS or r.resource_type == RELEASE
    }
    for namespace in (r for r in args.resources if r.resource_type == NAMESPACE):
        name = dig(namespace.props, "metadata.name") or namespace.name
        if name in busy and name not in denied:
            report(
                f"namespace {name} runs workloads without a default-deny NetworkPolicy",
                namespace.urn,
            )


CONTROLS = [
    Control(
        "k8s-namespace-psa-labels",
        "Namespaces enforce Pod Security baseline or restricted.",
        frozenset({NAMESPACE}),
        ("CIS-EKS-4.2", "EKS-BPG-multiple-PSA-modes", "Kyverno-psa"),
        Severity.HIGH,
        Level.ADVISORY,
        "mlplat labels its namespaces; a namespace that must be privileged (node agents) is "
        "exempted with its reason.",
        _psa_labels,
    ),
    Control(
        "k8s-default-deny-netpol",
        "Every namespace that runs workloads has a default-deny NetworkPolicy "
        "(ingress and egress).",
        frozenset({NAMESPACE, NETWORK_POLICY, RELEASE, *WORKLOADS}),
        ("CIS-EKS-4.3.2", "CKV2_K8S_6", "EKS-BPG-default-deny"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "Add a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress], then "
        "allow the flows the namespace needs.",
        _default_deny,
        stack=True,
    ),
]
