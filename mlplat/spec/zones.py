"""The availability zones of a platform: which exist in its region, which its network uses."""

from __future__ import annotations

import re

from mlplat.spec import aws_regions
from mlplat.spec.model import PlatformSpec


def in_region(zone: str, region: str) -> bool:
    """Whether ``zone`` names one of the region's zones (its name plus a letter within the
    region's zone count; unknown regions get the benefit of the doubt)."""
    if not re.fullmatch(rf"{re.escape(region)}[a-z]", zone):
        return False
    return ord(zone[-1]) - ord("a") < aws_regions.ZONES.get(region, 26)


def network_zones(spec: PlatformSpec) -> tuple[str, ...]:
    """The zones the network's subnets are in: ``network.zones``, or else the first
    ``availabilityZones`` letters of the region, the zones AWS lists first (an account
    that lacks one of them should name its zones)."""
    network = spec.network
    if network.zones:
        return network.zones
    region = spec.cloud.region or ""
    return tuple(f"{region}{chr(ord('a') + i)}" for i in range(network.availability_zones))
