"""IAM permission documents of the platform services (plain data, like components.iam).

Controllers that manage AWS resources get describe actions account-wide, because AWS
offers no resource scoping for them, and every mutating action only on resources tagged as
this cluster's. The AWS Load Balancer Controller's document is components.iam_load_balancer.
"""

from __future__ import annotations

from mlplat.components.iam import document


def secret_read(secret_arn: str, key_arn: str, region: str) -> str:
    """Read one Secrets Manager secret encrypted with the platform key."""
    return document(
        [
            {
                "Sid": "ReadSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": secret_arn,
            },
            {
                "Sid": "DecryptSecret",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                },
            },
        ]
    )


def cluster_autoscaler(cluster_name: str, nodegroup_arns: list[str]) -> str:
    """Resize and shrink only this cluster's node groups; read what scale-from-zero needs."""
    return document(
        [
            {
                "Sid": "Discover",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ReadNodeGroups",
                "Effect": "Allow",
                "Action": "eks:DescribeNodegroup",
                "Resource": nodegroup_arns,
            },
            {
                "Sid": "ScaleOwnGroups",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"
                    }
                },
            },
        ]
    )
