import pytest

from components.network import Network, NetworkArgs
from mlplat.plan.placeholders import resource_id
from mlplat.spec.model import NatGateways, NetworkSpec
from mlplat.spec.subnets import plan_subnets

SUBNET = "aws:ec2/subnet:Subnet"


def _network(synth, **spec):
    return synth(lambda: Network("net", NetworkArgs(spec=NetworkSpec(**spec), cluster_name="plat")))


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
    assert {r[0]["natGatewayId"] for r in routes} == {resource_id(n.type, n.name) for n in nats}


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
