"""A security group that admits one TCP port from the cluster's security group only."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def cluster_only(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    client_security_group_id: pulumi.Input[str],
    port: int,
    what: str,
    opts: pulumi.ResourceOptions,
) -> aws.ec2.SecurityGroup:
    """The group ``name`` and its one ingress rule (``<name>-from-cluster``)."""
    group = aws.ec2.SecurityGroup(
        name,
        description=f"{what} from the EKS cluster security group only",
        vpc_id=vpc_id,
        tags={"Name": name},
        opts=opts,
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-cluster",
        security_group_id=group.id,
        referenced_security_group_id=client_security_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=f"{what} from cluster nodes and pods",
        opts=opts,
    )
    return group
