"""What a plan grants, as atoms that can be compared across two plans.

Each security-relevant declaration becomes a set of small facts ("role R may s3:GetObject
on bucket B under condition C", "namespace N allows egress to 0.0.0.0/0 on 443"). A fact
either *permits* something (an Allow statement, a rule, a binding, a public endpoint, an
exemption) or *restricts* it (a Deny statement, a default-deny NetworkPolicy). Comparing
the sets of two plans, with wildcards and CIDR ranges understood, tells what a change
widened and what it narrowed (mlplat/review/security.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlplat.review import grants_aws as aws
from mlplat.review import grants_iam as iam
from mlplat.review import grants_k8s as k8s
from mlplat.review.grant import Grant

ENFORCEMENT_STRICTNESS = {"disabled": 0, "advisory": 1, "mandatory": 2}


def iter_grants(plan: Mapping[str, Any]) -> Iterator[Grant]:
    for resource in plan.get("resources", []):
        extract = _EXTRACTORS.get(resource["type"])
        if extract is not None and resource.get("custom", True):
            yield from extract(resource)
    yield from _policy_config_grants((plan.get("policy") or {}).get("config") or {})
    yield from aws.public_load_balancer_grants(plan)


def covers(outer: Grant, inner: Grant) -> bool:
    """Whether ``outer`` permits (or restricts) at least everything ``inner`` does."""
    if outer.kind != inner.kind or outer.scope != inner.scope:
        return False
    compare = _COVERS.get(outer.kind)
    return compare(outer.key, inner.key) if compare else outer.key == inner.key


def _policy_config_grants(config: Mapping[str, Any]) -> Iterator[Grant]:
    """Exemptions and relaxed enforcement levels of the policy pack."""
    for control, entry in sorted(config.items()):
        if not isinstance(entry, Mapping):
            continue
        level = str(entry.get("enforcementLevel", "mandatory"))
        if level in ENFORCEMENT_STRICTNESS and level != "mandatory":
            yield Grant(
                "enforcement",
                f"control {control}",
                (ENFORCEMENT_STRICTNESS[level],),
                f"enforced as {level}",
                "policy config",
            )
        for exemption in entry.get("exemptions") or []:
            selectors = {k: v for k, v in exemption.items() if k != "reason"}
            key = (json.dumps(selectors, sort_keys=True),)
            who = ", ".join(f"{k} {v}" for k, v in sorted(selectors.items()))
            yield Grant(
                "exemption",
                f"control {control}",
                key,
                f"{who} exempt: {exemption.get('reason', '')}",
                "policy config",
            )


def _enforcement_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    return outer[0] <= inner[0]


_EXTRACTORS: dict[str, Callable[[Mapping[str, Any]], Iterator[Grant]]] = {
    "aws:iam/role:Role": iam.role_grants,
    "aws:iam/rolePolicy:RolePolicy": iam.role_policy_grants,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": iam.attachment_grants,
    "aws:kms/key:Key": iam.resource_policy_grants("policy", "key"),
    "aws:s3/bucketPolicy:BucketPolicy": iam.resource_policy_grants("policy", "bucket"),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": iam.resource_policy_grants("policy", "repository"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": iam.resource_policy_grants("policy", "endpoint"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda r: aws.sg_rule_grants(
        r, "ingress"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda r: aws.sg_rule_grants(
        r, "egress"
    ),
    "aws:ec2/securityGroup:SecurityGroup": aws.sg_inline_grants,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": aws.sg_inline_grants,
    "aws:eks/cluster:Cluster": aws.eks_cluster_grants,
    "aws:eks/accessEntry:AccessEntry": aws.access_entry_grants,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": aws.access_policy_grants,
    "aws:rds/instance:Instance": aws.flag_grants(
        "public-endpoint", "publiclyAccessible", "publicly accessible"
    ),
    "aws:ec2/subnet:Subnet": aws.flag_grants(
        "public-endpoint", "mapPublicIpOnLaunch", "public IPs on launch"
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": aws.public_access_block_grants,
    "kubernetes:rbac.authorization.k8s.io/v1:Role": k8s.rbac_rule_grants,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": k8s.rbac_rule_grants,
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": k8s.rbac_binding_grants,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": k8s.rbac_binding_grants,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s.netpol_grants,
    "kubernetes:core/v1:Namespace": k8s.namespace_grants,
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": (
        k8s.admission_grants
    ),
}

_COVERS: dict[str, Callable[[tuple[Any, ...], tuple[Any, ...]], bool]] = {
    "iam": iam.statement_covers,
    "trust": iam.statement_covers,
    "resource-policy": iam.statement_covers,
    "network-rule": aws.rule_covers,
    "rbac-rule": k8s.rbac_rule_covers,
    "netpol": k8s.netpol_covers,
    "public-endpoint": lambda o, i: (
        o == i or (o[0] == "public" and aws.public_endpoint_covers(o, i))
    ),
    "pod-security": k8s.ordered_covers,
    "enforcement": _enforcement_covers,
}
