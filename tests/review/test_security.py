"""Security rows: each says widened or narrowed, with wildcards and ranges understood."""

from __future__ import annotations

import json
from typing import Any

from mlplat.review.security import security_changes


def _plan(*resources: tuple[str, str, dict[str, Any]], config: dict | None = None) -> dict:
    plan: dict[str, Any] = {
        "resources": [
            {
                "urn": f"urn:pulumi:s::p::{typ}::{name}",
                "type": typ,
                "name": name,
                "custom": True,
                "parent": None,
                "inputs": inputs,
                "options": {},
            }
            for typ, name, inputs in resources
        ]
    }
    if config is not None:
        plan["policy"] = {"config": config}
    return plan


def _policy(*statements: dict) -> tuple[str, str, dict]:
    doc = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return ("aws:iam/rolePolicy:RolePolicy", "app-policy", {"role": "app-role-id", "policy": doc})


def _rows(base: dict, head: dict) -> list[tuple[str, str, str]]:
    return [(r.direction, r.kind, r.detail) for r in security_changes(base, head)]


GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def test_an_added_action_widens_and_a_removed_one_narrows() -> None:
    base = _plan(_policy(GET))
    head = _plan(_policy({**GET, "Action": ["s3:GetObject", "s3:PutObject"]}))
    assert _rows(base, head) == [("widened", "iam", "Allow s3:PutObject on arn:aws:s3:::b/*")]
    assert _rows(head, base) == [("narrowed", "iam", "Allow s3:PutObject on arn:aws:s3:::b/*")]


def test_a_wildcard_covers_what_it_matches() -> None:
    star = _plan(_policy({**GET, "Action": "s3:*"}))
    one = _plan(_policy(GET))
    assert _rows(star, one) == [("narrowed", "iam", "Allow s3:* on arn:aws:s3:::b/*")]
    assert [d for d, _, _ in _rows(one, star)] == ["widened"]
    wider_resource = _plan(_policy({**GET, "Resource": "arn:aws:s3:::*"}))
    # The head covers everything the base allowed: widened, and nothing narrowed.
    assert [d for d, _, _ in _rows(one, wider_resource)] == ["widened"]


def test_conditions_removed_widen_and_tightened_narrow() -> None:
    cond = {**GET, "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}}
    tighter = {**GET, "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}}}
    assert [d for d, _, _ in _rows(_plan(_policy(cond)), _plan(_policy(GET)))] == ["widened"]
    rows = _rows(_plan(_policy(cond)), _plan(_policy(tighter)))
    assert [d for d, _, _ in rows] == ["narrowed"]
    assert "vpce-1, vpce-2" in rows[0][2]


def test_a_removed_deny_widens() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    rows = _rows(_plan(_policy(GET, deny)), _plan(_policy(GET)))
    assert [(d, k) for d, k, _ in rows] == [("widened", "iam")]
    assert rows[0][2].startswith("Deny s3:* on *")


def test_trust_policy_principals() -> None:
    def role(principal: str) -> tuple[str, str, dict]:
        trust = {
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}}
            ]
        }
        return ("aws:iam/role:Role", "app-role", {"assumeRolePolicy": json.dumps(trust)})

    rows = _rows(_plan(role("arn:aws:iam::1:role/a")), _plan(role("*")))
    assert rows == [("widened", "trust", "AWS:*: Allow sts:AssumeRole on *")]
    rows = _rows(_plan(role("arn:aws:iam::1:role/a")), _plan(role("arn:aws:iam::1:role/b")))
    assert [d for d, _, _ in rows] == ["widened", "narrowed"]


def _rule(cidr: str, low: int = 443, high: int = 443) -> tuple[str, str, dict]:
    return (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "web-in",
        {
            "securityGroupId": "sg-1",
            "ipProtocol": "tcp",
            "fromPort": low,
            "toPort": high,
            "cidrIpv4": cidr,
        },
    )


def test_security_group_ranges_and_ports() -> None:
    assert _rows(_plan(_rule("10.0.0.0/16")), _plan(_rule("0.0.0.0/0"))) == [
        ("widened", "network-rule", "ingress tcp 443 from 0.0.0.0/0")
    ]
    assert [d for d, _, _ in _rows(_plan(_rule("10.0.0.0/8")), _plan(_rule("10.1.0.0/16")))] == [
        "narrowed"
    ]
    rows = _rows(_plan(_rule("10.0.0.0/8")), _plan(_rule("10.0.0.0/8", 0, 65535)))
    assert rows == [("widened", "network-rule", "ingress tcp all ports from 10.0.0.0/8")]


def _k8s(typ: str, name: str, namespace: str, **body: Any) -> tuple[str, str, dict]:
    return (f"kubernetes:{typ}", name, {"metadata": {"name": name, "namespace": namespace}, **body})


def test_rbac_rules_and_bindings() -> None:
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}
    role = _k8s("rbac.authorization.k8s.io/v1:Role", "dev", "team", rules=[rule])
    more = _k8s(
        "rbac.authorization.k8s.io/v1:Role",
        "dev",
        "team",
        rules=[{**rule, "verbs": ["get", "list", "delete"]}],
    )
    assert _rows(_plan(role), _plan(more)) == [("widened", "rbac-rule", "delete on pods")]
    star = _k8s(
        "rbac.authorization.k8s.io/v1:Role", "dev", "team", rules=[{**rule, "verbs": ["*"]}]
    )
    assert _rows(_plan(star), _plan(more)) == [("narrowed", "rbac-rule", "* on pods")]
    binding = {
        "roleRef": {"kind": "Role", "name": "dev"},
        "subjects": [{"kind": "Group", "name": "devs"}],
    }
    bound = _k8s("rbac.authorization.k8s.io/v1:RoleBinding", "dev", "team", **binding)
    more_bound = _k8s(
        "rbac.authorization.k8s.io/v1:RoleBinding",
        "dev",
        "team",
        **{**binding, "subjects": [*binding["subjects"], {"kind": "User", "name": "eve"}]},
    )
    assert _rows(_plan(bound), _plan(more_bound)) == [
        ("widened", "rbac-binding", "User eve gets Role dev in namespace team")
    ]


def _netpol(egress: list[dict]) -> tuple[str, str, dict]:
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "egress": egress}
    return _k8s("networking.k8s.io/v1:NetworkPolicy", "allow", "team", spec=spec)


def test_network_policy_openings_and_lost_isolation() -> None:
    dns = {
        "to": [{"namespaceSelector": {"matchLabels": {"name": "kube-system"}}}],
        "ports": [{"protocol": "UDP", "port": 53}],
    }
    web = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    rows = _rows(_plan(_netpol([dns])), _plan(_netpol([dns, web])))
    assert rows == [("widened", "netpol", "egress of all pods to 0.0.0.0/0 on TCP 443")]
    namespace = _k8s("core/v1:Namespace", "team", "")
    lost = _rows(_plan(namespace, _netpol([dns])), _plan(namespace))
    assert ("widened", "isolation", "egress of all pods is denied unless allowed") in lost


def test_pod_security_levels() -> None:
    def ns(level: str) -> tuple[str, str, dict]:
        labels = {"pod-security.kubernetes.io/enforce": level}
        return (
            "kubernetes:core/v1:Namespace",
            "team",
            {"metadata": {"name": "team", "labels": labels}},
        )

    assert _rows(_plan(ns("restricted")), _plan(ns("baseline"))) == [
        ("widened", "pod-security", "pods may run at Pod Security baseline")
    ]
    assert [d for d, _, _ in _rows(_plan(ns("privileged")), _plan(ns("baseline")))] == ["narrowed"]


def test_policy_exemptions_and_enforcement() -> None:
    strict = {"k8s-no-hostpath": {"enforcementLevel": "mandatory"}}
    relaxed = {
        "k8s-no-hostpath": {
            "enforcementLevel": "advisory",
            "exemptions": [{"namespace": "logging", "reason": "ships node logs from /var/log"}],
        }
    }
    rows = _rows(_plan(config=strict), _plan(config=relaxed))
    assert rows == [
        ("widened", "exemption", "namespace logging exempt: ships node logs from /var/log"),
        ("widened", "enforcement", "enforced as advisory"),
    ]


def test_public_endpoints() -> None:
    def cluster(public: bool, cidrs: list[str]) -> tuple[str, str, dict]:
        vpc = {"endpointPublicAccess": public, "publicAccessCidrs": cidrs}
        return ("aws:eks/cluster:Cluster", "c", {"vpcConfig": vpc})

    assert _rows(_plan(cluster(False, [])), _plan(cluster(True, ["203.0.113.0/24"]))) == [
        ("widened", "public-endpoint", "Kubernetes API reachable from 203.0.113.0/24")
    ]
    values = {
        "ingress": {
            "annotations": {
                "alb.ingress.kubernetes.io/scheme": "internet-facing",
                "alb.ingress.kubernetes.io/group.name": "p",
            }
        }
    }
    release = ("kubernetes:helm.sh/v3:Release", "app", {"values": values})
    internal = ("kubernetes:helm.sh/v3:Release", "app", {"values": {}})
    assert _rows(_plan(internal), _plan(release)) == [
        ("widened", "public-endpoint", "internet-facing load balancer")
    ]


def test_a_dropped_admission_fence_widens() -> None:
    def binding(name: str, actions: list[str]) -> tuple[str, str, dict]:
        spec = {"policyName": name, "validationActions": actions}
        return (
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
            name,
            {"spec": spec},
        )

    both = _plan(binding("a", ["Deny"]), binding("b", ["Deny"]))
    assert _rows(both, _plan(binding("a", ["Deny"]), binding("b", ["Warn"]))) == [
        ("widened", "admission", "b denies the requests its policy refuses")
    ]
