"""The AWS Load Balancer Controller's document: every call the controller makes on this
platform is allowed, and the same calls aimed elsewhere are not.

The calls are the ones the controller's v3.0.0 source makes for an internal ALB with IP
targets, TLS and listener tagging on (its defaults): security groups are created with
their tags (TagSpecifications), load balancers, target groups, listeners and rules with
theirs (the ListenerRulesTagging feature gate), and each target ENI's security group
(the EKS cluster security group) gets an ingress rule from the load balancer's group.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.components.iam_load_balancer import (
    ANNOTATION_ONLY,
    LBC_CLUSTER_TAG,
    load_balancer_controller,
)
from tests.components.iam_eval import Call, allows

ACCOUNT = "111122223333"
REGION = "eu-west-1"
VPC = "vpc-0platform"
CLUSTER_SG = "sg-0cluster"
DOCUMENT = load_balancer_controller("aws", REGION, ACCOUNT, "plat", VPC, CLUSTER_SG)
PUBLISHED = Path(__file__).parents[1] / "reference" / "aws-load-balancer-controller"

EC2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
ELB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
LB = f"{ELB}:loadbalancer/app/k8s-plat-abc/50dc6c495c0c9188"
TG = f"{ELB}:targetgroup/k8s-mlflow-mlflow-abc/73e2d6bc24d8a067"
LISTENER = f"{ELB}:listener/app/k8s-plat-abc/50dc6c495c0c9188/f2f7dc8efc522ab2"
RULE = f"{ELB}:listener-rule/app/k8s-plat-abc/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
OWN_SG = f"{EC2}:security-group/sg-0frontend"
NEW_SG = f"{EC2}:security-group/*"

TAGGING_OURS = {f"aws:RequestTag/{LBC_CLUSTER_TAG}": "plat"}
OURS = {f"aws:ResourceTag/{LBC_CLUSTER_TAG}": "plat"}
THEIRS = {f"aws:ResourceTag/{LBC_CLUSTER_TAG}": "other-platform"}


def _on_create(action: str) -> dict[str, str]:
    key = (
        "ec2:CreateAction"
        if action == "CreateSecurityGroup"
        else ("elasticloadbalancing:CreateAction")
    )
    return {key: action, **TAGGING_OURS}


CONTROLLER_CALLS = [
    Call(
        "iam:CreateServiceLinkedRole",
        "*",
        {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"},
    ),
    Call("ec2:DescribeSecurityGroups", "*"),
    Call("ec2:DescribeNetworkInterfaces", "*"),
    Call("elasticloadbalancing:DescribeListenerAttributes", "*"),
    Call("shield:GetSubscriptionState", "*"),
    # The frontend and backend security groups, created tagged in the platform's VPC.
    Call("ec2:CreateSecurityGroup", f"{EC2}:vpc/{VPC}", TAGGING_OURS),
    Call("ec2:CreateSecurityGroup", NEW_SG, TAGGING_OURS),
    Call("ec2:CreateTags", NEW_SG, _on_create("CreateSecurityGroup")),
    Call("ec2:AuthorizeSecurityGroupIngress", OWN_SG, OURS),
    Call("ec2:RevokeSecurityGroupIngress", OWN_SG, OURS),
    Call("ec2:CreateTags", OWN_SG, OURS),
    Call("ec2:DeleteTags", OWN_SG, OURS),
    Call("ec2:DeleteSecurityGroup", OWN_SG, OURS),
    # Target ENIs sit in the EKS cluster security group, which carries no controller tag.
    Call("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/{CLUSTER_SG}"),
    Call("ec2:RevokeSecurityGroupIngress", f"{EC2}:security-group/{CLUSTER_SG}"),
    Call("elasticloadbalancing:CreateLoadBalancer", LB, TAGGING_OURS),
    Call("elasticloadbalancing:AddTags", LB, _on_create("CreateLoadBalancer")),
    Call("elasticloadbalancing:CreateTargetGroup", TG, TAGGING_OURS),
    Call("elasticloadbalancing:AddTags", TG, _on_create("CreateTargetGroup")),
    Call("elasticloadbalancing:CreateListener", LB, TAGGING_OURS),
    Call("elasticloadbalancing:AddTags", LISTENER, _on_create("CreateListener")),
    Call("elasticloadbalancing:CreateRule", LISTENER, TAGGING_OURS),
    Call("elasticloadbalancing:CreateRule", RULE, TAGGING_OURS),
    Call("elasticloadbalancing:AddTags", RULE, _on_create("CreateRule")),
    Call("elasticloadbalancing:ModifyListener", LISTENER, OURS),
    Call("elasticloadbalancing:ModifyListenerAttributes", LISTENER, OURS),
    Call("elasticloadbalancing:AddListenerCertificates", LISTENER, OURS),
    Call("elasticloadbalancing:ModifyRule", RULE, OURS),
    Call("elasticloadbalancing:SetRulePriorities", RULE, OURS),
    Call("elasticloadbalancing:DeleteRule", RULE, OURS),
    Call("elasticloadbalancing:DeleteListener", LISTENER, OURS),
    Call("elasticloadbalancing:AddTags", LISTENER, OURS),
    Call("elasticloadbalancing:RemoveTags", RULE, OURS),
    Call("elasticloadbalancing:AddTags", LB, OURS),
    Call("elasticloadbalancing:ModifyLoadBalancerAttributes", LB, OURS),
    Call("elasticloadbalancing:SetSecurityGroups", LB, OURS),
    Call("elasticloadbalancing:SetSubnets", LB, OURS),
    Call("elasticloadbalancing:ModifyTargetGroupAttributes", TG, OURS),
    Call("elasticloadbalancing:RegisterTargets", TG, OURS),
    Call("elasticloadbalancing:DeregisterTargets", TG, OURS),
    Call("elasticloadbalancing:DeleteTargetGroup", TG, OURS),
    Call("elasticloadbalancing:DeleteLoadBalancer", LB, OURS),
]

ELSEWHERE = {
    "a security group in another VPC": Call(
        "ec2:CreateSecurityGroup", f"{EC2}:vpc/vpc-0other", TAGGING_OURS
    ),
    "an untagged new security group": Call("ec2:CreateSecurityGroup", NEW_SG),
    "another cluster's new security group": Call(
        "ec2:CreateSecurityGroup", NEW_SG, {f"aws:RequestTag/{LBC_CLUSTER_TAG}": "other"}
    ),
    "ingress on the database's security group": Call(
        "ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/sg-0database"
    ),
    "ingress on another cluster's group": Call("ec2:AuthorizeSecurityGroupIngress", OWN_SG, THEIRS),
    "deleting another cluster's load balancer": Call(
        "elasticloadbalancing:DeleteLoadBalancer", LB, THEIRS
    ),
    "changing a load balancer's cluster tag": Call(
        "elasticloadbalancing:AddTags", LB, {**OURS, **TAGGING_OURS}
    ),
    "tagging someone else's listener": Call("elasticloadbalancing:AddTags", LISTENER, THEIRS),
    "a load balancer in another region": Call(
        "elasticloadbalancing:DeleteLoadBalancer", LB.replace(REGION, "us-east-1"), OURS
    ),
    "targets in another account": Call(
        "elasticloadbalancing:RegisterTargets", TG.replace(ACCOUNT, "444455556666")
    ),
    "another service's linked role": Call(
        "iam:CreateServiceLinkedRole", "*", {"iam:AWSServiceName": "autoscaling.amazonaws.com"}
    ),
}


@pytest.mark.parametrize("call", CONTROLLER_CALLS, ids=lambda c: f"{c.action} {c.resource[-30:]}")
def test_the_controller_may_make_every_call_it_makes_here(call: Call) -> None:
    assert allows(DOCUMENT, call)


@pytest.mark.parametrize("what", sorted(ELSEWHERE))
def test_the_same_calls_aimed_elsewhere_are_refused(what: str) -> None:
    assert not allows(DOCUMENT, ELSEWHERE[what])


def _actions(document: str) -> set[str]:
    return {
        action
        for statement in json.loads(document)["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }


def test_every_published_action_is_granted_or_left_out_with_its_feature() -> None:
    published = set((PUBLISHED / "iam_policy_actions-v3.0.0.txt").read_text().split())
    granted = _actions(DOCUMENT)
    assert granted <= published, "granting more than the controller's own policy"
    assert published - granted == set(ANNOTATION_ONLY)


def test_the_evaluator_refuses_operators_it_does_not_know() -> None:
    document = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                }
            ]
        }
    )
    with pytest.raises(NotImplementedError):
        allows(document, Call("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceIp": "10.1.1.1"}))
