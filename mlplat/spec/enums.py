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
    """How pods get AWS credentials: IRSA (OIDC web identity) or EKS Pod Identity."""

    IRSA = "irsa"
    POD_IDENTITY = "podIdentity"


class CapacityType(enum.StrEnum):
    """Where a pool's instances come from."""

    ON_DEMAND = "onDemand"
    SPOT = "spot"
    CAPACITY_RESERVATION = "capacityReservation"
    CAPACITY_BLOCK = "capacityBlock"

    @property
    def reserved(self) -> bool:
        """Whether the pool's nodes come from a reservation named by its id."""
        return self in (CapacityType.CAPACITY_RESERVATION, CapacityType.CAPACITY_BLOCK)


class NodeOs(enum.StrEnum):
    """The nodes' operating system (EKS-optimized AMIs)."""

    AL2023 = "al2023"
    BOTTLEROCKET = "bottlerocket"


class TaintEffect(enum.StrEnum):
    """What a Kubernetes taint does to pods that do not tolerate it."""

    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class GpuSharing(enum.StrEnum):
    """How pods share a GPU."""

    TIME_SLICING = "timeSlicing"
    MIG = "mig"


class MigStrategy(enum.StrEnum):
    """How MIG partitions are advertised to pods."""

    SINGLE = "single"
    MIXED = "mixed"
