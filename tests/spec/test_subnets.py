import ipaddress

import pytest

from mlplat.spec.subnets import CidrError, plan_subnets


@pytest.mark.parametrize(
    ("cidr", "zones"),
    [
        ("10.0.0.0/16", 2),
        ("10.0.0.0/16", 3),
        ("10.20.0.0/16", 6),
        ("172.16.0.0/20", 2),
        ("10.0.0.0/20", 6),
        ("10.0.0.0/21", 4),
        ("10.0.0.0/22", 2),
    ],
)
def test_subnets_are_disjoint_inside_the_vpc(cidr: str, zones: int) -> None:
    layout = plan_subnets(cidr, zones)
    vpc = ipaddress.ip_network(cidr)
    nets = [ipaddress.ip_network(c) for c in layout.private + layout.public + layout.endpoints]
    assert len(layout.private) == len(layout.public) == len(layout.endpoints) == zones
    assert all(ipaddress.ip_network(e).prefixlen == 28 for e in layout.endpoints)
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    assert all(ipaddress.ip_network(p).prefixlen <= 24 for p in layout.private)


def test_three_zones_in_a_slash_16() -> None:
    layout = plan_subnets("10.0.0.0/16", 3)
    assert layout.private == ("10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19")
    assert layout.public == ("10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21")
    assert layout.endpoints == ("10.0.255.208/28", "10.0.255.224/28", "10.0.255.240/28")


@pytest.mark.parametrize(
    ("cidr", "zones", "message", "hint"),
    [
        ("10.0.0.0/22", 3, "too small for 3 zones", "/21"),
        ("10.0.0.1/16", 2, "host bits set", "10.0.0.0/16"),
        ("8.8.0.0/16", 2, "not a private range", None),
        ("10.0.0.0/8", 2, "larger than AWS allows", None),
        ("ten/16", 2, "not an IPv4 CIDR", None),
    ],
)
def test_rejects_unusable_cidrs(cidr: str, zones: int, message: str, hint: str | None) -> None:
    with pytest.raises(CidrError, match=message) as caught:
        plan_subnets(cidr, zones)
    if hint:
        assert hint in caught.value.hint
