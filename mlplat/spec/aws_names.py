"""AWS's limits on the physical names mlplat's resources get, in one table.

A resource's physical name is its explicit name input, else its name prefix plus the
26 characters the AWS provider appends, else (Pulumi's auto-naming) its logical name plus
"-" and 7 random hex characters. The table holds, per Pulumi type, the input that carries
the name and AWS's limit for it; ``name_checks`` refuses specs whose names would not
fit, and a test holds every name in every example plan to these limits.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTONAME_SUFFIX = 8
"""Pulumi's auto-naming appends "-" and 7 random hex characters to the logical name."""
NAME_PREFIX_SUFFIX = 26
"""The AWS provider appends a 26-character unique id to a name prefix (IAM role
name_prefix is therefore at most 64 - 26 = 38 characters)."""


@dataclass(frozen=True)
class NameLimit:
    field: str
    """The input holding the physical name (wire name; dotted for a nested one)."""
    limit: int
    """AWS's maximum length."""
    what: str
    """The name in the user's words, for messages."""
    prefix_field: str | None = None
    """The input holding a name prefix instead, if the resource takes one."""
    autonamed: bool = True
    """Whether Pulumi names it from the logical name when the input is unset."""


PHYSICAL_NAMES: dict[str, NameLimit] = {
    "aws:iam/role:Role": NameLimit("name", 64, "IAM role name", "namePrefix"),
    "aws:iam/rolePolicy:RolePolicy": NameLimit("name", 128, "IAM role policy name", "namePrefix"),
    "aws:eks/cluster:Cluster": NameLimit("name", 100, "EKS cluster name"),
    "aws:eks/nodeGroup:NodeGroup": NameLimit(
        "nodeGroupName", 63, "EKS node group name", "nodeGroupNamePrefix"
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": NameLimit(
        "name", 128, "launch template name", "namePrefix"
    ),
    "aws:ec2/placementGroup:PlacementGroup": NameLimit("name", 255, "placement group name"),
    "aws:ec2/securityGroup:SecurityGroup": NameLimit(
        "name", 255, "security group name", "namePrefix"
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": NameLimit(
        "replicationGroupId", 40, "ElastiCache replication group id"
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": NameLimit(
        "name", 255, "ElastiCache subnet group name"
    ),
    "aws:rds/instance:Instance": NameLimit(
        "identifier", 63, "RDS instance identifier", "identifierPrefix"
    ),
    "aws:rds/parameterGroup:ParameterGroup": NameLimit(
        "name", 255, "RDS parameter group name", "namePrefix"
    ),
    "aws:rds/subnetGroup:SubnetGroup": NameLimit(
        "name", 255, "RDS subnet group name", "namePrefix"
    ),
    "aws:kms/alias:Alias": NameLimit("name", 256, "KMS alias", "namePrefix"),
    "aws:cloudwatch/logGroup:LogGroup": NameLimit("name", 512, "log group name", "namePrefix"),
    "aws:ecr/repository:Repository": NameLimit("name", 256, "ECR repository name"),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": NameLimit(
        "ecrRepositoryPrefix", 30, "pull-through cache prefix", autonamed=False
    ),
    "aws:s3/bucket:Bucket": NameLimit("bucket", 63, "S3 bucket name", "bucketPrefix"),
    "aws:autoscaling/tag:Tag": NameLimit(
        "tag.key", 128, "Auto Scaling group tag key", autonamed=False
    ),
}
"""Resources whose name (or tag key) AWS limits, by Pulumi type."""

UNNAMED = frozenset(
    {
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/eip:Eip",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:eks/addon:Addon",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/serviceLinkedRole:ServiceLinkedRole",
        "aws:kms/key:Key",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
    }
)
"""Resource types with no physical name of their own (ids AWS assigns, or the name of
what they attach to): a new type must join one of the two tables."""


def autonamed_length(logical: str) -> int:
    """Length of the physical name Pulumi gives the logical name ``logical``."""
    return len(logical) + AUTONAME_SUFFIX
