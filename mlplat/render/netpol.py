"""NetworkPolicy semantics: is a connection from one peer to another allowed?

A pod is isolated for a direction when a policy of that type selects it; then only what
some selecting policy's rules admit is allowed. A connection needs the source's egress
and the target's ingress. Pods of a team may carry any labels their team chooses, so a
team pod is tested as the most permissive labels could make it ("any pod"), while the
pods mlplat and the charts run carry exactly their template's labels.

Answers are ``open``, ``closed`` or ``partial`` (an address block that covers some of the
peer's addresses but not all).
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

    def __init__(self, inventory: Inventory, pod_cidr: str | None) -> None:
        self.inventory = inventory
        self.pod_cidr = pod_cidr
        self.by_namespace: dict[str, list[K8sObject]] = {}
        for policy in inventory.of_kind("NetworkPolicy"):
            self.by_namespace.setdefault(policy.namespace or "", []).append(policy)
        self._ns_labels: dict[str, dict[str, str]] = {}

    def ns_labels(self, namespace: str) -> dict[str, str]:
        if namespace not in self._ns_labels:
            self._ns_labels[namespace] = namespace_labels(self.inventory, namespace)
        return self._ns_labels[namespace]

    def connection(self, source: Peer, target: Peer, port: Port) -> str:
        """Whether ``source`` may open ``port`` on ``target``."""
        egress = self._direction(source, target, port, "Egress") if source.is_pod else OPEN
        ingress = self._direction(target, source, port, "Ingress") if target.is_pod else OPEN
        return _both(egress, ingress)

    def _direction(self, pod: Peer, other: Peer, port: Port, kind: str) -> str:
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
        best = CLOSED
        for policy in selecting:
            for rule in (policy.manifest.get("spec") or {}).get(key) or []:
                if not _port_allowed(rule.get("ports"), port):
                    continue
                peers = rule.get(peers_key)
                result = (
                    OPEN
                    if not peers
                    else _best(
                        self._peer_matches(peer, other, policy.namespace or "") for peer in peers
                    )
                )
                best = _best([best, result])
                if best == OPEN:
                    return OPEN
        return best

    def _selects_pod(self, policy: K8sObject, pod: Peer) -> bool:
        selector = (policy.manifest.get("spec") or {}).get("podSelector") or {}
        return _satisfiable(selector) if pod.any_labels else selects(selector, pod.labels)

    def _peer_matches(self, peer: Mapping[str, Any], other: Peer, namespace: str) -> str:
        if "ipBlock" in peer:
            block = peer["ipBlock"] or {}
            cidrs = other.cidrs if not other.is_pod else ((self.pod_cidr,) if self.pod_cidr else ())
            return _covers(str(block.get("cidr")), block.get("except") or [], cidrs)
        if not other.is_pod:
            return CLOSED
        ns_selector = peer.get("namespaceSelector")
        pod_selector = peer.get("podSelector")
        if ns_selector is None and pod_selector is None:
            return CLOSED
        if ns_selector is None:
            if other.namespace != namespace:
                return CLOSED
        elif not selects(ns_selector, self.ns_labels(other.namespace or "")):
            return CLOSED
        if pod_selector is None:
            return OPEN
        matched = (
            _satisfiable(pod_selector) if other.any_labels else selects(pod_selector, other.labels)
        )
        return OPEN if matched else CLOSED


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


def _covers(cidr: str, excepted: Iterable[str], ranges: Sequence[str]) -> str:
    """Whether an ipBlock admits every address of ``ranges`` (open), some (partial), none."""
    if not ranges:
        return CLOSED
    try:
        block = ipaddress.ip_network(cidr, strict=False)
        holes = [ipaddress.ip_network(e, strict=False) for e in excepted]
        nets = [ipaddress.ip_network(r, strict=False) for r in ranges]
    except ValueError:
        return CLOSED
    results = []
    for net in nets:
        if net.version != block.version or not net.overlaps(block):
            results.append(CLOSED)
        elif net.subnet_of(block) and not any(h.overlaps(net) for h in holes):  # type: ignore[arg-type]
            results.append(OPEN)
        else:
            results.append(PARTIAL)
    if all(r == OPEN for r in results):
        return OPEN
    return CLOSED if all(r == CLOSED for r in results) else PARTIAL


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
