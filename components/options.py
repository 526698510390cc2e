"""Resource options shared by components."""

from __future__ import annotations

import pulumi


def stateful(parent: pulumi.Resource, protect: bool, **extra: object) -> pulumi.ResourceOptions:
    """Options for a resource that holds data: in prod it is protected and retained.

    ``protect`` stops ``pulumi destroy`` and replacements; ``retain_on_delete`` keeps the
    cloud resource if it ever leaves the program (a refactor gone wrong, a stack removed
    with --force), so no code change can delete data.
    """
    return pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect, **extra)
