"""Resource options shared by components."""

from collections.abc import Sequence

import pulumi


def stateful(parent: pulumi.Resource, protect: bool, **extra: object) -> pulumi.ResourceOptions:
    """Options for a resource that holds data: in prod it is protected and retained.

    ``protect`` stops ``pulumi destroy`` and replacements; ``retain_on_delete`` keeps the
    cloud resource if it ever leaves the program (a refactor gone wrong, a stack removed
    with --force), so no code change can delete data.
    """
    return pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect, **extra)


def waits_of(opts: pulumi.ResourceOptions | None) -> list[pulumi.Input[pulumi.Resource]]:
    """What ``opts`` makes a component wait for, for the children that must wait too.

    Pulumi does not pass a component's ``depends_on`` down to its children; a component
    whose children must not start early (a node group before the CNI add-on) hands it on.
    """
    waits = None if opts is None else opts.depends_on
    if waits is None:
        return []
    if isinstance(waits, pulumi.Resource):
        return [waits]
    if isinstance(waits, Sequence):
        return list(waits)
    raise TypeError("depends_on must be a resource or a list of them, not an Output")
