"""The `review:` section: what a pull request's author acknowledges it destroys.

`mlplat diff` exits non-zero when a change replaces or deletes a stateful or protected
resource (a database, bucket, key, cluster, repository, volume...), unless the head spec
acknowledges that resource here, with a reason the review prints. An acknowledgement is
meant to live as long as the pull request that needs it: remove it once merged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AcknowledgementSpec:
    resource: str
    """The resource's name or URN, as `mlplat diff` prints it."""
    reason: str
    """Why destroying it is intended (a migration, a restore from backup...)."""


@dataclass(frozen=True)
class ReviewSpec:
    acknowledge: tuple[AcknowledgementSpec, ...] = ()
    """Destructive changes this version of the spec intends."""
