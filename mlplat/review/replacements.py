"""Which input changes make the provider replace a resource instead of updating it.

One table, per resource type the program declares, of the input paths (camelCase wire
names, ``.`` between levels, ``[*]`` for every list item) whose change forces a
replacement. Read from the providers' own code, since the Pulumi schemas of bridged
providers do not carry it and the installed SDKs do not ship a schema:

- pulumi-aws is bridged from terraform-provider-aws: an attribute forces replacement when
  its schema says ``ForceNew: true`` (plugin-SDK resources) or ``RequiresReplace()``
  (plugin-framework resources). Pulumi's names are the camelCase of Terraform's, with
  repeated blocks pluralised (``encryption_configuration`` -> ``encryptionConfigurations``);
  a test checks every name against the installed SDK. Every regional resource also takes
  pulumi-aws v7's per-resource ``region`` (Terraform v6 "enhanced region support"): a
  resource cannot move regions, so it is recreated.
- pulumi-kubernetes: ``forceNewProperties`` in ``provider/pkg/provider/diff.go`` (every
  kind: ``metadata.name`` and ``metadata.namespace``; plus a per-kind list) and, for Helm
  releases, ``forceNewFields`` in ``helm_release.go`` (name, namespace).
- pulumi-random is bridged from terraform-provider-random, whose resources mark every
  argument ``RequiresReplace()``.

Conditional replacements (only on a downgrade, or when a block is removed) cannot be
decided from inputs alone; they are listed as notes and printed with the change.
A test (tests/review/test_replacements.py) fails when an example plan uses a type that
is not in the table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ALL_INPUTS = "*"
"""A path that stands for every input: any change replaces the resource."""

_TF = "hashicorp/terraform-provider-aws"
_TF_OLD = "pulumi/terraform-provider-aws@patched-v5.14.0"
_K8S = "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go@00302beb"
_REGION = ("region",)


@dataclass(frozen=True)
class Rule:
    paths: tuple[str, ...]
    """Input paths whose change forces a replacement."""
    source: str
    """Where the list was read (repository, file, revision)."""
    note: str = ""
    """Replacements that depend on old and new values (not decided here)."""


def _aws(file: str, *paths: str, note: str = "", current: bool = False) -> Rule:
    where = f"{_TF}@main" if current else _TF_OLD
    return Rule((*paths, *_REGION), f"{where} internal/service/{file}.go", note)


def _k8s(*paths: str) -> Rule:
    return Rule(("metadata.name", "metadata.namespace", *paths), _K8S)


_S3_SIDE = ("bucket", "expectedBucketOwner")

RULES: Mapping[str, Rule] = {
    "aws:autoscaling/tag:Tag": _aws("autoscaling/group_tag", "autoscalingGroupName", "tag.key"),
    "aws:cloudwatch/logGroup:LogGroup": _aws("logs/group", "name", "namePrefix"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _aws(
        "ec2/vpc_default_security_group", "vpcId"
    ),
    "aws:ec2/eip:Eip": _aws(
        "ec2/ec2_eip", "address", "domain", "networkBorderGroup", "publicIpv4Pool"
    ),
    "aws:ec2/flowLog:FlowLog": _aws(
        "ec2/vpc_flow_log",
        "deliverCrossAccountRole",
        "destinationOptions",
        "eniId",
        "iamRoleArn",
        "logDestination",
        "logDestinationType",
        "logFormat",
        "maxAggregationInterval",
        "subnetId",
        "trafficType",
        "transitGatewayAttachmentId",
        "transitGatewayId",
        "vpcId",
    ),
    "aws:ec2/internetGateway:InternetGateway": _aws("ec2/vpc_internet_gateway"),
    "aws:ec2/launchTemplate:LaunchTemplate": _aws("ec2/ec2_launch_template", "name", "namePrefix"),
    "aws:ec2/natGateway:NatGateway": _aws(
        "ec2/vpc_nat_gateway",
        "allocationId",
        "connectivityType",
        "privateIp",
        "secondaryPrivateIpAddressCount",
        "subnetId",
    ),
    "aws:ec2/placementGroup:PlacementGroup": _aws(
        "ec2/ec2_placement_group", "name", "partitionCount", "spreadLevel", "strategy"
    ),
    "aws:ec2/routeTable:RouteTable": _aws("ec2/vpc_route_table", "vpcId"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _aws(
        "ec2/vpc_route_table_association", "gatewayId", "subnetId"
    ),
    "aws:ec2/securityGroup:SecurityGroup": _aws(
        "ec2/vpc_security_group", "description", "name", "namePrefix", "vpcId"
    ),
    "aws:ec2/subnet:Subnet": _aws(
        "ec2/vpc_subnet",
        "availabilityZone",
        "availabilityZoneId",
        "cidrBlock",
        "ipv6Native",
        "outpostArn",
        "vpcId",
    ),
    "aws:ec2/vpc:Vpc": _aws(
        "ec2/vpc_",
        "cidrBlock",
        "ipv4IpamPoolId",
        "ipv4NetmaskLength",
        note="instanceTenancy replaces the VPC when changed away from dedicated",
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _aws(
        "ec2/vpc_endpoint", "serviceName", "vpcEndpointType", "vpcId"
    ),
    # No Update function: every argument is ForceNew.
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _aws("ecr/lifecycle_policy", "policy", "repository"),
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": _aws(
        "ecr/pull_through_cache_rule", "ecrRepositoryPrefix", "upstreamRegistryUrl"
    ),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": _aws(
        "ecr/registry_scanning_configuration"
    ),
    "aws:ecr/repository:Repository": _aws("ecr/repository", "encryptionConfigurations", "name"),
    "aws:eks/accessEntry:AccessEntry": _aws(
        "eks/access_entry", "clusterName", "principalArn", "type", current=True
    ),
    # No Update function: every argument is ForceNew.
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _aws(
        "eks/access_policy_association",
        "accessScope",
        "clusterName",
        "policyArn",
        "principalArn",
        current=True,
    ),
    "aws:eks/addon:Addon": _aws("eks/addon", "addonName", "clusterName"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _aws(
        "eks/pod_identity_association",
        "clusterName",
        "namespace",
        "serviceAccount",
        current=True,
    ),
    "aws:eks/cluster:Cluster": _aws(
        "eks/cluster",
        "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "bootstrapSelfManagedAddons",
        "kubernetesNetworkConfig.ipFamily",
        "kubernetesNetworkConfig.serviceIpv4Cidr",
        "name",
        "outpostConfig.controlPlaneInstanceType",
        "outpostConfig.controlPlanePlacement.groupName",
        "remoteNetworkConfig",
        "roleArn",
        note="removing encryptionConfig, or changing an existing computeConfig.nodeRoleArn, "
        "also replaces the cluster",
        current=True,
    ),
    "aws:eks/nodeGroup:NodeGroup": _aws(
        "eks/node_group",
        "amiType",
        "capacityType",
        "clusterName",
        "diskSize",
        "instanceTypes",
        "launchTemplate.id",
        "launchTemplate.name",
        "nodeGroupName",
        "nodeGroupNamePrefix",
        "nodeRoleArn",
        "remoteAccess",
        "subnetIds",
        current=True,
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": _aws(
        "elasticache/replication_group",
        "atRestEncryptionEnabled",
        "dataTieringEnabled",
        "globalReplicationGroupId",
        "kmsKeyId",
        "networkType",
        "port",
        "replicationGroupId",
        "securityGroupNames",
        "snapshotArns",
        "snapshotName",
        "subnetGroupName",
        note="an engine or engineVersion downgrade, or a changed nodeGroupConfigurations, "
        "also replaces the group",
        current=True,
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": _aws("elasticache/subnet_group", "name"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Rule(
        ("clientIdLists", "url"), f"{_TF_OLD} internal/service/iam/openid_connect_provider.go"
    ),
    "aws:iam/role:Role": Rule(
        ("name", "namePrefix", "path"), f"{_TF_OLD} internal/service/iam/role.go"
    ),
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": Rule(
        ("awsServiceName", "customSuffix"),
        f"{_TF_OLD} internal/service/iam/service_linked_role.go",
    ),
    "aws:iam/rolePolicy:RolePolicy": Rule(
        ("name", "namePrefix", "role"), f"{_TF_OLD} internal/service/iam/role_policy.go"
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Rule(
        ("policyArn", "role"), f"{_TF_OLD} internal/service/iam/role_policy_attachment.go"
    ),
    "aws:kms/alias:Alias": _aws("kms/alias", "name", "namePrefix"),
    "aws:kms/key:Key": _aws(
        "kms/key", "customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion"
    ),
    "aws:rds/instance:Instance": _aws(
        "rds/instance",
        "availabilityZone",
        "backupTarget",
        "characterSetName",
        "customIamInstanceProfile",
        "dbName",
        "engine",
        "kmsKeyId",
        "ncharCharacterSetName",
        "restoreToPointInTime",
        "s3Import",
        "snapshotIdentifier",
        "storageEncrypted",
        "timezone",
        "username",
    ),
    "aws:rds/parameterGroup:ParameterGroup": _aws(
        "rds/parameter_group", "description", "family", "name", "namePrefix"
    ),
    "aws:rds/subnetGroup:SubnetGroup": _aws("rds/subnet_group", "name", "namePrefix"),
    "aws:s3/bucket:Bucket": _aws("s3/bucket", "bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _aws(
        "s3/bucket_lifecycle_configuration", *_S3_SIDE
    ),
    "aws:s3/bucketLogging:BucketLogging": _aws("s3/bucket_logging", *_S3_SIDE),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _aws(
        "s3/bucket_ownership_controls", "bucket"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _aws("s3/bucket_policy", "bucket"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _aws(
        "s3/bucket_public_access_block", "bucket"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _aws("s3/bucket_server_side_encryption_configuration", *_S3_SIDE)
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _aws("s3/bucket_versioning", *_S3_SIDE),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _aws(
        "ec2/vpc_security_group_ingress_rule", "securityGroupId"
    ),
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": _k8s(),
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": _k8s(),
    "kubernetes:apps/v1:StatefulSet": _k8s(
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
    ),
    "kubernetes:apps/v1:Deployment": _k8s("spec.selector"),
    "kubernetes:batch/v1:Job": _k8s(
        "spec.completions", "spec.parallelism", "spec.selector", "spec.template"
    ),
    "kubernetes:core/v1:ConfigMap": _k8s("binaryData", "data"),
    "kubernetes:core/v1:LimitRange": _k8s(),
    "kubernetes:core/v1:Namespace": _k8s(),
    "kubernetes:core/v1:PersistentVolumeClaim": _k8s("spec"),
    "kubernetes:core/v1:ResourceQuota": _k8s("spec.scopes"),
    "kubernetes:core/v1:Secret": _k8s("type", "stringData", "data"),
    "kubernetes:core/v1:Service": _k8s("spec.clusterIP"),
    "kubernetes:core/v1:ServiceAccount": _k8s(),
    "kubernetes:helm.sh/v3:Release": Rule(
        ("name", "namespace"), "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go"
    ),
    "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue": _k8s(),
    "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": _k8s(),
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": _k8s(),
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": _k8s(),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _k8s("roleRef"),
    "kubernetes:rbac.authorization.k8s.io/v1:Role": _k8s(),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _k8s("roleRef"),
    "kubernetes:storage.k8s.io/v1:StorageClass": _k8s("parameters", "provisioner"),
    "pulumi:providers:aws": Rule(
        ("region",),
        "pulumi/pulumi-aws DiffConfig (a provider in another region is another provider)",
        note="a replaced provider replaces every resource it manages",
    ),
    "pulumi:providers:kubernetes": Rule(
        ("kubeconfig", "context", "cluster"),
        "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig",
        note="replaced only when the target cluster changes; a kubeconfig is a secret, so "
        "the plan cannot tell, and every kubeconfig change is shown as a replacement",
    ),
    "random:index/randomBytes:RandomBytes": Rule(
        ("keepers", "length"),
        "hashicorp/terraform-provider-random internal/provider/resource_bytes.go",
    ),
    "random:index/randomId:RandomId": Rule(
        ("byteLength", "keepers", "prefix"),
        "hashicorp/terraform-provider-random internal/provider/resource_id.go",
    ),
    "random:index/randomPassword:RandomPassword": Rule(
        (ALL_INPUTS,), "hashicorp/terraform-provider-random internal/provider/resource_password.go"
    ),
}


def rule_for(resource_type: str) -> Rule | None:
    return RULES.get(resource_type)


def replacing_paths(
    resource_type: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[str]:
    """The replace-forcing input paths whose value differs between ``old`` and ``new``.

    Unknown types return no paths: the caller says the type is not in the table.
    """
    rule = RULES.get(resource_type)
    if rule is None:
        return []
    if ALL_INPUTS in rule.paths:
        return [ALL_INPUTS] if old != new else []
    return [p for p in rule.paths if list(_values(old, p)) != list(_values(new, p))]


def _values(data: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` (``[*]`` fans out over list items); nothing when absent."""
    head, _, rest = path.partition(".")
    fan = head.endswith("[*]")
    key = head.removesuffix("[*]")
    if not isinstance(data, Mapping) or key not in data:
        return
    value = data[key]
    items = value if fan and isinstance(value, list) else [value]
    for item in items:
        if rest:
            yield from _values(item, rest)
        else:
            yield item
