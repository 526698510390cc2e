"""Deterministic stand-ins for values only the cloud can compute (ids, ARNs, endpoints).

The same type and name always give the same placeholder, so two plans are byte-identical
and downstream inputs (a kubeconfig built from an endpoint, say) still render. Values are
shaped like the real thing but use AWS's documentation account id, so they cannot be
mistaken for live resources.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
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
}


class UnplannableCall(Exception):
    """The program called a data source the offline plan has no stand-in for."""


@dataclass(frozen=True)
class CloudContext:
    """Where placeholders pretend to live."""

    region: str = "us-east-1"
    partition: str = "aws"


def digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("::".join(parts).encode()).hexdigest()[:length]


def resource_id(typ: str, name: str) -> str:
    prefix = _ID_PREFIXES.get(typ)
    return f"{prefix}{digest(typ, name)}" if prefix else f"{name}-id"


def resource_state(
    ctx: CloudContext, typ: str, name: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Inputs echoed back, plus placeholders for the computed outputs the program reads."""
    state = dict(inputs)
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


def _eks_cluster(ctx: CloudContext, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    token = digest(name, length=32).upper()
    return {
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


_EXTRAS: dict[str, Callable[[CloudContext, str, dict[str, Any]], dict[str, Any]]] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:ec2/launchTemplate:LaunchTemplate": lambda ctx, name, inputs: {
        "latestVersion": 1,
        "defaultVersion": 1,
    },
    "aws:eks/nodeGroup:NodeGroup": lambda ctx, name, inputs: {
        "nodeGroupName": name,
        "status": "ACTIVE",
    },
}


def call_result(ctx: CloudContext, token: str, args: dict[str, Any]) -> dict[str, Any]:
    """Stand-in results for the data sources the program uses."""
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
    raise UnplannableCall(
        f"the program called {token}, which the offline plan has no placeholder for; "
        "add one in mlplat/plan/placeholders.py"
    )
