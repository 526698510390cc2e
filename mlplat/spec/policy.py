"""The `policy:` section: per-stack enforcement overrides and exemptions for the policy pack.

Plain data; the composition root turns it into the pack's config. Control ids are listed
in the schema (an enum kept equal to the pack's catalogue by a contract test), so editors
complete them and typos fail validation with a suggestion.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

SELECTORS = ("resource", "namespace", "workload", "parent")


class PolicyLevel(enum.StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ExemptionSpec:
    control: str
    """The control the objects are exempt from."""
    reason: str
    """Why; printed next to every exempted finding."""
    resource: str | None = None
    """A resource name or URN."""
    namespace: str | None = None
    """A Kubernetes namespace."""
    workload: str | None = None
    """A Kubernetes object as <namespace>/<Kind>/<name>."""
    parent: str | None = None
    """The name or URN of the component the resources belong to."""

    def selectors(self) -> dict[str, str]:
        return {key: value for key in SELECTORS if (value := getattr(self, key)) is not None}


@dataclass(frozen=True)
class PolicySpec:
    enforcement: Mapping[str, PolicyLevel] = field(default_factory=dict)
    """Control id -> mandatory, advisory or disabled, over the environment's default."""
    exemptions: tuple[ExemptionSpec, ...] = ()
    """Objects a control does not fail on; each is reported with its reason."""
