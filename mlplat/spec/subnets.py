"""Carve a VPC CIDR into per-zone private and public subnets.

The first half of the VPC holds the private (node) subnets, one per zone, as large as
possible: with the VPC CNI every pod takes a VPC address. Public subnets only hold load
balancers and NAT gateways, so they get quarter-size slices of the second half. The
interface endpoints get a /28 per zone at the very end of that half, so a network policy
can open exactly their addresses (and not the whole VPC); the rest stays free.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

ENDPOINT_PREFIX = 28
"""Interface endpoint subnets: 11 usable addresses, one per endpoint service and zone."""
SMALLEST_PRIVATE_PREFIX = 24
"""Private subnets smaller than /24 cannot hold a useful number of pods."""
ALLOWED_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""VPC ranges that are private (RFC 1918) or shared address space (RFC 6598)."""


class CidrError(ValueError):
    """The CIDR cannot host the requested zones; the message says why, the hint how to fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class SubnetPlan:
    private: tuple[str, ...]
    public: tuple[str, ...]
    endpoints: tuple[str, ...]
    """One small subnet per zone for the interface endpoints' network interfaces."""


def plan_subnets(cidr: str, zones: int) -> SubnetPlan:
    """Private and public subnet CIDRs for ``zones`` zones, in zone order."""
    try:
        vpc = ipaddress.IPv4Network(cidr)
    except ipaddress.NetmaskValueError as exc:
        raise CidrError(f"'{cidr}' has an invalid prefix: {exc}") from None
    except ValueError as exc:
        if "host bits set" in str(exc):
            fixed = ipaddress.IPv4Network(cidr, strict=False)
            raise CidrError(f"'{cidr}' has host bits set", f"did you mean '{fixed}'?") from None
        raise CidrError(f"'{cidr}' is not an IPv4 CIDR", "e.g. 10.0.0.0/16") from None
    if not any(vpc.subnet_of(allowed) for allowed in ALLOWED_RANGES):
        raise CidrError(
            f"'{cidr}' is not a private range",
            "use part of 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        )
    if vpc.prefixlen < 16:
        raise CidrError(f"'{cidr}' is larger than AWS allows for a VPC", "use /16 or smaller")
    zone_bits = math.ceil(math.log2(zones))
    private_prefix = vpc.prefixlen + 1 + zone_bits
    if private_prefix > SMALLEST_PRIVATE_PREFIX:
        widest = SMALLEST_PRIVATE_PREFIX - 1 - zone_bits
        raise CidrError(
            f"'{cidr}' is too small for {zones} zones: private subnets would be "
            f"/{private_prefix} ({2 ** (32 - private_prefix)} addresses), and every pod takes one",
            f"use a /{widest} or larger VPC, or fewer zones",
        )
    private_half, public_half = vpc.subnets(prefixlen_diff=1)
    private = list(private_half.subnets(new_prefix=private_prefix))[:zones]
    public = list(public_half.subnets(new_prefix=private_prefix + 2))[:zones]
    # Public subnets use `zones` of the half's 4 * 2**zone_bits slices, so at least its
    # last three quarters are free; a /28 per zone from the very end always fits. (Counted
    # back from the end rather than listing the half's thousands of /28s: this runs in
    # every validation and plan.)
    size = 2 ** (32 - ENDPOINT_PREFIX)
    end = int(public_half.broadcast_address) + 1
    endpoints = [
        ipaddress.IPv4Network((end - size * (zones - i), ENDPOINT_PREFIX)) for i in range(zones)
    ]
    return SubnetPlan(*(tuple(map(str, nets)) for nets in (private, public, endpoints)))


def kubernetes_service_cidr(vpc_cidr: str) -> str:
    """The Service range EKS gives a cluster that names none: 172.20.0.0/16 for a VPC in
    10.0.0.0/8, else 10.100.0.0/16. mlplat pins it (the same choice, so existing clusters
    see no change) because NetworkPolicies must name the API server's Service IP."""
    vpc = ipaddress.IPv4Network(vpc_cidr, strict=False)
    return (
        "172.20.0.0/16" if vpc.subnet_of(ipaddress.IPv4Network("10.0.0.0/8")) else "10.100.0.0/16"
    )


def kubernetes_api_ip(service_cidr: str) -> str:
    """The ``kubernetes`` Service's address: the first host of the Service range."""
    return str(next(ipaddress.IPv4Network(service_cidr).hosts()))
