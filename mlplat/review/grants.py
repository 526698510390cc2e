"""What a plan grants, as atoms that can be compared across two plans.

Each security-relevant declaration becomes a set of small facts ("role R may s3:GetObject
on bucket B under condition C", "namespace N allows egress to 0.0.0.0/0 on 443"). A fact
either *permits* something (an Allow statement, a rule, a binding, a public endpoint, an
exemption) or *restricts* it (a Deny statement, a default-deny NetworkPolicy). Comparing
the sets of two plans, with wildcards and CIDR ranges understood, tells what a change
widened and what it narrowed (mlplat/review/security.py).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

PSS_LEVELS = ("restricted", "baseline", "privileged")
"""Pod Security levels, strictest first."""
ENFORCEMENT_STRICTNESS = {"disabled": 0, "advisory": 1, "mandatory": 2}


@dataclass(frozen=True)
class Grant:
    kind: str
    """What sort of access: iam, trust, managed-policy, network-rule, netpol, isolation..."""
    scope: str
    """The object it is granted on or by (a role, a security group, a namespace...)."""
    key: tuple[Any, ...]
    """The fact itself; compared with ``covers``."""
    text: str
    """The fact in words."""
    where: str
    """The resource that declares it."""
    restricts: bool = False
    """A restriction (Deny, default-deny): losing it widens access."""
    group: str = ""
    """Facts with the same group are shown in one row."""


def iter_grants(plan: Mapping[str, Any]) -> Iterator[Grant]:
    for resource in plan.get("resources", []):
        extract = _EXTRACTORS.get(resource["type"])
        if extract is not None and resource.get("custom", True):
            yield from extract(resource)
    yield from _policy_config_grants((plan.get("policy") or {}).get("config") or {})
    yield from _public_load_balancers(plan)


def covers(outer: Grant, inner: Grant) -> bool:
    """Whether ``outer`` permits (or restricts) at least everything ``inner`` does."""
    if outer.kind != inner.kind or outer.scope != inner.scope:
        return False
    compare = _COVERS.get(outer.kind)
    return compare(outer.key, inner.key) if compare else outer.key == inner.key


# ---- IAM documents --------------------------------------------------------------------


def _document(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _principals(statement: Mapping[str, Any]) -> list[str]:
    for field, negated in (("Principal", ""), ("NotPrincipal", "not ")):
        value = statement.get(field)
        if value is None:
            continue
        if value == "*":
            return [f"{negated}*"]
        if isinstance(value, Mapping):
            return [f"{negated}{kind}:{p}" for kind, ps in value.items() for p in _listed(ps)]
    return ["(the role)"]


def _conditions(statement: Mapping[str, Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        return ()
    return tuple(
        sorted(
            (op, key, tuple(sorted(_listed(values))))
            for op, entries in condition.items()
            if isinstance(entries, Mapping)
            for key, values in entries.items()
        )
    )


def document_grants(
    kind: str, scope: str, where: str, document: Any, subject: str = ""
) -> Iterator[Grant]:
    """Facts of one IAM policy document (identity, trust, key or bucket policy)."""
    doc = _document(document)
    if doc is None:
        if document not in (None, "", "[secret]", "[unknown]"):
            yield Grant(kind, scope, ("raw", str(document)), "an unparsed policy document", where)
        return
    statements = doc.get("Statement") or []
    listed = statements if isinstance(statements, list) else [statements]
    for index, statement in enumerate(listed):
        if not isinstance(statement, Mapping):
            continue
        effect = str(statement.get("Effect", "Allow"))
        deny = effect == "Deny"
        actions = [("", a) for a in _listed(statement.get("Action"))] or [
            ("not ", a) for a in _listed(statement.get("NotAction"))
        ]
        resources = [("", r) for r in _listed(statement.get("Resource"))] or [
            ("not ", r) for r in _listed(statement.get("NotResource"))
        ]
        if not resources:
            resources = [("", "*")] if kind in ("trust",) else [("", subject or "*")]
        conditions = _conditions(statement)
        for principal in _principals(statement):
            for a_neg, action in actions:
                for r_neg, res in resources:
                    key = (effect, principal, a_neg + action, r_neg + res, conditions)
                    yield Grant(
                        kind,
                        scope,
                        key,
                        "",
                        where,
                        restricts=deny,
                        # One row per statement: a cross product of two statements'
                        # actions and resources would claim grants nobody made.
                        group=json.dumps(
                            [effect, principal, conditions, statement.get("Sid") or index]
                        ),
                    )


def _pattern_covers(outer: str, inner: str) -> bool:
    if outer.startswith("not ") or inner.startswith("not "):
        return outer == inner
    return fnmatchcase(inner.lower(), outer.lower())


def _conditions_cover(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    """``outer`` constrains no more than ``inner``: each of its keys is in ``inner`` with
    no more values allowed there."""
    inner_map = {(op, key): set(values) for op, key, values in inner}
    return all(
        (op, key) in inner_map and inner_map[(op, key)] <= set(values) for op, key, values in outer
    )


def _statement_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    if outer[0] == "raw" or inner[0] == "raw":
        return outer == inner
    effect, principal, action, resource, conditions = outer
    i_effect, i_principal, i_action, i_resource, i_conditions = inner
    if effect != i_effect:
        return False
    principal_ok = principal == i_principal or principal in ("*", "AWS:*")
    # A Deny covers a narrower Deny when it has fewer conditions; an Allow covers a
    # narrower Allow the same way: fewer conditions means it applies more often.
    return (
        principal_ok
        and _pattern_covers(action, i_action)
        and _pattern_covers(resource, i_resource)
        and _conditions_cover(conditions, i_conditions)
    )


def _statement_text(key: tuple[Any, ...]) -> tuple[str, str]:
    if key[0] == "raw":
        return "raw", key[1][:80]
    return key[2], key[3]


# ---- network --------------------------------------------------------------------------


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _peer_covers(outer: str, inner: str) -> bool:
    if outer == inner or outer in ("0.0.0.0/0", "::/0", "any"):
        return True
    a, b = _network(outer), _network(inner)
    return a is not None and b is not None and a.version == b.version and b.subnet_of(a)  # type: ignore[arg-type]


def _ports_cover(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _rule_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    direction, protocol, ports, peer = outer
    i_direction, i_protocol, i_ports, i_peer = inner
    return (
        direction == i_direction
        and protocol in ("-1", "all", i_protocol)
        and _ports_cover(ports, i_ports)
        and _peer_covers(peer, i_peer)
    )


def _port_range(rule: Mapping[str, Any]) -> tuple[int, int]:
    protocol = str(rule.get("ipProtocol") or rule.get("protocol") or "-1")
    if protocol in ("-1", "all"):
        return (0, 65535)
    low, high = rule.get("fromPort"), rule.get("toPort")
    low = int(low) if low is not None else 0
    high = int(high) if high is not None else 65535
    return (low, high) if low >= 0 else (0, 65535)


def _rule_text(key: tuple[Any, ...]) -> str:
    direction, protocol, (low, high), peer = key
    ports = (
        "all ports" if (low, high) == (0, 65535) else f"{low}" if low == high else f"{low}-{high}"
    )
    proto = "all protocols" if protocol in ("-1", "all") else protocol
    arrow = "from" if direction == "ingress" else "to"
    return f"{direction} {proto} {ports} {arrow} {peer}"


def _sg_rule(resource: Mapping[str, Any], direction: str) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    protocol = str(inputs.get("ipProtocol", "-1"))
    for peer_key in ("cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"):
        if inputs.get(peer_key):
            key = (direction, protocol, _port_range(inputs), str(inputs[peer_key]))
            yield Grant(
                "network-rule",
                str(inputs.get("securityGroupId", "")),
                key,
                _rule_text(key),
                resource["name"],
            )


def _sg_inline(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    for direction in ("ingress", "egress"):
        for rule in inputs.get(direction) or []:
            protocol = str(rule.get("protocol", "-1"))
            peers = [
                *_listed(rule.get("cidrBlocks")),
                *_listed(rule.get("ipv6CidrBlocks")),
                *_listed(rule.get("securityGroups")),
                *_listed(rule.get("prefixListIds")),
                *(["self"] if rule.get("self") else []),
            ]
            for peer in peers:
                key = (direction, protocol, _port_range(rule), peer)
                yield Grant(
                    "network-rule", resource["name"], key, _rule_text(key), resource["name"]
                )


# ---- Kubernetes -----------------------------------------------------------------------


def _meta(resource: Mapping[str, Any]) -> tuple[str, str]:
    metadata = (resource.get("inputs") or {}).get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or resource["name"])


def _rbac_rules(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, name = _meta(resource)
    kind = "ClusterRole" if resource["type"].endswith(":ClusterRole") else "Role"
    scope = f"{kind} {namespace + '/' if namespace else ''}{name}"
    for rule in (resource.get("inputs") or {}).get("rules") or []:
        for group in _listed(rule.get("apiGroups")) or [""]:
            for res in _listed(rule.get("resources")) or _listed(rule.get("nonResourceURLs")):
                for verb in _listed(rule.get("verbs")):
                    names = tuple(sorted(_listed(rule.get("resourceNames"))))
                    key = (group, res, verb, names)
                    api = f"{group}/" if group else ""
                    only = f" (only {', '.join(names)})" if names else ""
                    text = f"{verb} {api}{res}{only}"
                    yield Grant("rbac-rule", scope, key, text, resource["name"])


def _rbac_rule_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    group, res, verb, names = outer
    i_group, i_res, i_verb, i_names = inner
    return (
        group in ("*", i_group)
        and fnmatchcase(i_res, res)
        and verb in ("*", i_verb)
        and (not names or (set(i_names) <= set(names) and bool(i_names)))
    )


def _rbac_binding(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, _ = _meta(resource)
    inputs = resource.get("inputs") or {}
    ref = inputs.get("roleRef") or {}
    role = f"{ref.get('kind', 'Role')} {ref.get('name', '')}"
    where = f"in namespace {namespace}" if namespace else "cluster-wide"
    for subject in inputs.get("subjects") or []:
        who = f"{subject.get('kind', '')} {subject.get('name', '')}"
        if subject.get("namespace"):
            who += f" ({subject['namespace']})"
        key = (namespace, role, who)
        yield Grant(
            "rbac-binding",
            namespace or "(cluster)",
            key,
            f"{who} gets {role} {where}",
            resource["name"],
        )


def _peer_text(peer: Mapping[str, Any]) -> str:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        return str(block.get("cidr")) + (
            f" except {block['except']}" if block.get("except") else ""
        )
    parts = []
    for field in ("namespaceSelector", "podSelector"):
        if field in peer:
            labels = (peer[field] or {}).get("matchLabels") or {}
            text = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "all"
            parts.append(f"{field.removesuffix('Selector')}s {text}")
    return " & ".join(parts) or "any"


def _port_text(port: Mapping[str, Any] | None) -> str:
    if port is None:
        return "all ports"
    number = port.get("port")
    number = int(number) if isinstance(number, float) else number
    end = port.get("endPort")
    span = f"{number}-{int(end)}" if end else f"{number}" if number is not None else "all"
    return f"{port.get('protocol', 'TCP')} {span}"


def _netpol(resource: Mapping[str, Any]) -> Iterator[Grant]:
    namespace, _ = _meta(resource)
    spec = (resource.get("inputs") or {}).get("spec") or {}
    selector = json.dumps(spec.get("podSelector") or {}, sort_keys=True)
    pods = "all pods" if selector == "{}" else f"pods {selector}"
    types = _listed(spec.get("policyTypes")) or (
        ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]
    )
    for direction, peers_key in (("Ingress", "from"), ("Egress", "to")):
        if direction not in types:
            continue
        rules = spec.get(direction.lower()) or []
        scope = f"namespace {namespace}"
        yield Grant(
            "isolation",
            scope,
            (direction, selector),
            f"{direction.lower()} of {pods} is denied unless allowed",
            resource["name"],
            restricts=True,
        )
        for rule in rules:
            peers = rule.get(peers_key) or [{}]
            ports = rule.get("ports") or [None]
            for peer in peers:
                for port in ports:
                    peer_text = _peer_text(peer) if peer else "anywhere"
                    key = (direction, selector, json.dumps(peer, sort_keys=True), _port_text(port))
                    arrow = "from" if direction == "Ingress" else "to"
                    text = (
                        f"{direction.lower()} of {pods} {arrow} {peer_text} on {_port_text(port)}"
                    )
                    yield Grant("netpol", scope, key, text, resource["name"])


def _netpol_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    direction, selector, peer, port = outer
    i_direction, i_selector, i_peer, i_port = inner
    if (direction, selector) != (i_direction, i_selector):
        return False
    if port not in ("all ports", i_port):
        return False
    if peer in ("{}", i_peer):
        return True
    a, b = json.loads(peer), json.loads(i_peer)
    if "ipBlock" in a and "ipBlock" in b and not a["ipBlock"].get("except"):
        return _peer_covers(str(a["ipBlock"].get("cidr")), str(b["ipBlock"].get("cidr")))
    return False


def _namespace(resource: Mapping[str, Any]) -> Iterator[Grant]:
    _, name = _meta(resource)
    labels = (((resource.get("inputs") or {}).get("metadata") or {}).get("labels")) or {}
    level = str(labels.get("pod-security.kubernetes.io/enforce", "privileged"))
    if level != "restricted":
        yield Grant(
            "pod-security",
            f"namespace {name}",
            (PSS_LEVELS.index(level) if level in PSS_LEVELS else 2,),
            f"pods may run at Pod Security {level}",
            resource["name"],
        )


# ---- AWS access and exposure ------------------------------------------------------------


def _role(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    name = resource["name"]
    yield from document_grants("trust", f"role {name}", name, inputs.get("assumeRolePolicy"))
    for inline in inputs.get("inlinePolicies") or []:
        yield from document_grants("iam", f"role {name}", name, inline.get("policy"))
    for arn in inputs.get("managedPolicyArns") or []:
        yield Grant("managed-policy", f"role {name}", (arn,), f"attached {arn}", name)


def _role_policy(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    scope = f"role {str(inputs.get('role', '')).removesuffix('-id')}"
    yield from document_grants("iam", scope, resource["name"], inputs.get("policy"))


def _attachment(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    arn = str(inputs.get("policyArn", ""))
    scope = f"role {str(inputs.get('role', '')).removesuffix('-id')}"
    yield Grant("managed-policy", scope, (arn,), f"attached {arn}", resource["name"])


def _resource_policy(field: str, label: str) -> Callable[[Mapping[str, Any]], Iterator[Grant]]:
    def extract(resource: Mapping[str, Any]) -> Iterator[Grant]:
        inputs = resource.get("inputs") or {}
        target = inputs.get("bucket") or inputs.get("repository") or resource["name"]
        yield from document_grants(
            "resource-policy", f"{label} {target}", resource["name"], inputs.get(field)
        )

    return extract


def _eks_cluster(resource: Mapping[str, Any]) -> Iterator[Grant]:
    vpc = (resource.get("inputs") or {}).get("vpcConfig") or {}
    if vpc.get("endpointPublicAccess", True):
        for cidr in _listed(vpc.get("publicAccessCidrs")) or ["0.0.0.0/0"]:
            yield Grant(
                "public-endpoint",
                "EKS API",
                ("public", cidr),
                f"Kubernetes API reachable from {cidr}",
                resource["name"],
            )


def _public_endpoint_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    return outer[0] == inner[0] and _peer_covers(str(outer[1]), str(inner[1]))


def _flag(kind: str, field: str, text: str, when: Any = True) -> Callable[..., Iterator[Grant]]:
    def extract(resource: Mapping[str, Any]) -> Iterator[Grant]:
        if (resource.get("inputs") or {}).get(field) == when:
            yield Grant(kind, resource["name"], (field,), text, resource["name"])

    return extract


def _public_access_block(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        if not inputs.get(flag):
            yield Grant(
                "public-endpoint",
                f"bucket {inputs.get('bucket', resource['name'])}",
                ("s3", flag),
                f"{flag} is off",
                resource["name"],
            )


def _access_entry(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    principal = str(inputs.get("principalArn", ""))
    groups = tuple(sorted(_listed(inputs.get("kubernetesGroups"))))
    text = f"{principal} may sign in to the cluster" + (
        f" as groups {', '.join(groups)}" if groups else ""
    )
    yield Grant(
        "eks-access",
        "EKS cluster",
        (principal, str(inputs.get("type", "STANDARD")), groups),
        text,
        resource["name"],
    )


def _access_policy(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    scope = inputs.get("accessScope") or {}
    where = (
        "cluster-wide"
        if scope.get("type") == "cluster"
        else f"in {', '.join(_listed(scope.get('namespaces')))}"
    )
    policy = str(inputs.get("policyArn", "")).rsplit("/", 1)[-1]
    key = (str(inputs.get("principalArn", "")), policy, where)
    yield Grant(
        "eks-access", "EKS cluster", key, f"{key[0]} gets {policy} {where}", resource["name"]
    )


def _policy_config_grants(config: Mapping[str, Any]) -> Iterator[Grant]:
    """Exemptions and relaxed enforcement levels of the policy pack."""
    for control, entry in sorted(config.items()):
        if not isinstance(entry, Mapping):
            continue
        level = str(entry.get("enforcementLevel", "mandatory"))
        if level in ENFORCEMENT_STRICTNESS and level != "mandatory":
            yield Grant(
                "enforcement",
                f"control {control}",
                (ENFORCEMENT_STRICTNESS[level],),
                f"enforced as {level}",
                "policy config",
            )
        for exemption in entry.get("exemptions") or []:
            selectors = {k: v for k, v in exemption.items() if k != "reason"}
            key = (json.dumps(selectors, sort_keys=True),)
            who = ", ".join(f"{k} {v}" for k, v in sorted(selectors.items()))
            yield Grant(
                "exemption",
                f"control {control}",
                key,
                f"{who} exempt: {exemption.get('reason', '')}",
                "policy config",
            )


def _public_load_balancers(plan: Mapping[str, Any]) -> Iterator[Grant]:
    """Internet-facing ALBs requested through ingress annotations in any input."""
    for resource in plan.get("resources", []):
        for value in _annotations(resource.get("inputs") or {}):
            if value.get("alb.ingress.kubernetes.io/scheme") == "internet-facing":
                group = value.get("alb.ingress.kubernetes.io/group.name", resource["name"])
                yield Grant(
                    "public-endpoint",
                    f"load balancer {group}",
                    ("internet-facing",),
                    "internet-facing load balancer",
                    resource["name"],
                )


def _annotations(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        if "alb.ingress.kubernetes.io/scheme" in value:
            yield value
        for item in value.values():
            yield from _annotations(item)
    elif isinstance(value, list):
        for item in value:
            yield from _annotations(item)


def _ordered_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    """For leveled facts where a higher value permits more (PSS) or enforces more."""
    return outer[0] >= inner[0]


def _enforcement_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    return outer[0] <= inner[0]


_EXTRACTORS: dict[str, Callable[[Mapping[str, Any]], Iterator[Grant]]] = {
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attachment,
    "aws:kms/key:Key": _resource_policy("policy", "key"),
    "aws:s3/bucketPolicy:BucketPolicy": _resource_policy("policy", "bucket"),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": _resource_policy("policy", "repository"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _resource_policy("policy", "endpoint"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda r: _sg_rule(r, "ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda r: _sg_rule(r, "egress"),
    "aws:ec2/securityGroup:SecurityGroup": _sg_inline,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _sg_inline,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/accessEntry:AccessEntry": _access_entry,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _access_policy,
    "aws:rds/instance:Instance": _flag(
        "public-endpoint", "publiclyAccessible", "publicly accessible"
    ),
    "aws:ec2/subnet:Subnet": _flag(
        "public-endpoint", "mapPublicIpOnLaunch", "public IPs on launch"
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "kubernetes:rbac.authorization.k8s.io/v1:Role": _rbac_rules,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": _rbac_rules,
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _rbac_binding,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _rbac_binding,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _netpol,
    "kubernetes:core/v1:Namespace": _namespace,
}

_COVERS: dict[str, Callable[[tuple[Any, ...], tuple[Any, ...]], bool]] = {
    "iam": _statement_covers,
    "trust": _statement_covers,
    "resource-policy": _statement_covers,
    "network-rule": _rule_covers,
    "rbac-rule": _rbac_rule_covers,
    "netpol": _netpol_covers,
    "public-endpoint": lambda o, i: o == i or (o[0] == "public" and _public_endpoint_covers(o, i)),
    "pod-security": _ordered_covers,
    "enforcement": _enforcement_covers,
}


def statement_parts(grant: Grant) -> tuple[str, str]:
    """(action, resource) of an IAM fact, for grouping rows."""
    return _statement_text(grant.key)
