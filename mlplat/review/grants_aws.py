"""AWS network and exposure as facts: security-group rules, public endpoints, EKS access."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlplat.review.grant import Grant, listed, peer_covers


def _ports_cover(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def rule_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    direction, protocol, ports, peer = outer
    i_direction, i_protocol, i_ports, i_peer = inner
    return (
        direction == i_direction
        and protocol in ("-1", "all", i_protocol)
        and _ports_cover(ports, i_ports)
        and peer_covers(peer, i_peer)
    )


def _port_range(rule: Mapping[str, Any]) -> tuple[int, int]:
    protocol = str(rule.get("ipProtocol") or rule.get("protocol") or "-1")
    if protocol in ("-1", "all"):
        return (0, 65535)
    low, high = rule.get("fromPort"), rule.get("toPort")
    low = int(low) if low is not None else 0
    high = int(high) if high is not None else 65535
    return (low, high) if low >= 0 else (0, 65535)


def _rule_text(key: tuple[Any, ...]) -> str:
    direction, protocol, (low, high), peer = key
    ports = (
        "all ports" if (low, high) == (0, 65535) else f"{low}" if low == high else f"{low}-{high}"
    )
    proto = "all protocols" if protocol in ("-1", "all") else protocol
    arrow = "from" if direction == "ingress" else "to"
    return f"{direction} {proto} {ports} {arrow} {peer}"


def sg_rule_grants(resource: Mapping[str, Any], direction: str) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    protocol = str(inputs.get("ipProtocol", "-1"))
    for peer_key in ("cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"):
        if inputs.get(peer_key):
            key = (direction, protocol, _port_range(inputs), str(inputs[peer_key]))
            yield Grant(
                "network-rule",
                str(inputs.get("securityGroupId", "")),
                key,
                _rule_text(key),
                resource["name"],
            )


def sg_inline_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    for direction in ("ingress", "egress"):
        for rule in inputs.get(direction) or []:
            protocol = str(rule.get("protocol", "-1"))
            peers = [
                *listed(rule.get("cidrBlocks")),
                *listed(rule.get("ipv6CidrBlocks")),
                *listed(rule.get("securityGroups")),
                *listed(rule.get("prefixListIds")),
                *(["self"] if rule.get("self") else []),
            ]
            for peer in peers:
                key = (direction, protocol, _port_range(rule), peer)
                yield Grant(
                    "network-rule", resource["name"], key, _rule_text(key), resource["name"]
                )


def eks_cluster_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    vpc = (resource.get("inputs") or {}).get("vpcConfig") or {}
    if vpc.get("endpointPublicAccess", True):
        for cidr in listed(vpc.get("publicAccessCidrs")) or ["0.0.0.0/0"]:
            yield Grant(
                "public-endpoint",
                "EKS API",
                ("public", cidr),
                f"Kubernetes API reachable from {cidr}",
                resource["name"],
            )


def public_endpoint_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    return outer[0] == inner[0] and peer_covers(str(outer[1]), str(inner[1]))


def flag_grants(
    kind: str, field: str, text: str, when: Any = True
) -> Callable[..., Iterator[Grant]]:
    def extract(resource: Mapping[str, Any]) -> Iterator[Grant]:
        if (resource.get("inputs") or {}).get(field) == when:
            yield Grant(kind, resource["name"], (field,), text, resource["name"])

    return extract


def public_access_block_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        if not inputs.get(flag):
            yield Grant(
                "public-endpoint",
                f"bucket {inputs.get('bucket', resource['name'])}",
                ("s3", flag),
                f"{flag} is off",
                resource["name"],
            )


def access_entry_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    principal = str(inputs.get("principalArn", ""))
    groups = tuple(sorted(listed(inputs.get("kubernetesGroups"))))
    text = f"{principal} may sign in to the cluster" + (
        f" as groups {', '.join(groups)}" if groups else ""
    )
    yield Grant(
        "eks-access",
        "EKS cluster",
        (principal, str(inputs.get("type", "STANDARD")), groups),
        text,
        resource["name"],
    )


def access_policy_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    scope = inputs.get("accessScope") or {}
    where = (
        "cluster-wide"
        if scope.get("type") == "cluster"
        else f"in {', '.join(listed(scope.get('namespaces')))}"
    )
    policy = str(inputs.get("policyArn", "")).rsplit("/", 1)[-1]
    key = (str(inputs.get("principalArn", "")), policy, where)
    yield Grant(
        "eks-access", "EKS cluster", key, f"{key[0]} gets {policy} {where}", resource["name"]
    )


def public_load_balancer_grants(plan: Mapping[str, Any]) -> Iterator[Grant]:
    """Internet-facing ALBs requested through ingress annotations in any input."""
    for resource in plan.get("resources", []):
        for value in _annotations(resource.get("inputs") or {}):
            if value.get("alb.ingress.kubernetes.io/scheme") == "internet-facing":
                group = value.get("alb.ingress.kubernetes.io/group.name", resource["name"])
                yield Grant(
                    "public-endpoint",
                    f"load balancer {group}",
                    ("internet-facing",),
                    "internet-facing load balancer",
                    resource["name"],
                )


def _annotations(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        if "alb.ingress.kubernetes.io/scheme" in value:
            yield value
        for item in value.values():
            yield from _annotations(item)
    elif isinstance(value, list):
        for item in value:
            yield from _annotations(item)
