"""Kubernetes access as facts: RBAC rules and bindings, NetworkPolicies, Pod Security."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from mlplat.review.grant import PSS_LEVELS, Grant, listed, peer_covers


def _meta(resource: Mapping[str, Any]) -> tuple[str, str]:
    metadata = (resource.get("inputs") or {}).get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or resource["name"])


def rbac_rule_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, name = _meta(resource)
    kind = "ClusterRole" if resource["type"].endswith(":ClusterRole") else "Role"
    scope = f"{kind} {namespace + '/' if namespace else ''}{name}"
    for rule in (resource.get("inputs") or {}).get("rules") or []:
        for group in listed(rule.get("apiGroups")) or [""]:
            for res in listed(rule.get("resources")) or listed(rule.get("nonResourceURLs")):
                for verb in listed(rule.get("verbs")):
                    names = tuple(sorted(listed(rule.get("resourceNames"))))
                    key = (group, res, verb, names)
                    api = f"{group}/" if group else ""
                    only = f" (only {', '.join(names)})" if names else ""
                    text = f"{verb} {api}{res}{only}"
                    yield Grant("rbac-rule", scope, key, text, resource["name"])


def rbac_rule_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    group, res, verb, names = outer
    i_group, i_res, i_verb, i_names = inner
    return (
        group in ("*", i_group)
        and fnmatchcase(i_res, res)
        and verb in ("*", i_verb)
        and (not names or (set(i_names) <= set(names) and bool(i_names)))
    )


def rbac_binding_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, _ = _meta(resource)
    inputs = resource.get("inputs") or {}
    ref = inputs.get("roleRef") or {}
    role = f"{ref.get('kind', 'Role')} {ref.get('name', '')}"
    where = f"in namespace {namespace}" if namespace else "cluster-wide"
    for subject in inputs.get("subjects") or []:
        who = f"{subject.get('kind', '')} {subject.get('name', '')}"
        if subject.get("namespace"):
            who += f" ({subject['namespace']})"
        key = (namespace, role, who)
        yield Grant(
            "rbac-binding",
            namespace or "(cluster)",
            key,
            f"{who} gets {role} {where}",
            resource["name"],
        )


def _peer_text(peer: Mapping[str, Any]) -> str:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        return str(block.get("cidr")) + (
            f" except {block['except']}" if block.get("except") else ""
        )
    parts = []
    for field in ("namespaceSelector", "podSelector"):
        if field in peer:
            labels = (peer[field] or {}).get("matchLabels") or {}
            text = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "all"
            parts.append(f"{field.removesuffix('Selector')}s {text}")
    return " & ".join(parts) or "any"


def _port_text(port: Mapping[str, Any] | None) -> str:
    if port is None:
        return "all ports"
    number = port.get("port")
    number = int(number) if isinstance(number, float) else number
    end = port.get("endPort")
    span = f"{number}-{int(end)}" if end else f"{number}" if number is not None else "all"
    return f"{port.get('protocol', 'TCP')} {span}"


def netpol_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, _ = _meta(resource)
    spec = (resource.get("inputs") or {}).get("spec") or {}
    selector = json.dumps(spec.get("podSelector") or {}, sort_keys=True)
    pods = "all pods" if selector == "{}" else f"pods {selector}"
    types = listed(spec.get("policyTypes")) or (
        ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]
    )
    for direction, peers_key in (("Ingress", "from"), ("Egress", "to")):
        if direction not in types:
            continue
        rules = spec.get(direction.lower()) or []
        scope = f"namespace {namespace}"
        yield Grant(
            "isolation",
            scope,
            (direction, selector),
            f"{direction.lower()} of {pods} is denied unless allowed",
            resource["name"],
            restricts=True,
        )
        for rule in rules:
            peers = rule.get(peers_key) or [{}]
            ports = rule.get("ports") or [None]
            for peer in peers:
                for port in ports:
                    peer_text = _peer_text(peer) if peer else "anywhere"
                    key = (direction, selector, json.dumps(peer, sort_keys=True), _port_text(port))
                    arrow = "from" if direction == "Ingress" else "to"
                    text = (
                        f"{direction.lower()} of {pods} {arrow} {peer_text} on {_port_text(port)}"
                    )
                    yield Grant("netpol", scope, key, text, resource["name"])


def netpol_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    direction, selector, peer, port = outer
    i_direction, i_selector, i_peer, i_port = inner
    if (direction, selector) != (i_direction, i_selector):
        return False
    if port not in ("all ports", i_port):
        return False
    if peer in ("{}", i_peer):
        return True
    a, b = json.loads(peer), json.loads(i_peer)
    if "ipBlock" in a and "ipBlock" in b and not a["ipBlock"].get("except"):
        return peer_covers(str(a["ipBlock"].get("cidr")), str(b["ipBlock"].get("cidr")))
    return False


def namespace_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    _, name = _meta(resource)
    labels = (((resource.get("inputs") or {}).get("metadata") or {}).get("labels")) or {}
    level = str(labels.get("pod-security.kubernetes.io/enforce", "privileged"))
    if level != "restricted":
        yield Grant(
            "pod-security",
            f"namespace {name}",
            (PSS_LEVELS.index(level) if level in PSS_LEVELS else 2,),
            f"pods may run at Pod Security {level}",
            resource["name"],
        )


def ordered_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    """For leveled facts where a higher value permits more (PSS) or enforces more."""
    return outer[0] >= inner[0]


def admission_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    """A ValidatingAdmissionPolicyBinding that denies: a fence (what its policy checks
    is CEL, which the review does not judge; losing the binding opens the fence)."""
    spec = (resource.get("inputs") or {}).get("spec") or {}
    if "Deny" in listed(spec.get("validationActions")):
        policy = str(spec.get("policyName", resource["name"]))
        yield Grant(
            "admission",
            "admission fences",
            (policy,),
            f"{policy} denies the requests its policy refuses",
            resource["name"],
            restricts=True,
        )
