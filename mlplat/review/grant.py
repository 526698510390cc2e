"""A granted fact, and the helpers every kind of fact shares (see mlplat/review/grants.py)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

PSS_LEVELS = ("restricted", "baseline", "privileged")
"""Pod Security levels, strictest first."""


@dataclass(frozen=True)
class Grant:
    kind: str
    """What sort of access: iam, trust, managed-policy, network-rule, netpol, isolation..."""
    scope: str
    """The object it is granted on or by (a role, a security group, a namespace...)."""
    key: tuple[Any, ...]
    """The fact itself; compared with ``covers``."""
    text: str
    """The fact in words."""
    where: str
    """The resource that declares it."""
    restricts: bool = False
    """A restriction (Deny, default-deny): losing it widens access."""
    group: str = ""
    """Facts with the same group are shown in one row."""


def listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def peer_covers(outer: str, inner: str) -> bool:
    if outer == inner or outer in ("0.0.0.0/0", "::/0", "any"):
        return True
    a, b = network(outer), network(inner)
    return a is not None and b is not None and a.version == b.version and b.subnet_of(a)  # type: ignore[arg-type]
