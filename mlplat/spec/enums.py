"""Enumerations both spec kinds use (a platform, and a team's reference to one)."""

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
