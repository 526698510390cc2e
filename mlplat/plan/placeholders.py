"""Deterministic stand-ins for values only the cloud can compute (ids, ARNs, endpoints).

The same type and name always give the same placeholder, so two plans are byte-identical
and downstream inputs (a kubeconfig built from an endpoint, say) still render. Values are
shaped like the real thing but use AWS's documentation account id, so they cannot be
mistaken for live resources.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"
"""AWS's documentation account id."""
GLOBAL_SERVICES = frozenset({"iam"})
"""Services whose ARNs carry no region."""

_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
}


class UnplannableCall(Exception):
    """The program called a data source the offline plan has no stand-in for."""


@dataclass(frozen=True)
class CloudContext:
    """Where placeholders pretend to live."""

    region: str = "us-east-1"
    partition: str = "aws"
    stack_outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Outputs of the stacks a StackReference may read, by fully qualified stack name."""


def digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("::".join(parts).encode()).hexdigest()[:length]


_IDS_FROM_INPUT = {"aws:s3/bucket:Bucket": "bucket"}
"""Resources whose id is one of their inputs (a bucket's id is its name)."""


def resource_id(typ: str, name: str, inputs: dict[str, Any]) -> str:
    if typ in _IDS_FROM_INPUT and _IDS_FROM_INPUT[typ] in inputs:
        return str(inputs[_IDS_FROM_INPUT[typ]])
    prefix = _ID_PREFIXES.get(typ)
    return f"{prefix}{digest(typ, name)}" if prefix else f"{name}-id"


def kubernetes_autoname(name: str) -> str:
    """The name the kubernetes provider gives an object without one: the resource name and
    a random suffix (here a fixed one)."""
    return f"{name}-{digest('autoname', name, length=8)}"


def resource_state(
    ctx: CloudContext, typ: str, name: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Inputs echoed back, plus placeholders for the computed outputs the program reads."""
    state = dict(inputs)
    metadata = state.get("metadata")
    if typ.startswith("kubernetes:") and isinstance(metadata, dict) and not metadata.get("name"):
        state["metadata"] = {**metadata, "name": kubernetes_autoname(name)}
    if typ.startswith("aws:"):
        module, resource = typ.split(":")[1].split("/")[0], typ.rsplit(":", 1)[-1]
        region = "" if module in GLOBAL_SERVICES else ctx.region
        state.setdefault(
            "arn", f"arn:{ctx.partition}:{module}:{region}:{ACCOUNT_ID}:{resource.lower()}/{name}"
        )
        state.setdefault("name", name)
    extra = _EXTRAS.get(typ)
    if extra:
        state.update(extra(ctx, name, inputs))
    return state


def _uuid(*parts: str) -> str:
    h = digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _arn(ctx: CloudContext, service: str, resource: str) -> str:
    """A regional ARN in the placeholder account."""
    return f"arn:{ctx.partition}:{service}:{ctx.region}:{ACCOUNT_ID}:{resource}"


def _kms_key(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key_id = _uuid("kms", name)
    return {"keyId": key_id, "arn": _arn(ctx, "kms", f"key/{key_id}")}


def _rds_instance(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = inputs.get("identifier", name)
    address = f"{identifier}.c{digest(name, length=11)}.{ctx.region}.rds.amazonaws.com"
    port = inputs.get("port", 5432)
    secret = _arn(ctx, "secretsmanager", f"secret:rds!db-{_uuid('rds', name)}-{digest(name)[:6]}")
    return {
        "address": address,
        "port": port,
        "endpoint": f"{address}:{int(port)}",
        "masterUserSecrets": [
            {"secretArn": secret, "secretStatus": "active", "kmsKeyId": inputs.get("kmsKeyId")}
        ],
    }


def _eks_cluster(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    token = digest(name, length=32).upper()
    return {
        "arn": _arn(ctx, "eks", f"cluster/{inputs.get('name', name)}"),
        "endpoint": f"https://{token}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {
            "data": base64.b64encode(f"placeholder CA of {name}".encode()).decode()
        },
        "vpcConfig": {
            **inputs.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"sg-{digest(name, 'cluster-sg')}",
        },
        "identities": [
            {"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{token}"}]}
        ],
        "status": "ACTIVE",
    }


PLACEHOLDER_SECRET_PREFIX = "plansecret"
"""Every generated credential in a plan starts with this, so tests can prove none leaks."""


def _random_password(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    value = f"{PLACEHOLDER_SECRET_PREFIX}{digest('password', name, length=22)}"
    return {"result": value, "bcryptHash": f"$2a$10${digest('bcrypt', name, length=53)}"}


def _random_bytes(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    raw = (PLACEHOLDER_SECRET_PREFIX + digest("bytes", name, length=32))[: int(inputs["length"])]
    return {"base64": base64.b64encode(raw.encode()).decode(), "hex": raw.encode().hex()}


def _random_id(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    raw = digest("id", name, length=2 * int(inputs["byteLength"]))
    return {"hex": raw, "dec": str(int(raw, 16)), "id": raw}


_EXTRAS: dict[str, Callable[[CloudContext, str, dict[str, Any]], dict[str, Any]]] = {
    "random:index/randomId:RandomId": _random_id,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomBytes:RandomBytes": _random_bytes,
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda ctx, name, inputs: {
        "primaryEndpointAddress": f"master.{name}.{digest(name, length=6)}.{ctx.region}"
        ".cache.amazonaws.com"
    },
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:ec2/launchTemplate:LaunchTemplate": lambda ctx, name, inputs: {
        "latestVersion": 1,
        "defaultVersion": 1,
    },
    "aws:eks/nodeGroup:NodeGroup": lambda ctx, name, inputs: {
        "arn": _arn(
            ctx, "eks", f"nodegroup/{inputs.get('clusterName', 'cluster')}/{name}/{_uuid(name)}"
        ),
        "nodeGroupName": name,
        "status": "ACTIVE",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{_uuid('asg', name)}"}]}],
    },
    "aws:kms/key:Key": _kms_key,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda ctx, name, inputs: {
        "arn": f"arn:{ctx.partition}:iam::{ACCOUNT_ID}:oidc-provider/"
        + str(inputs.get("url", name)).removeprefix("https://")
    },
    "aws:cloudwatch/logGroup:LogGroup": lambda ctx, name, inputs: {
        "arn": _arn(ctx, "logs", f"log-group:{inputs.get('name', name)}")
    },
    "aws:s3/bucket:Bucket": lambda ctx, name, inputs: {
        "arn": f"arn:{ctx.partition}:s3:::{inputs.get('bucket', name)}"
    },
    "aws:ecr/repository:Repository": lambda ctx, name, inputs: {
        "arn": _arn(ctx, "ecr", f"repository/{inputs.get('name', name)}"),
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{ctx.region}.amazonaws.com/"
        + str(inputs.get("name", name)),
    },
}


def call_result(ctx: CloudContext, token: str, args: dict[str, Any]) -> dict[str, Any]:
    """Stand-in results for the data sources the program (or a user's program built from
    mlplat's components) uses."""
    if token == "aws:index/getRegion:getRegion":
        return {"name": ctx.region, "region": ctx.region, "id": ctx.region}
    if token == "aws:index/getPartition:getPartition":
        suffix = "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
        return {"partition": ctx.partition, "dnsSuffix": suffix, "id": ctx.partition}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        letters = "abcdef"
        return {
            "names": [f"{ctx.region}{c}" for c in letters],
            "zoneIds": [
                f"{ctx.region[:3]}{ctx.region.split('-')[-1]}-az{i + 1}"
                for i in range(len(letters))
            ],
            "id": ctx.region,
        }
    if token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
        # Documentation ranges (RFC 5737): clearly not S3's, which only the account knows.
        cidrs = ("198.51.100.0/24", "203.0.113.0/24")
        return {
            "id": "pl-placeholder",
            "name": args.get("name", ""),
            "entries": [{"cidr": c, "description": ""} for c in cidrs],
        }
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:{ctx.partition}:iam::{ACCOUNT_ID}:role/placeholder-caller",
            "userId": "AROAPLACEHOLDER",
            "id": ACCOUNT_ID,
        }
    raise UnplannableCall(
        f"the program called {token}, which the offline plan has no placeholder for; "
        "add one in mlplat/plan/placeholders.py"
    )
