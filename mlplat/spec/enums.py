"""Enumerations of the spec: those both spec kinds use (a platform, and a team's reference
to one), and a node pool's, which ``pools`` reads without the models that use them."""

from __future__ import annotations

import enum


class Environment(enum.StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class CloudProvider(enum.StrEnum):
    AWS = "aws"
    EXISTING = "existing"


class WorkloadIdentityMode(enum.StrEnum):
    IRSA = "irsa"
    POD_IDENTITY = "podIdentity"


class CapacityType(enum.StrEnum):
    ON_DEMAND = "onDemand"
    SPOT = "spot"
    CAPACITY_RESERVATION = "capacityReservation"
    CAPACITY_BLOCK = "capacityBlock"

    @property
    def reserved(self) -> bool:
        """Whether the pool's nodes come from a reservation named by its id."""
        return self in (CapacityType.CAPACITY_RESERVATION, CapacityType.CAPACITY_BLOCK)


class NodeOs(enum.StrEnum):
    AL2023 = "al2023"
    BOTTLEROCKET = "bottlerocket"


class TaintEffect(enum.StrEnum):
    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class GpuSharing(enum.StrEnum):
    TIME_SLICING = "timeSlicing"
    MIG = "mig"


class MigStrategy(enum.StrEnum):
    SINGLE = "single"
    MIXED = "mixed"
