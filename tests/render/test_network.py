"""The reachability matrix over a small platform: two teams, a service, Prometheus."""

from __future__ import annotations

from mlplat.render import network
from mlplat.render.cluster import cluster_objects, operator_objects
from tests.render.helpers import (
    context,
    deployment,
    inventory,
    namespace,
    network_policy,
    obj,
    service,
)

DENY = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
DNS_PEER = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS = {
    "podSelector": {},
    "policyTypes": ["Egress"],
    "egress": [
        {
            "to": [DNS_PEER],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        }
    ],
}


def _namespaces(**labels: str) -> dict:
    return {"namespaceSelector": {"matchLabels": labels}}


def _team(ns: str, team: str) -> list:
    own = _namespaces(**{"mlplat.dev/team": team})
    app = _namespaces(**{"kubernetes.io/metadata.name": "app"})
    allowances = {
        "podSelector": {},
        "ingress": [{"from": [own]}],
        "egress": [{"to": [own]}, {"to": [app], "ports": [{"port": 8080}]}],
    }
    return [
        namespace(ns, **{"mlplat.dev/team": team}),
        network_policy("deny", DENY, namespace=ns),
        network_policy("dns", DNS, namespace=ns),
        network_policy("own", allowances, namespace=ns),
    ]


def _ingress(name: str, backend: str, port: int, class_name: str | None = None) -> object:
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": backend, "port": {"number": port}}},
    }
    spec: dict = {"rules": [{"host": f"{name}.example.com", "http": {"paths": [path]}}]}
    if class_name:
        spec["ingressClassName"] = class_name
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name}}
    return obj({**body, "spec": spec})


def _platform(*extra) -> tuple:
    web = deployment("web", ports=[{"name": "http", "containerPort": 8080}])
    objects = [
        namespace("app"),
        web,
        service("web", {"app": "web"}, [{"port": 80, "targetPort": "http"}]),
        deployment(
            "cache", labels={"app": "cache"}, ports=[{"name": "cache", "containerPort": 8080}]
        ),
        *_team("fraud", "fraud"),
        *_team("vision", "vision"),
        *_team("vision-batch", "vision"),
        *extra,
    ]
    inv = inventory(*objects)
    inv.add(cluster_objects())
    return inv


def _matrix(inv, **ctx):
    ctx.setdefault("outputs", {"serviceUrls": {"web": "http://web.app.svc"}})
    findings, flows = network.check(inv, context(**ctx))
    return findings, {f.name: f for f in flows}


def test_teams_reach_the_exported_service_but_not_each_other() -> None:
    _, flows = _matrix(_platform())
    assert flows["team fraud → web"].actual == "open"
    assert flows["team fraud ↛ other teams"].actual == "closed"
    # Two namespaces of one team may talk; the fence is between teams.
    assert flows["team vision ↛ other teams"].target == "fraud (any pod)"
    assert flows["team fraud → web"].port == "8080/TCP (http)"


def test_an_open_fence_is_an_error_naming_the_flow() -> None:
    findings, flows = _matrix(_platform())
    # Nothing isolates the platform's pods, so any team pod reaches the cache on the
    # port its team may use to reach the service.
    fence = flows["team fraud ↛ platform pods"]
    assert fence.actual == "open" and not fence.ok
    assert "app/Deployment/cache" in fence.reason
    assert any(f.object == fence.name and f.severity == "error" for f in findings)
    fraud_to_http = {
        "podSelector": {},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [_namespaces(**{"mlplat.dev/team": "fraud"})], "ports": [{"port": "http"}]}
        ],
    }
    closed = network_policy("only-fraud-to-http", fraud_to_http)
    _, fenced = _matrix(_platform(closed))
    assert fenced["team fraud ↛ platform pods"].actual == "closed"
    assert fenced["team vision → web"].actual == "closed"  # and now vision is cut off


def test_every_namespace_reaches_cluster_dns() -> None:
    _, flows = _matrix(_platform())
    assert flows["fraud → cluster DNS"].actual == "open"
    deny = network_policy("deny", DENY)
    findings, broken = _matrix(_platform(deny))
    assert broken["app → cluster DNS"].actual == "closed"
    assert any("cluster DNS" in f.object for f in findings)


def test_prometheus_reaches_what_it_scrapes() -> None:
    api = "monitoring.coreos.com/v1"
    prometheus = obj(
        {"apiVersion": api, "kind": "Prometheus", "metadata": {"name": "main"}, "spec": {}},
        namespace="monitoring",
    )
    selector = {"matchLabels": {"app": "web"}}
    monitor = obj(
        {
            "apiVersion": api,
            "kind": "ServiceMonitor",
            "metadata": {"name": "web"},
            "spec": {"selector": selector, "endpoints": [{"targetPort": "http"}]},
        }
    )
    inv = _platform(namespace("monitoring", "baseline"), prometheus, monitor)
    inv.add(list(operator_objects(inv)))
    _, flows = _matrix(inv)
    assert flows["Prometheus → app/ServiceMonitor/web"].actual == "open"
    deny = network_policy("deny", DENY)
    inv = _platform(namespace("monitoring", "baseline"), prometheus, monitor, deny)
    inv.add(list(operator_objects(inv)))
    _, flows = _matrix(inv)
    assert flows["Prometheus → app/ServiceMonitor/web"].actual == "closed"


def test_the_load_balancer_reaches_services_behind_an_ingress_from_its_subnets() -> None:
    ingress = _ingress("web", "web", 80, "alb")
    only_vpc = network_policy(
        "from-vpc",
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}]}]},
    )
    ctx = {"load_balancer_cidrs": ("10.0.128.0/20", "10.0.144.0/20"), "ingress_class": "alb"}
    _, flows = _matrix(_platform(ingress, only_vpc), **ctx)
    assert flows["load balancer → app/Ingress/web"].actual == "open"
    narrow = network_policy(
        "from-one-subnet",
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.128.0/20"}}]}]},
    )
    _, flows = _matrix(_platform(ingress, narrow), **ctx)
    assert flows["load balancer → app/Ingress/web"].actual == "partial"
