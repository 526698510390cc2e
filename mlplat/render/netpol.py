"""NetworkPolicy semantics: is a connection from one peer to another allowed?

A pod is isolated for a direction when a policy of that type selects it; then only what
some selecting policy's rules admit is allowed. A connection needs the source's egress
and the target's ingress. Pods of a team may carry any labels their team chooses, so a
team pod is tested as the most permissive labels could make it ("any pod"), while the
pods mlplat and the charts run carry exactly their template's labels.

Answers are ``open``, ``closed`` or ``partial`` (an address block that covers some of the
peer's addresses but not all).

On EKS the VPC CNI's policy agent judges egress before a Service address is translated,
and its controller (aws/amazon-network-policy-controller-k8s, pkg/resolvers/endpoints.go)
adds a Service's cluster IP to a rule only when the rule's pod selector selects the
Service's own selector. So for a flow through a Service, a narrower selector is closed and
an ipBlock must cover the Service range. The controller also drops named ports from an
egress rule's ipBlock peers (and from a rule with no peers): it resolves names only on
pods. Such a port is closed everywhere here, so a policy that passes locally holds on EKS
too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlplat.render.objects import Inventory, K8sObject
from mlplat.render.pods import namespace_labels, selects

OPEN, CLOSED, PARTIAL = "open", "closed", "partial"


@dataclass(frozen=True)
class Port:
    """A destination port: its number, name on the target container (if any), protocol.
    ``number`` None means "any port" (for flows that must be closed on every port)."""

    number: int | None
    name: str | None = None
    protocol: str = "TCP"

    def __str__(self) -> str:
        if self.number is None:
            return "any"
        return f"{self.number}/{self.protocol}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class Peer:
    """A pod (namespace and labels) or a set of addresses outside the pod network."""

    label: str
    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    cidrs: tuple[str, ...] = ()
    any_labels: bool = False
    """The pod's labels are chosen by whoever runs it (a team's pods)."""
    host_network: bool = False
    """Runs in the node's network namespace: no NetworkPolicy applies to it."""

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None


class Policies:
    """The NetworkPolicies of an inventory, indexed by namespace."""

    def __init__(
        self,
        inventory: Inventory,
        pod_cidrs: Sequence[str] = (),
        service_cidrs: Sequence[str] = (),
    ) -> None:
        """``pod_cidrs``: where pods take addresses (empty: unknown, an ipBlock admits no
        pod); ``service_cidrs``: the Service range when egress is judged before the
        Service address is translated (EKS), else empty."""
        self.inventory = inventory
        self.pod_cidrs = tuple(pod_cidrs)
        self.service_cidrs = tuple(service_cidrs)
        self.by_namespace: dict[str, list[K8sObject]] = {}
        for policy in inventory.of_kind("NetworkPolicy"):
            self.by_namespace.setdefault(policy.namespace or "", []).append(policy)
        self._ns_labels: dict[str, dict[str, str]] = {}

    def ns_labels(self, namespace: str) -> dict[str, str]:
        if namespace not in self._ns_labels:
            self._ns_labels[namespace] = namespace_labels(self.inventory, namespace)
        return self._ns_labels[namespace]

    def connection(
        self, source: Peer, target: Peer, port: Port, via: Mapping[str, str] | None = None
    ) -> str:
        """Whether ``source`` may open ``port`` on ``target``; ``via`` is the selector of
        the Service the source dials, for a flow through one."""
        egress = self._direction(source, target, port, "Egress", via) if source.is_pod else OPEN
        ingress = self._direction(target, source, port, "Ingress") if target.is_pod else OPEN
        return _both(egress, ingress)

    def _direction(
        self,
        pod: Peer,
        other: Peer,
        port: Port,
        kind: str,
        via: Mapping[str, str] | None = None,
    ) -> str:
        if pod.host_network:
            return OPEN
        selecting = [
            p
            for p in self.by_namespace.get(pod.namespace or "", [])
            if kind in _types(p) and self._selects_pod(p, pod)
        ]
        if not selecting:
            return OPEN
        if pod.any_labels and not any(_selects_everything(p) for p in selecting):
            return OPEN  # labels that no policy selects leave the pod unisolated
        key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
        service = via if self.service_cidrs else None
        blocks: list[Mapping[str, Any]] = []
        for policy in selecting:
            for rule in (policy.manifest.get("spec") or {}).get(key) or []:
                ports = rule.get("ports")
                if not _port_allowed(ports, port):
                    continue
                peers = rule.get(peers_key)
                # Egress ports the controller cannot resolve on a peer's pods are dropped.
                unresolved = kind == "Egress" and not _block_port_allowed(ports, port)
                if not peers:
                    if unresolved:
                        continue
                    return OPEN
                for peer in peers:
                    if "ipBlock" in peer:
                        if not unresolved:
                            blocks.append(peer["ipBlock"] or {})
                    elif self._selector_admits(peer, other, policy.namespace or "", service):
                        return OPEN
        if service is not None:
            ranges: Sequence[str] = self.service_cidrs
        else:
            ranges = other.cidrs if not other.is_pod else self.pod_cidrs
        return coverage(blocks, ranges)

    def _selects_pod(self, policy: K8sObject, pod: Peer) -> bool:
        selector = (policy.manifest.get("spec") or {}).get("podSelector") or {}
        return _satisfiable(selector) if pod.any_labels else selects(selector, pod.labels)

    def _selector_admits(
        self,
        peer: Mapping[str, Any],
        other: Peer,
        namespace: str,
        service: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether a namespace/pod selector peer (of a policy in ``namespace``) is ``other``
        (and, for a flow through a Service judged before translation, selects the
        Service's selector as a label set)."""
        if not other.is_pod:
            return False
        ns_selector = peer.get("namespaceSelector")
        pod_selector = peer.get("podSelector")
        if ns_selector is None and pod_selector is None:
            return False
        if ns_selector is None:
            if other.namespace != namespace:
                return False
        elif not selects(ns_selector, self.ns_labels(other.namespace or "")):
            return False
        if pod_selector is None:
            return True
        if service is not None and not selects(pod_selector, service):
            return False
        if other.any_labels:
            return _satisfiable(pod_selector)
        return selects(pod_selector, other.labels)


def _types(policy: K8sObject) -> list[str]:
    spec = policy.manifest.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return list(types)
    return ["Ingress", *(["Egress"] if spec.get("egress") is not None else [])]


def _selects_everything(policy: K8sObject) -> bool:
    selector = (policy.manifest.get("spec") or {}).get("podSelector") or {}
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _satisfiable(selector: Mapping[str, Any]) -> bool:
    """Whether some label set matches (a team may pick its pods' labels)."""
    labels = {str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()}
    for expression in selector.get("matchExpressions") or []:
        key, values = str(expression.get("key")), [str(v) for v in expression.get("values") or []]
        if expression.get("operator") == "In":
            if not values:
                return False
            labels.setdefault(key, values[0])
        elif expression.get("operator") == "Exists":
            labels.setdefault(key, "\x00any")
    return selects(selector, labels)


def _block_port_allowed(ports: Sequence[Mapping[str, Any]] | None, port: Port) -> bool:
    """An egress rule's ports as they apply to its ipBlock peers: named ports dropped."""
    if not ports:
        return True
    numbered = [p for p in ports if not isinstance(p.get("port"), str)]
    return bool(numbered) and _port_allowed(numbered, port)


def _port_allowed(ports: Sequence[Mapping[str, Any]] | None, port: Port) -> bool:
    if not ports:
        return True
    for rule in ports:
        protocol = str(rule.get("protocol", "TCP"))
        if port.number is None:
            return True
        if protocol != port.protocol:
            continue
        value = rule.get("port")
        if value is None:
            return True
        if isinstance(value, str):
            if value == port.name:
                return True
            continue
        end = rule.get("endPort") or value
        if int(value) <= port.number <= int(end):
            return True
    return False


def coverage(blocks: Sequence[Mapping[str, Any]], ranges: Sequence[str]) -> str:
    """How much of ``ranges`` the ipBlocks (their CIDRs less their exceptions) admit
    together: all of it (open), none (closed) or some (partial)."""
    if not ranges:
        return CLOSED
    try:
        nets = [ipaddress.ip_network(r, strict=False) for r in ranges]
        admitted = [
            piece
            for block in blocks
            for piece in _less(
                ipaddress.ip_network(str(block.get("cidr")), strict=False),
                [ipaddress.ip_network(e, strict=False) for e in block.get("except") or []],
            )
        ]
    except ValueError:
        return CLOSED
    results = []
    for net in nets:
        inside = [_within(piece, net) for piece in admitted if piece.version == net.version]
        covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(p for p in inside if p))
        results.append(
            OPEN if covered == net.num_addresses else CLOSED if covered == 0 else PARTIAL
        )
    if all(r == OPEN for r in results):
        return OPEN
    return CLOSED if all(r == CLOSED for r in results) else PARTIAL


def _less(net: Any, holes: Sequence[Any]) -> list[Any]:
    pieces = [net]
    for hole in holes:
        kept = []
        for piece in pieces:
            if hole.version != piece.version or not piece.overlaps(hole):
                kept.append(piece)
            elif not piece.subnet_of(hole):
                kept.extend(piece.address_exclude(hole))
        pieces = kept
    return pieces


def _within(piece: Any, net: Any) -> Any:
    """The part of ``piece`` inside ``net`` (CIDRs are nested or disjoint), or None."""
    if not piece.overlaps(net):
        return None
    return piece if piece.subnet_of(net) else net


def _best(results: Iterable[str]) -> str:
    found = set(results)
    if OPEN in found:
        return OPEN
    return PARTIAL if PARTIAL in found else CLOSED


def _both(first: str, second: str) -> str:
    if CLOSED in (first, second):
        return CLOSED
    return PARTIAL if PARTIAL in (first, second) else OPEN


def aggregate(results: Iterable[str]) -> str:
    """Several pods: open when every one is, closed when none is."""
    found = set(results)
    if found == {OPEN}:
        return OPEN
    if found <= {CLOSED}:
        return CLOSED
    return PARTIAL
