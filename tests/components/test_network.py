import json

import pulumi
import pytest

from mlplat.components.network import Network, NetworkArgs
from mlplat.plan.placeholders import resource_id
from mlplat.spec.model import NatGateways
from mlplat.spec.subnets import plan_subnets
from tests.components.fixtures import KEY

SUBNET = "aws:ec2/subnet:Subnet"


def _network(synth, **spec):
    args = NetworkArgs(
        **spec,
        cluster_name="plat",
        region="eu-west-1",
        kms_key_arn=KEY,
        account_id="123456789012",
        partition="aws",
    )
    return synth(lambda: Network("net", args))


def test_subnets_follow_the_layout_across_zones_in_order(synth) -> None:
    out = _network(synth, cidr="10.0.0.0/16", availability_zones=3)
    layout = plan_subnets("10.0.0.0/16", 3)
    for kind, cidrs in (("private", layout.private), ("public", layout.public)):
        for i, cidr in enumerate(cidrs):
            subnet = out.one(SUBNET, f"net-{kind}-{i + 1}")
            assert subnet.inputs["cidrBlock"] == cidr
            assert subnet.inputs["availabilityZone"] == f"eu-west-1{'abc'[i]}"
            assert subnet.inputs["mapPublicIpOnLaunch"] is False
            assert subnet.inputs["tags"]["kubernetes.io/cluster/plat"] == "shared"


def test_subnets_carry_the_load_balancer_role_tags(synth) -> None:
    out = _network(synth, availability_zones=2)
    assert out.one(SUBNET, "net-public-1").inputs["tags"]["kubernetes.io/role/elb"] == "1"
    private_tags = out.one(SUBNET, "net-private-1").inputs["tags"]
    assert private_tags["kubernetes.io/role/internal-elb"] == "1"
    assert "kubernetes.io/role/elb" not in private_tags


@pytest.mark.parametrize(("mode", "expected"), [(NatGateways.PER_ZONE, 3), (NatGateways.SINGLE, 1)])
def test_nat_gateways_per_zone_or_single(synth, mode, expected) -> None:
    out = _network(synth, availability_zones=3, nat_gateways=mode)
    nats = out.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == expected
    routes = [
        out.one("aws:ec2/routeTable:RouteTable", f"net-private-{i}").inputs["routes"]
        for i in (1, 2, 3)
    ]
    assert all(r[0]["cidrBlock"] == "0.0.0.0/0" for r in routes)
    assert {r[0]["natGatewayId"] for r in routes} == {
        resource_id(n.type, n.name, n.inputs) for n in nats
    }


def test_only_the_public_route_table_reaches_the_internet_gateway(synth) -> None:
    out = _network(synth, availability_zones=2)
    public = out.one("aws:ec2/routeTable:RouteTable", "net-public")
    assert public.inputs["routes"][0]["gatewayId"].startswith("igw-")
    for i in (1, 2):
        assert (
            "gatewayId"
            not in out.one("aws:ec2/routeTable:RouteTable", f"net-private-{i}").inputs["routes"][0]
        )


def test_default_security_group_is_emptied(synth) -> None:
    sg = _network(synth).one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert sg.inputs["ingress"] == [] and sg.inputs["egress"] == []


def test_children_are_parented_to_the_component(synth) -> None:
    out = _network(synth)
    component = out.one("mlplat:index:Network")
    children = [r for r in out.resources if r.custom]
    assert children and all(r.parent == component.urn for r in children)


def test_s3_gateway_endpoint_serves_every_private_route_table(synth) -> None:
    out = _network(synth, availability_zones=3)
    (endpoint,) = [
        e
        for e in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Gateway"
    ]
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    private = [out.one("aws:ec2/routeTable:RouteTable", f"net-private-{i}") for i in (1, 2, 3)]
    assert endpoint.inputs["routeTableIds"] == [
        resource_id(r.type, r.name, r.inputs) for r in private
    ]


def test_no_interface_endpoints_unless_asked(synth) -> None:
    out = _network(synth)
    assert [
        e.inputs["vpcEndpointType"] for e in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    ] == ["Gateway"]
    assert out.of_type("aws:ec2/securityGroup:SecurityGroup") == []


def test_interface_endpoints_are_private_and_admit_only_https_from_the_vpc(synth) -> None:
    out = _network(synth, cidr="10.1.0.0/16", interface_endpoints=("ecr", "sts"))
    interfaces = [
        e
        for e in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    ]
    assert sorted(e.inputs["serviceName"] for e in interfaces) == [
        "com.amazonaws.eu-west-1.ecr.api",
        "com.amazonaws.eu-west-1.ecr.dkr",
        "com.amazonaws.eu-west-1.sts",
    ]
    group = out.one("aws:ec2/securityGroup:SecurityGroup")
    (rule,) = group.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["cidrBlocks"]) == (443.0, 443.0, ["10.1.0.0/16"])
    assert group.inputs["egress"] == []
    for endpoint in interfaces:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert len(endpoint.inputs["subnetIds"]) == 3


def test_flow_logs_capture_all_traffic_into_an_encrypted_group(synth) -> None:
    out = _network(synth, flow_log_retention_days=30)
    group = out.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 30.0
    assert group.inputs["kmsKeyId"] == KEY
    flow = out.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestination"] == group.inputs["name"].join(
        ["arn:aws:logs:eu-west-1:123456789012:log-group:", ""]
    )
    policy = json.loads(out.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Resource"][0] == flow.inputs["logDestination"]
    trust = json.loads(out.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}


def test_private_subnet_in_picks_the_zone_or_fails_clearly(synth) -> None:
    picked = {}

    def program():
        net = Network(
            "net",
            NetworkArgs(
                availability_zones=2,
                cluster_name="plat",
                region="eu-west-1",
                kms_key_arn=KEY,
                account_id="123456789012",
                partition="aws",
            ),
        )
        net.private_subnet_in("eu-west-1b").apply(lambda v: picked.setdefault("b", v))
        pulumi.export("c", net.private_subnet_in("eu-west-1c"))

    with pytest.raises(Exception, match=r"zone eu-west-1c is not one of the network's zones"):
        synth(program)
    out = _network(synth, availability_zones=2)
    subnet = out.one(SUBNET, "net-private-2")
    assert picked["b"] == [resource_id(subnet.type, subnet.name, subnet.inputs)]


def test_named_zones_are_used_as_given_in_order(synth) -> None:
    out = _network(synth, zones=("eu-west-1c", "eu-west-1a"))
    zones = [out.one(SUBNET, f"net-private-{i}").inputs["availabilityZone"] for i in (1, 2)]
    assert zones == ["eu-west-1c", "eu-west-1a"]
    assert len(out.of_type(SUBNET)) == 4


def test_interface_endpoints_live_in_their_own_small_subnets(synth) -> None:
    out = _network(synth, cidr="10.1.0.0/16", interface_endpoints=("ecr", "sts"))
    layout = plan_subnets("10.1.0.0/16", 3)
    subnets = [out.one(SUBNET, f"net-endpoints-{i}") for i in (1, 2, 3)]
    assert [s.inputs["cidrBlock"] for s in subnets] == list(layout.endpoints)
    for subnet in subnets:  # never picked for load balancers or nodes
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
        assert set(subnet.inputs["tags"]) == {"Name"}
    ids = {resource_id(s.type, s.name, s.inputs) for s in subnets}
    for endpoint in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
        if endpoint.inputs["vpcEndpointType"] == "Interface":
            assert set(endpoint.inputs["subnetIds"]) == ids


def _policy(out, service: str) -> dict:
    (endpoint,) = [
        e
        for e in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["serviceName"] == f"com.amazonaws.eu-west-1.{service}"
    ]
    return json.loads(endpoint.inputs["policy"])


def test_s3_ecr_and_sts_endpoints_keep_to_the_platforms_account(synth) -> None:
    out = _network(synth, interface_endpoints=("ecr", "sts", "logs"))
    s3 = {s["Sid"]: s for s in _policy(out, "s3")["Statement"]}
    assert s3["PlatformBuckets"]["Resource"] == ["arn:aws:s3:::plat-*", "arn:aws:s3:::plat-*/*"]
    assert s3["PlatformBuckets"]["Condition"] == {
        "StringEquals": {"aws:ResourceAccount": "123456789012"}
    }
    assert s3["EcrImageLayers"] == {
        "Sid": "EcrImageLayers",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*",
    }
    for ecr in ("ecr.api", "ecr.dkr"):
        (statement,) = _policy(out, ecr)["Statement"]
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
    sts = {s["Sid"]: s for s in _policy(out, "sts")["Statement"]}
    assert sts["PlatformRoles"]["Resource"] == "arn:aws:iam::123456789012:role/*"
    assert "sts:AssumeRoleWithWebIdentity" in sts["PlatformRoles"]["Action"]
    (logs,) = [
        e
        for e in out.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["serviceName"].endswith(".logs")
    ]
    assert "policy" not in logs.inputs  # AWS's default: not one of the endpoints data leaves by
