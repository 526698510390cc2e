"""TeamAccess: EKS access entries that map team members to their teams' Kubernetes groups.

Access entries of type STANDARD with Kubernetes groups and no access policy: what a
member may do is exactly what the teams' RoleBindings grant those groups, namespace by
namespace. An IAM principal has one access entry per cluster, so a member of several
teams gets one entry listing every group. Each entry waits for its teams' namespaces:
creating a namespace that already exists fails (another team's, or a retained one), and
then no entry hands that namespace's RoleBindings to this stack's members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from mlplat.components.iam import principal_key


@dataclass(frozen=True)
class TeamAccessArgs:
    cluster_name: pulumi.Input[str]
    """The EKS cluster."""
    groups: Mapping[str, Sequence[str]]
    """IAM principal ARN -> the Kubernetes groups it joins."""
    tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """IAM principal ARN -> tags on its entry (its team's cost tags)."""
    after: Mapping[str, Sequence[pulumi.Resource]] = field(default_factory=dict)
    """IAM principal ARN -> what its entry waits for (the namespaces of its teams)."""


class TeamAccess(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TeamAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:TeamAccess", name, None, opts)
        for arn, groups in sorted(args.groups.items()):
            aws.eks.AccessEntry(
                f"{name}-{principal_key(arn)}",
                cluster_name=args.cluster_name,
                principal_arn=arn,
                type="STANDARD",
                kubernetes_groups=sorted(groups),
                tags=dict(args.tags.get(arn, {})) or None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.after.get(arn, ()))),
            )
        self.register_outputs({"principals": sorted(args.groups)})
