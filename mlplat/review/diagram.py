"""A Mermaid picture of the platform, and of what a change does to it.

Nodes are the plan's top-level components (a workload identity, the service databases
and the EKS add-ons fold into what they serve), grouped as network, cluster and pools,
stores, services and teams. Edges come from the plan itself: a service points at the
stores its inputs were computed from (property dependencies), a team at the GPU pools
its queue has quota on. In a diff, only what changed is drawn (green added, amber
changed, red dashed removed) with its neighbours for context. GitHub renders Mermaid in
comments; past ``MAX_TEAMS`` team nodes the rest are summed up in one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlplat.spec import instances
from mlplat.spec.pools import POOL_LABEL

MAX_TEAMS = 12
GROUPS = {
    "network": "Network",
    "cluster": "EKS cluster",
    "stores": "Stores",
    "services": "Services",
    "teams": "Teams",
}
_CATEGORY = {
    "Network": "network",
    "EksCluster": "cluster",
    "KubernetesBase": "cluster",
    "NodePool": "cluster",
    "PlatformKey": "stores",
    "Database": "stores",
    "Storage": "stores",
    "Registry": "stores",
    "OnlineStore": "stores",
    "Team": "teams",
}
_FOLD = {
    "EksAddons": "EksCluster",
    "EbsStorageClass": "EksCluster",
    "TeamAccess": "EksCluster",
    "KubernetesBase": "EksCluster",
    "ServiceDatabases": "Database",
}
"""Components drawn as part of another (by class)."""
STYLES = {
    "added": "fill:#e6ffed,stroke:#22863a",
    "changed": "fill:#fff5b1,stroke:#b08800",
    "removed": "fill:#ffeef0,stroke:#cb2431,stroke-dasharray: 5 5",
}


@dataclass
class Node:
    id: str
    label: str
    category: str
    urns: set[str] = field(default_factory=set)
    status: str = ""


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: set[tuple[str, str, str]]
    """(from, to, label)."""


def graph_of(plan: Mapping[str, Any]) -> Graph:
    resources = list(plan.get("resources", []))
    by_urn = {r["urn"]: r for r in resources}
    tops = [r for r in resources if not r.get("custom", True) and r.get("parent") not in by_urn]
    owner: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    kind_of = {t["urn"]: t["type"].rsplit(":", 1)[-1] for t in tops}
    folded_into = _folds(tops, resources, by_urn)
    for top in tops:
        target = folded_into.get(top["urn"], top["urn"])
        node_id = _id(by_urn[target])
        node = nodes.get(node_id)
        if node is None:
            node = Node(node_id, "", _CATEGORY.get(kind_of[target], "services"))
            nodes[node_id] = node
        owner[top["urn"]] = node_id
    for resource in resources:
        top = _top(resource, by_urn)
        if top is not None and top in owner:
            nodes[owner[top]].urns.add(resource["urn"])
    for top in tops:
        if top["urn"] not in folded_into:
            nodes[owner[top["urn"]]].label = _label(
                top, [by_urn[u] for u in sorted(nodes[owner[top["urn"]]].urns)]
            )
    edges = _edges(resources, by_urn, owner, nodes)
    return Graph(nodes, edges)


def _top(resource: Mapping[str, Any], by_urn: Mapping[str, Mapping[str, Any]]) -> str | None:
    current = resource
    while current.get("parent") in by_urn:
        current = by_urn[current["parent"]]
    return current["urn"] if not current.get("custom", True) else None


def _folds(
    tops: Sequence[Mapping[str, Any]],
    resources: Sequence[Mapping[str, Any]],
    by_urn: Mapping[str, Mapping[str, Any]],
) -> dict[str, str]:
    """Top-level component URN -> the URN of the component it is drawn inside."""
    first_of = {}
    for top in tops:
        first_of.setdefault(top["type"].rsplit(":", 1)[-1], top["urn"])
    folds = {
        t["urn"]: first_of[_FOLD[t["type"].rsplit(":", 1)[-1]]]
        for t in tops
        if _FOLD.get(t["type"].rsplit(":", 1)[-1]) in first_of
    }
    # A top-level workload identity belongs to the one component that uses it.
    users: dict[str, set[str]] = defaultdict(set)
    identities = {t["urn"] for t in tops if t["type"].endswith(":WorkloadIdentity")}
    for resource in resources:
        mine = _top(resource, by_urn)
        for urns in (resource.get("propertyDependencies") or {}).values():
            for urn in urns:
                theirs = _top(by_urn[urn], by_urn) if urn in by_urn else None
                if theirs in identities and mine not in (None, theirs):
                    users[theirs].add(mine)  # type: ignore[arg-type]
    for identity, who in users.items():
        if len(who) == 1:
            folds[identity] = folds.get(next(iter(who)), next(iter(who)))
    return folds


def _id(resource: Mapping[str, Any]) -> str:
    kind = resource["type"].rsplit(":", 1)[-1]
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", f"{kind}_{resource['name']}")


def _inputs(resources: Iterable[Mapping[str, Any]], typ: str) -> list[Mapping[str, Any]]:
    return [r.get("inputs") or {} for r in resources if r["type"] == typ]


def _label(top: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> str:
    kind = top["type"].rsplit(":", 1)[-1]
    name = top["name"]
    if kind == "Network":
        vpc = next(iter(_inputs(members, "aws:ec2/vpc:Vpc")), {})
        nat = len(_inputs(members, "aws:ec2/natGateway:NatGateway"))
        endpoints = len(_inputs(members, "aws:ec2/vpcEndpoint:VpcEndpoint"))
        return f"VPC {vpc.get('cidrBlock', '')}<br/>{nat} NAT · {endpoints} endpoints"
    if kind == "EksCluster":
        cluster = next(iter(_inputs(members, "aws:eks/cluster:Cluster")), {})
        vpc = cluster.get("vpcConfig") or {}
        access = "public" if vpc.get("endpointPublicAccess") else "private"
        return f"EKS {cluster.get('version', '')}<br/>{access} API"
    if kind == "KubernetesBase":
        return "Kubernetes cluster<br/>(existing)"
    if kind == "NodePool":
        group = next(iter(_inputs(members, "aws:eks/nodeGroup:NodeGroup")), {})
        types = group.get("instanceTypes") or ["?"]
        scaling = group.get("scalingConfig") or {}
        pool = (group.get("labels") or {}).get(POOL_LABEL, name)
        text = f"{pool}<br/>{types[0]} x {_n(scaling.get('minSize'))}-{_n(scaling.get('maxSize'))}"
        gpu = instances.gpu(str(types[0]))
        return text + (f"<br/>{gpu.count}x {gpu.model.upper()}" if gpu else "")
    if kind == "Database":
        db = next(iter(_inputs(members, "aws:rds/instance:Instance")), {})
        return f"RDS PostgreSQL {db.get('engineVersion', '')}<br/>{db.get('instanceClass', '')}"
    if kind == "Storage":
        return f"S3<br/>{len(_inputs(members, 'aws:s3/bucket:Bucket'))} buckets"
    if kind == "Registry":
        return f"ECR<br/>{len(_inputs(members, 'aws:ecr/repository:Repository'))} repositories"
    if kind == "OnlineStore":
        cache = next(
            iter(_inputs(members, "aws:elasticache/replicationGroup:ReplicationGroup")), {}
        )
        if cache:
            return f"Redis {cache.get('nodeType', '')} x {_n(cache.get('numCacheClusters'))}"
        return "Redis (in cluster)"
    if kind == "PlatformKey":
        return "KMS key"
    if kind == "Team":
        spaces = [
            (i.get("metadata") or {}).get("name", "")
            for i in _inputs(members, "kubernetes:core/v1:Namespace")
        ]
        team = (
            next(
                (
                    ((i.get("metadata") or {}).get("labels") or {}).get("mlplat.dev/team")
                    for i in _inputs(members, "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue")
                ),
                None,
            )
            or name
        )
        return f"team {team}<br/>{', '.join(spaces[:3])}{' …' if len(spaces) > 3 else ''}"
    releases = _inputs(members, "kubernetes:helm.sh/v3:Release")
    if len(releases) == 1:
        chart = str(releases[0].get("chart", "")).rsplit("/", 1)[-1]
        return f"{kind}<br/>{chart} {releases[0].get('version', '')}".strip()
    if releases:
        charts = sorted(str(r.get("chart", "")).rsplit("/", 1)[-1] for r in releases)
        return f"{kind}<br/>{', '.join(charts)}"
    return kind


def _n(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _edges(
    resources: Sequence[Mapping[str, Any]],
    by_urn: Mapping[str, Mapping[str, Any]],
    owner: Mapping[str, str],
    nodes: Mapping[str, Node],
) -> set[tuple[str, str, str]]:
    node_of = {
        urn: owner[_top(r, by_urn) or ""]
        for urn, r in by_urn.items()
        if (_top(r, by_urn) or "") in owner
    }
    edges: set[tuple[str, str, str]] = set()
    for resource in resources:
        source = node_of.get(resource["urn"])
        if source is None:
            continue
        for urns in (resource.get("propertyDependencies") or {}).values():
            for urn in urns:
                target = node_of.get(urn)
                if target is None or target == source:
                    continue
                a, b = nodes[source].category, nodes[target].category
                if a == "services" and b == "stores" and not target.startswith("n_PlatformKey"):
                    edges.add((source, target, ""))
                elif a == "cluster" and b == "network" and source.startswith("n_EksCluster"):
                    edges.add((target, source, ""))
    clusters = [
        n.id for n in nodes.values() if n.id.startswith(("n_EksCluster", "n_KubernetesBase"))
    ]
    for node in nodes.values():
        if node.id.startswith("n_NodePool") and clusters:
            edges.add((clusters[0], node.id, ""))
    edges |= _quota_edges(resources, node_of, nodes)
    return edges


def _quota_edges(
    resources: Sequence[Mapping[str, Any]], node_of: Mapping[str, str], nodes: Mapping[str, Node]
) -> set[tuple[str, str, str]]:
    pool_node = {}
    for resource in resources:
        if resource["type"] == "aws:eks/nodeGroup:NodeGroup":
            pool = ((resource.get("inputs") or {}).get("labels") or {}).get(POOL_LABEL)
            if pool and resource["urn"] in node_of:
                pool_node[str(pool)] = node_of[resource["urn"]]
    flavors = {}
    for resource in resources:
        if resource["type"].endswith(":ResourceFlavor"):
            inputs = resource.get("inputs") or {}
            pool = ((inputs.get("spec") or {}).get("nodeLabels") or {}).get(POOL_LABEL)
            flavors[(inputs.get("metadata") or {}).get("name")] = pool
    edges = set()
    for resource in resources:
        if not resource["type"].endswith(":ClusterQueue") or resource["urn"] not in node_of:
            continue
        spec = (resource.get("inputs") or {}).get("spec") or {}
        for group in spec.get("resourceGroups") or []:
            for flavor in group.get("flavors") or []:
                for quota in flavor.get("resources") or []:
                    pool = flavors.get(flavor.get("name"), flavor.get("name"))
                    if quota.get("name") == instances.GPU_RESOURCE and pool in pool_node:
                        gpus = _n(float(quota.get("nominalQuota", 0)))
                        edges.add((node_of[resource["urn"]], pool_node[pool], f"{gpus} GPUs"))
    return edges


# ---- rendering ------------------------------------------------------------------------


def mermaid(graph: Graph, only: set[str] | None = None) -> str:
    """The graph as a Mermaid flowchart; ``only`` limits it to those node ids."""
    shown = {k: v for k, v in graph.nodes.items() if only is None or k in only}
    teams = [n for n in shown.values() if n.category == "teams"]
    if len(teams) > MAX_TEAMS:
        keep = sorted(teams, key=lambda n: (n.status == "", n.id))[:MAX_TEAMS]
        rest = [n for n in teams if n not in keep]
        for node in rest:
            shown.pop(node.id)
        statuses = sorted({n.status for n in rest if n.status})
        shown["n_more_teams"] = Node(
            "n_more_teams",
            f"{len(rest)} more teams" + (f" ({', '.join(statuses)})" if statuses else ""),
            "teams",
            status=statuses[0] if len(statuses) == 1 else ("changed" if statuses else ""),
        )
    lines = ["flowchart LR"]
    by_group: dict[str, list[Node]] = defaultdict(list)
    for node in shown.values():
        by_group[node.category].append(node)
    for key, title in GROUPS.items():
        members = sorted(by_group.get(key, []), key=lambda n: n.id)
        if not members:
            continue
        lines.append(f"  subgraph {key}[{title}]")
        lines += [f'    {n.id}["{_escape(n.label or n.id)}"]' for n in members]
        lines.append("  end")
    for a, b, label in sorted(graph.edges):
        if a in shown and b in shown:
            lines.append(f"  {a} -->|{_escape(label)}| {b}" if label else f"  {a} --> {b}")
    used = sorted({n.status for n in shown.values() if n.status})
    for status in used:
        lines.append(f"  classDef {status} {STYLES[status]}")
        ids = ",".join(sorted(n.id for n in shown.values() if n.status == status))
        lines.append(f"  class {ids} {status}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;")


def diff_graph(
    base: Mapping[str, Any], head: Mapping[str, Any], changed: Mapping[str, str]
) -> tuple[Graph, set[str]]:
    """The head graph with removed nodes of the base added back, node statuses set from
    ``changed`` (urn -> create/update/replace/delete), and the ids worth drawing."""
    old, new = graph_of(base), graph_of(head)
    for node in new.nodes.values():
        if any(u in changed for u in node.urns):
            node.status = "changed" if node.id in old.nodes else "added"
    for node_id, node in old.nodes.items():
        if node_id not in new.nodes:
            node.status = "removed"
            new.nodes[node_id] = node
    removed = {k for k, n in new.nodes.items() if n.status == "removed"}
    new.edges |= {e for e in old.edges if e[0] in removed or e[1] in removed}
    marked = {k for k, n in new.nodes.items() if n.status}
    context = {b for a, b, _ in new.edges if a in marked} | {
        a for a, b, _ in new.edges if b in marked
    }
    return new, marked | context
