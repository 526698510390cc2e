"""The availability zones a platform's network uses, for the checks that pin to a zone."""

from __future__ import annotations

import string

from mlplat.spec.model import PlatformSpec


def network_zones(spec: PlatformSpec) -> tuple[str, ...]:
    """The zones of the network's subnets: the region's first ``availabilityZones`` zones
    in name order, as components/network.py takes them from the region's available zones
    (``a`` upwards). A pool pinned to any other zone would have no subnet to run in.

    Which letters an account sees is the account's (a region may keep a zone closed to
    it); like the region table, this assumes the first ones. Letting the spec name its
    zones would replace the assumption here, in one place.
    """
    region = spec.cloud.region or ""
    letters = string.ascii_lowercase[: spec.network.availability_zones]
    return tuple(f"{region}{letter}" for letter in letters)
