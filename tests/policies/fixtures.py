"""Wire-shaped fixtures for every control: what the engine sends (camelCase names, numbers
as floats, some AWS booleans as strings, policy documents as JSON strings or dicts).

``CASES[control_id]`` holds (label, resources, fails) triples. A compliant case is a
secure baseline; a failing case changes one thing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from mlplat.policies.runner import Resource

ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1111"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/trainer:1.4.0"


def res(rtype: str, props: dict[str, Any], name: str = "r", parent: str | None = None,
        deps: dict[str, list[str]] | None = None) -> Resource:  # fmt: skip
    return Resource(
        f"urn:pulumi:test::mlplat::{rtype}::{name}", rtype, name, props, parent, deps or {}
    )


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with ``path`` (dots; digits index lists) set, or removed
    when ``value`` is ``DELETE``."""
    out = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    if value is DELETE:
        node.pop(int(last) if last.isdigit() else last, None) if isinstance(
            node, dict
        ) else node.pop(int(last))
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return out


DELETE = object()

# --- AWS --------------------------------------------------------------------------------
CLUSTER = "aws:eks/cluster:Cluster"
GOOD_CLUSTER = {
    "name": "mlplat-prod",
    "version": "1.35",
    "vpcConfig": {
        "subnetIds": ["subnet-a", "subnet-b"],
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
    },
    "encryptionConfig": {"provider": {"keyArn": KEY_ARN}, "resources": ["secrets"]},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
}
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GOOD_NODE_GROUP = {
    "clusterName": "mlplat-prod",
    "amiType": "AL2023_x86_64_STANDARD",
    "instanceTypes": ["m7i.2xlarge"],
    "launchTemplate": {"id": "lt-1", "version": "1"},
    "scalingConfig": {"minSize": 1.0, "maxSize": 3.0, "desiredSize": 1.0},
}
GPU_NODE_GROUP = {
    **GOOD_NODE_GROUP,
    "amiType": "AL2023_x86_64_NVIDIA",
    "instanceTypes": ["g6.2xlarge"],
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
}
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GOOD_LT = {
    "metadataOptions": {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1.0,
    },
    "blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY_ARN, "volumeSize": 100.0}}
    ],
    "networkInterfaces": [{"associatePublicIpAddress": "false"}],
}  # fmt: skip
INSTANCE = "aws:ec2/instance:Instance"
GOOD_INSTANCE = {
    "ami": "ami-1",
    "instanceType": "t3.micro",
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1.0},
    "rootBlockDevice": {"encrypted": True},
    "associatePublicIpAddress": False,
}
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"


def sg(protocol: str, low: float, high: float, cidr: str) -> dict[str, Any]:
    return {
        "ingress": [{"protocol": protocol, "fromPort": low, "toPort": high, "cidrBlocks": [cidr]}]
    }


def trust(condition: dict[str, Any] | None, principal: Any = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal or {"Federated": OIDC_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


SCOPED = {"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:mlflow:mlflow",
                           f"{ISSUER}:aud": "sts.amazonaws.com"}}  # fmt: skip
ROLE = "aws:iam/role:Role"


def doc(action: Any, resource: Any, principal: Any = None, condition: Any = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if principal is not None:
        statement["Principal"] = principal
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def bucket_set(*, block: dict[str, Any] | None = None, sse: str | None = "aws:kms",
               versioning: str | None = "Enabled") -> list[Resource]:  # fmt: skip
    """A bucket and its v7 side resources, linked through the `bucket` input."""
    bucket = res("aws:s3/bucket:Bucket", {"bucket": "mlplat-artifacts"}, "artifacts")
    deps = {"bucket": [bucket.urn]}
    out = [bucket]
    if block is not False:
        flags = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
                 "restrictPublicBuckets": True} | (block or {})  # fmt: skip
        out.append(res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                       {"bucket": "mlplat-artifacts", **flags}, "artifacts-bpab", deps=deps))  # fmt: skip
    if sse:
        rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse, "kmsMasterKeyId": KEY_ARN},
                "bucketKeyEnabled": True}  # fmt: skip
        out.append(res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                       {"bucket": "mlplat-artifacts", "rules": [rule]}, "artifacts-sse", deps=deps))  # fmt: skip
    if versioning:
        out.append(res("aws:s3/bucketVersioning:BucketVersioning",
                       {"bucket": "mlplat-artifacts", "versioningConfiguration": {"status": versioning}},
                       "artifacts-versioning", deps=deps))  # fmt: skip
    return out


RDS = "aws:rds/instance:Instance"
GOOD_RDS = {
    "engine": "postgres",
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "publiclyAccessible": False,
    "backupRetentionPeriod": 14.0,
    "manageMasterUserPassword": True,
    "deletionProtection": True,
    "monitoringInterval": 60.0,
    "monitoringRoleArn": f"arn:aws:iam::{ACCOUNT}:role/db-monitoring",
}
KMS_KEY = "aws:kms/key:Key"
GOOD_KEY = {
    "enableKeyRotation": True,
    "policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                          "Action": "kms:*", "Resource": "*"}]}),
}  # fmt: skip

# --- Kubernetes ---------------------------------------------------------------------------
GOOD_CONTAINER = {
    "name": "app",
    "image": ECR_IMAGE,
    "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}
GOOD_POD = {
    "automountServiceAccountToken": False,
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000.0, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [GOOD_CONTAINER],
    "volumes": [{"name": "scratch", "emptyDir": {}}],
}  # fmt: skip
GPU_POD = changed(
    changed(GOOD_POD, "containers.0.resources.limits", {"memory": "8Gi", "nvidia.com/gpu": "1"}),
    "tolerations",
    [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
) | {"nodeSelector": {"mlplat.dev/pool": "gpu-training"}}

SHAPES = {
    "Pod": ("kubernetes:core/v1:Pod", "spec"),
    "Deployment": ("kubernetes:apps/v1:Deployment", "spec.template.spec"),
    "CronJob": ("kubernetes:batch/v1:CronJob", "spec.jobTemplate.spec.template.spec"),
}


def workload(pod: dict[str, Any], shape: str = "Deployment", name: str = "trainer",
             namespace: str = "team-a") -> Resource:  # fmt: skip
    rtype, path = SHAPES[shape]
    props: dict[str, Any] = {
        "apiVersion": rtype.split(":")[1].replace("core/", ""),
        "kind": shape,
        "metadata": {"name": name, "namespace": namespace},
    }
    props = changed(props, path, copy.deepcopy(pod))
    return res(rtype, props, name)


def k8s(kind: str, group_version: str, body: dict[str, Any], name: str = "obj",
        namespace: str | None = "team-a") -> Resource:  # fmt: skip
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    api = group_version.replace("core/", "")
    return res(f"kubernetes:{group_version}:{kind}",
               {"apiVersion": api, "kind": kind, "metadata": metadata, **body}, name)  # fmt: skip


RBAC = "rbac.authorization.k8s.io/v1"
RELEASE = "kubernetes:helm.sh/v3:Release"
GOOD_MLFLOW_VALUES = {
    "postgresql": {"enabled": False},
    "mysql": {"enabled": False},
    "podSecurityContext": {"runAsNonRoot": True},
    "securityContext": {"allowPrivilegeEscalation": False},
    "image": {"tag": "3.6.0"},
    "auth": {"existingAdminSecret": {"name": "mlflow-admin"}},
}


def release(
    values: dict[str, Any], chart: str = "mlflow", version: str | None = "1.11.5"
) -> Resource:
    props: dict[str, Any] = {"chart": chart, "namespace": "mlflow", "values": values}
    if version:
        props["version"] = version
    return res(RELEASE, props, chart)


def namespace(name: str, enforce: str | None = "restricted") -> Resource:
    labels = {"pod-security.kubernetes.io/enforce": enforce} if enforce else {}
    return k8s("Namespace", "core/v1", {"metadata": {"name": name, "labels": labels}}, name, None)


DENY_ALL = {"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
