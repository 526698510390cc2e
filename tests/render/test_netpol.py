"""NetworkPolicy semantics, one rule at a time."""

from __future__ import annotations

from mlplat.render.netpol import CLOSED, OPEN, PARTIAL, Peer, Policies, Port
from tests.render.helpers import inventory, namespace, network_policy

WEB = Peer("web", "app", {"app": "web"})
CLIENT = Peer("client", "other", {"app": "client"})
HTTP = Port(8080, "http")
DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def _connection(
    *policies, source=CLIENT, target=WEB, port=HTTP, pods=(), services=(), via=None
) -> str:
    objects = [namespace("app"), namespace("other", team="x"), *policies]
    return Policies(inventory(*objects), pods, services).connection(source, target, port, via)


def test_no_policy_admits_everything_and_default_deny_nothing() -> None:
    assert _connection() == OPEN
    assert _connection(network_policy("deny", DENY_ALL)) == CLOSED
    assert _connection(network_policy("deny", DENY_ALL, namespace="other")) == CLOSED


def test_ingress_from_a_namespace_on_a_named_port() -> None:
    rule = {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [{"namespaceSelector": {"matchLabels": {"team": "x"}}}],
                "ports": [{"port": "http"}],
            }
        ],
    }
    allow = network_policy("allow", rule)
    assert _connection(allow) == OPEN
    assert _connection(allow, port=Port(9090, "metrics")) == CLOSED
    assert _connection(allow, source=Peer("same", "app", {"app": "x"})) == CLOSED


def test_a_pod_selector_alone_means_the_policy_namespace() -> None:
    rule = {
        "podSelector": {},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}],
    }
    allow = network_policy("allow", rule)
    assert _connection(allow) == CLOSED  # the client lives in another namespace
    assert _connection(allow, source=Peer("local", "app", {"app": "client"})) == OPEN


def test_egress_needs_the_destination_in_a_rule() -> None:
    egress = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"port": 8000, "endPort": 8100}]}],
    }
    policy = network_policy("egress", egress, namespace="other")
    assert _connection(policy) == OPEN
    assert _connection(policy, port=Port(9000)) == CLOSED


def test_ip_blocks_cover_pods_by_the_pod_network_and_addresses_partially() -> None:
    rule = {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}]}]}
    allow = network_policy("allow", rule)
    assert _connection(allow, pods=("10.0.0.0/19", "10.0.32.0/19")) == OPEN
    assert _connection(allow, pods=("10.0.0.0/19", "10.1.0.0/19")) == PARTIAL
    assert _connection(allow) == CLOSED  # pod addresses unknown
    assert _connection(allow, source=Peer("lb", cidrs=("10.0.128.0/20",))) == OPEN
    assert _connection(allow, source=Peer("lb", cidrs=("10.0.0.0/8",))) == PARTIAL
    hole = {
        "podSelector": {},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.128.0/20"]}}]}],
    }
    with_hole = network_policy("hole", hole)
    assert _connection(with_hole, source=Peer("lb", cidrs=("10.0.128.0/24",))) == CLOSED
    assert _connection(with_hole, source=Peer("lb", cidrs=("10.0.128.0/19",))) == PARTIAL
    assert _connection(with_hole, source=Peer("lb", cidrs=("10.0.0.0/17",))) == OPEN


def test_ip_blocks_of_several_rules_admit_together() -> None:
    halves = {
        "podSelector": {},
        "ingress": [
            {"from": [{"ipBlock": {"cidr": "10.0.0.0/17"}}]},
            {"from": [{"ipBlock": {"cidr": "10.0.128.0/17"}}]},
        ],
    }
    subnets = Peer("lb", cidrs=("10.0.0.0/18", "10.0.192.0/18"))
    assert _connection(network_policy("halves", halves), source=subnets) == OPEN
    assert (
        _connection(network_policy("halves", halves), source=Peer("vpc", cidrs=("10.0.0.0/16",)))
        == OPEN
    )


def test_a_team_pod_may_carry_whatever_labels_open_the_most() -> None:
    narrow = {
        "podSelector": {"matchLabels": {"role": "batch"}},
        "policyTypes": ["Egress"],
        "egress": [],
    }
    policy = network_policy("narrow", narrow, namespace="other")
    team = Peer("team", "other", {}, any_labels=True)
    plain = Peer("plain", "other", {"role": "batch"})
    # Nothing isolates every pod, so a team pod can pick labels no policy selects.
    assert _connection(policy, source=team) == OPEN
    assert _connection(policy, source=plain) == CLOSED
    admits_labelled = {
        "podSelector": {},
        "ingress": [
            {
                "from": [
                    {"namespaceSelector": {}, "podSelector": {"matchLabels": {"trusted": "yes"}}}
                ]
            }
        ],
    }
    assert _connection(network_policy("admit", admits_labelled), source=team) == OPEN
    assert _connection(network_policy("admit", admits_labelled)) == CLOSED


def test_host_network_pods_are_outside_policies() -> None:
    node_agent = Peer("agent", "app", {"app": "web"}, host_network=True)
    assert _connection(network_policy("deny", DENY_ALL), target=node_agent) == OPEN


def test_an_egress_ip_block_with_only_named_ports_admits_nothing() -> None:
    # The AWS controller skips such a peer ("Couldn't resolve ports from given CIDR list").
    outside = Peer("db", cidrs=("10.0.1.0/24",))

    def egress(*rules: dict) -> object:
        spec = {"podSelector": {}, "policyTypes": ["Egress"], "egress": list(rules)}
        return network_policy("egress", spec, namespace="other")

    block = [{"ipBlock": {"cidr": "10.0.0.0/8"}}]
    named = egress({"to": block, "ports": [{"port": "http"}]})
    assert _connection(named, target=outside) == CLOSED
    assert _connection(egress({"ports": [{"port": "http"}]}), target=outside) == CLOSED
    mixed = egress({"to": block, "ports": [{"port": "http"}, {"port": 8080}]})
    assert _connection(mixed, target=outside) == OPEN


def test_an_ingress_ip_block_keeps_named_ports() -> None:
    # Ingress names resolve on the policy's own pods, so the controller keeps them.
    named = {
        "podSelector": {},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": "http"}]}],
    }
    lb = Peer("lb", cidrs=("10.0.1.0/24",))
    assert _connection(network_policy("named", named), source=lb) == OPEN


SERVICE_SELECTOR = {"app": "web", "tier": "front"}
EGRESS_TO_WEB = {
    "podSelector": {},
    "policyTypes": ["Egress"],
    "egress": [
        {
            "to": [
                {
                    "namespaceSelector": {},
                    "podSelector": {"matchLabels": {"app": "web", "tier": "front"}},
                }
            ]
        }
    ],
}


def test_through_a_service_on_eks_the_selector_must_cover_the_services() -> None:
    web = Peer("web", "app", {"app": "web", "tier": "front", "version": "2"})
    wide = network_policy("egress", EGRESS_TO_WEB, namespace="other")
    eks = {"services": ("172.20.0.0/16",), "via": SERVICE_SELECTOR, "target": web}
    assert _connection(wide, **eks) == OPEN
    narrow_rule = {
        **EGRESS_TO_WEB,
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {},
                        "podSelector": {"matchLabels": {**SERVICE_SELECTOR, "version": "2"}},
                    }
                ]
            }
        ],
    }
    narrow = network_policy("egress", narrow_rule, namespace="other")
    # The pods match, but the controller never adds the Service's address for this rule.
    assert _connection(narrow, **eks) == CLOSED
    assert _connection(narrow, target=web, via=SERVICE_SELECTOR) == OPEN  # not EKS


def test_through_a_service_on_eks_an_ip_block_must_cover_the_service_range() -> None:
    pods_only = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}]}],
    }
    policy = network_policy("egress", pods_only, namespace="other")
    cidrs = {"pods": ("10.0.0.0/17",), "services": ("172.20.0.0/16",)}
    assert _connection(policy, **cidrs) == OPEN  # to the pod directly
    assert _connection(policy, **cidrs, via=SERVICE_SELECTOR) == CLOSED
