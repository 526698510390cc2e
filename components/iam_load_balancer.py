"""The AWS Load Balancer Controller's IAM permissions (plain data, like components.iam).

Compared statement by statement with the controller's published
``docs/install/iam_policy.json`` at the tag of the pinned chart's app version (v3.0.0).
Every call the controller makes with the values mlplat sets is allowed; its mutations
are narrowed to this platform: resources it tagged ``elbv2.k8s.aws/cluster=<cluster>``
(the published policy accepts any cluster's tag), security groups created in the
platform's VPC only, ingress rules on the EKS cluster security group (the group of every
pod ENI, which the controller opens to its load balancers but never tags) and on its own
groups, and ARNs in this account and region.

Left out, because only annotations mlplat never sets make the controller call them: WAF
Classic and WAFv2/Shield associations, Cognito authentication, IAM server certificates,
Outposts customer-owned IP pools, IPAM pools and load balancer capacity reservations.
Compare again when the chart's app version changes.
"""

from __future__ import annotations

from mlplat.components.iam import Statement, document

LBC_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
"""Tag the controller puts on everything it creates, valued with the cluster's name."""
CONTROLLER_APP_VERSION = "v3.0.0"
"""The controller version this document was compared with (the pinned chart's appVersion)."""

DESCRIBE = (
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:DescribeRouteTables",
    "ec2:GetSecurityGroupsForVpc",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "shield:GetSubscriptionState",
)
"""Reads with no resource scoping in IAM. shield:GetSubscriptionState runs on every deploy."""
ANNOTATION_ONLY = {
    "cognito-idp:DescribeUserPoolClient": "Cognito authentication (auth-type: cognito)",
    "ec2:DescribeCoipPools": "Outposts customer-owned IPv4 pools",
    "ec2:GetCoipPoolUsage": "Outposts customer-owned IPv4 pools",
    "ec2:DescribeIpamPools": "IPAM pools for load balancer addresses",
    "elasticloadbalancing:ModifyIpPools": "IPAM pools for load balancer addresses",
    "elasticloadbalancing:DescribeCapacityReservation": "minimum load balancer capacity",
    "elasticloadbalancing:ModifyCapacityReservation": "minimum load balancer capacity",
    "elasticloadbalancing:SetWebAcl": "WAF Classic",
    "waf-regional:GetWebACL": "WAF Classic",
    "waf-regional:GetWebACLForResource": "WAF Classic",
    "waf-regional:AssociateWebACL": "WAF Classic",
    "waf-regional:DisassociateWebACL": "WAF Classic",
    "wafv2:AssociateWebACL": "a WAFv2 web ACL",
    "wafv2:DisassociateWebACL": "a WAFv2 web ACL",
    "shield:DescribeProtection": "Shield Advanced protection",
    "shield:CreateProtection": "Shield Advanced protection",
    "shield:DeleteProtection": "Shield Advanced protection",
    "iam:ListServerCertificates": "IAM server certificates instead of ACM",
    "iam:GetServerCertificate": "IAM server certificates instead of ACM",
}
"""Actions of the published policy left out, with the annotation feature that needs them."""
LISTENER_CALLS = (
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:SetRulePriorities",
)


def load_balancer_controller(
    partition: str,
    region: str,
    account_id: str,
    cluster_name: str,
    vpc_id: str,
    cluster_security_group_id: str,
) -> str:
    """The controller's permissions on this platform (see the module docstring)."""
    ec2 = f"arn:{partition}:ec2:{region}:{account_id}"
    security_groups = f"{ec2}:security-group/*"
    elb = f"arn:{partition}:elasticloadbalancing:{region}:{account_id}"
    balancers = [
        f"{elb}:targetgroup/*/*",
        f"{elb}:loadbalancer/net/*/*",
        f"{elb}:loadbalancer/app/*/*",
    ]
    listeners = [
        f"{elb}:listener/net/*/*/*",
        f"{elb}:listener/app/*/*/*",
        f"{elb}:listener-rule/net/*/*/*/*",
        f"{elb}:listener-rule/app/*/*/*/*",
    ]
    ours = {"StringEquals": {f"aws:ResourceTag/{LBC_CLUSTER_TAG}": cluster_name}}
    tagging_ours = {"StringEquals": {f"aws:RequestTag/{LBC_CLUSTER_TAG}": cluster_name}}
    keeps_cluster_tag = {
        "Null": {f"aws:RequestTag/{LBC_CLUSTER_TAG}": "true"},
        **ours,
    }
    statements: list[Statement] = [
        {
            "Sid": "ElbServiceLinkedRole",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}
            },
        },
        {"Sid": "Describe", "Effect": "Allow", "Action": list(DESCRIBE), "Resource": "*"},
        {
            # CreateSecurityGroup authorizes the new group and the VPC it goes in: naming
            # one VPC keeps the controller's groups in the platform's network.
            "Sid": "CreateTaggedSecurityGroupsInThePlatformVpc",
            "Effect": "Allow",
            "Action": "ec2:CreateSecurityGroup",
            "Resource": [f"{ec2}:vpc/{vpc_id}", security_groups],
            "Condition": tagging_ours,
        },
        {
            "Sid": "TagSecurityGroupsOnCreate",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": security_groups,
            "Condition": {
                "StringEquals": {
                    "ec2:CreateAction": "CreateSecurityGroup",
                    f"aws:RequestTag/{LBC_CLUSTER_TAG}": cluster_name,
                }
            },
        },
        {
            "Sid": "RetagOwnSecurityGroups",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags", "ec2:DeleteTags"],
            "Resource": security_groups,
            "Condition": keeps_cluster_tag,
        },
        {
            "Sid": "ManageOwnSecurityGroups",
            "Effect": "Allow",
            "Action": [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            "Resource": security_groups,
            "Condition": ours,
        },
        {
            "Sid": "OpenPodEnisToLoadBalancers",
            "Effect": "Allow",
            "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            "Resource": f"{ec2}:security-group/{cluster_security_group_id}",
        },
        {
            "Sid": "CreateTaggedLoadBalancers",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
            ],
            "Resource": "*",
            "Condition": tagging_ours,
        },
        {
            "Sid": "TagLoadBalancersOnCreate",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:AddTags",
            "Resource": balancers,
            "Condition": {
                "StringEquals": {
                    "elasticloadbalancing:CreateAction": [
                        "CreateTargetGroup",
                        "CreateLoadBalancer",
                    ],
                    f"aws:RequestTag/{LBC_CLUSTER_TAG}": cluster_name,
                }
            },
        },
        {
            "Sid": "TagListenersAndRulesOnCreate",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:AddTags",
            "Resource": listeners,
            "Condition": {
                "StringEquals": {
                    "elasticloadbalancing:CreateAction": ["CreateListener", "CreateRule"],
                    f"aws:RequestTag/{LBC_CLUSTER_TAG}": cluster_name,
                }
            },
        },
        {
            "Sid": "RetagOwnLoadBalancersListenersAndRules",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            "Resource": [*balancers, *listeners],
            "Condition": keeps_cluster_tag,
        },
        {
            "Sid": "ManageOwnLoadBalancers",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
            ],
            "Resource": balancers,
            "Condition": ours,
        },
        {
            "Sid": "ListenersAndRules",
            "Effect": "Allow",
            "Action": list(LISTENER_CALLS),
            "Resource": [f"{elb}:loadbalancer/app/*/*", f"{elb}:loadbalancer/net/*/*", *listeners],
        },
        {
            "Sid": "Targets",
            "Effect": "Allow",
            "Action": [
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            "Resource": f"{elb}:targetgroup/*/*",
        },
    ]
    return document(statements)
