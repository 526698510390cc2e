"""The Kubernetes objects that fence a team in, as plain data.

Pure functions of the team's spec and its platform's outputs, so tests can check each
object (and ``kubernetes-validate`` can check them against the cluster's API) without
running a program. The Team component only wraps them in resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.node_pool import POOL_LABEL
from components.tenancy.outputs import CPU_FLAVOR, PlatformOutputs
from mlplat.spec.instances import EFA_RESOURCE, GPU_RESOURCE
from mlplat.spec.teams import ContainerDefaultsSpec, TeamQuotaSpec, TeamSpec

TEAM_LABEL = "mlplat.dev/team"
"""On every team namespace; the ClusterQueue and network policies select on it."""
KUEUE_API = "kueue.x-k8s.io/v1beta2"
LOCAL_QUEUE = "default"
"""Each team namespace's LocalQueue. Jobs name it with the label kueue.x-k8s.io/queue-name."""
WORKLOAD_SERVICE_ACCOUNT = "workload"
"""The service account in each team namespace that carries the team's cloud identity."""
POD_IDENTITY_AGENT = "169.254.170.23/32"
"""The EKS Pod Identity agent's link-local address on every node (port 80)."""
EDIT_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
READ_VERBS = ("get", "list", "watch")

# Namespaced resources a team works with. Deliberately absent: roles and rolebindings
# (escalation), networkpolicies (the fence), resourcequotas and limitranges (the budget,
# read-only), ingresses (public exposure goes through the platform).
_WORKLOAD_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("pods", "services", "configmaps", "persistentvolumeclaims", "serviceaccounts")),
    ("apps", ("deployments", "statefulsets")),
    ("batch", ("jobs", "cronjobs")),
    ("autoscaling", ("horizontalpodautoscalers",)),
    ("policy", ("poddisruptionbudgets",)),
)
_READ_ONLY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("pods/log", "events", "resourcequotas", "limitranges", "endpoints")),
    ("apps", ("replicasets",)),
    ("kueue.x-k8s.io", ("workloads", "localqueues")),
)


def group(team: str, role: str) -> str:
    """The Kubernetes group a member's access entry maps to (role: admins or viewers)."""
    return f"mlplat:{team}:{role}"


def team_labels(team: TeamSpec) -> dict[str, str]:
    return {TEAM_LABEL: team.name}


def limit_range_spec(defaults: ContainerDefaultsSpec) -> dict[str, Any]:
    """Requests (and a memory limit, never a CPU limit) for containers that set none."""
    return {
        "limits": [
            {
                "type": "Container",
                "defaultRequest": {
                    "cpu": defaults.cpu_request,
                    "memory": defaults.memory_request,
                },
                "default": {"memory": defaults.memory_limit},
            }
        ]
    }


def resource_quota_spec(quota: TeamQuotaSpec) -> dict[str, Any]:
    """The hard backstop in each namespace, also for pods that bypass Kueue.

    GPUs are capped at nominal plus borrowing over all pools: ResourceQuota cannot tell
    GPU models apart, which is why per-model quotas live in the ClusterQueue.
    """
    return {
        "hard": {
            "requests.cpu": quota.cpu,
            "requests.memory": quota.memory,
            "requests.storage": quota.storage,
            f"requests.{GPU_RESOURCE}": str(quota.gpu_ceiling),
            "pods": str(quota.pods),
            "persistentvolumeclaims": str(quota.persistent_volume_claims),
            "services": str(quota.services),
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            "configmaps": str(quota.config_maps),
            "secrets": str(quota.secrets),
        }
    }


def default_deny_spec() -> dict[str, Any]:
    """Nothing in, nothing out; the allowances policy opens what the team needs."""
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def _namespace_peer(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def allowances_spec(team: TeamSpec, platform: PlatformOutputs) -> dict[str, Any]:
    """The flows a team needs: DNS, its own namespaces, the platform's services, and AWS
    through the VPC's endpoints (S3's gateway endpoint, the interface endpoints)."""
    own = {"namespaceSelector": {"matchLabels": team_labels(team)}}
    ingress: list[dict[str, Any]] = [{"from": [own]}]
    if platform.monitoring_namespace:
        ingress.append({"from": [_namespace_peer(platform.monitoring_namespace)]})
    egress: list[dict[str, Any]] = [
        {
            "to": [
                {
                    **_namespace_peer("kube-system"),
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"to": [own]},
    ]
    for _, service in sorted(platform.services.items()):
        egress.append(
            {"to": [_namespace_peer(service["namespace"])], "ports": _tcp(service["port"])}
        )
    cidrs = list(platform.s3_cidrs)
    if platform.interface_endpoints and platform.vpc_cidr:
        cidrs.append(platform.vpc_cidr)
    if cidrs:
        egress.append({"to": [{"ipBlock": {"cidr": c}} for c in cidrs], "ports": _tcp(443)})
    if platform.workload_identity == "podIdentity":
        egress.append({"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": _tcp(80)})
    return {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": ingress,
        "egress": egress,
    }


def _rules(
    groups: Sequence[tuple[str, Sequence[str]]], verbs: Sequence[str]
) -> list[dict[str, Any]]:
    return [
        {"apiGroups": [api], "resources": list(resources), "verbs": list(verbs)}
        for api, resources in groups
    ]


def admin_rules() -> list[dict[str, Any]]:
    """Run and manage workloads; read the budget. No RBAC, no network policy, no wildcards."""
    return [
        *_rules(_WORKLOAD_RESOURCES, EDIT_VERBS),
        *_rules((("", ("secrets",)),), EDIT_VERBS),
        {"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["create"]},
        *_rules(_READ_ONLY, READ_VERBS),
    ]


def viewer_rules() -> list[dict[str, Any]]:
    """Read what the team runs; never Secrets."""
    return [*_rules(_WORKLOAD_RESOURCES, READ_VERBS), *_rules(_READ_ONLY, READ_VERBS)]


def role_binding(role: str, subject_group: str) -> dict[str, Any]:
    """Bind a team Role (never a ClusterRole) to one of the team's groups."""
    return {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": subject_group}
        ],
    }


def cluster_queue_spec(team: TeamSpec, platform: PlatformOutputs) -> dict[str, Any]:
    """CPU and memory in the default flavor; GPUs per pool, each pool its own flavor.

    Two resource groups, so a GPU job takes CPU from the team's CPU quota and GPUs from
    the flavor of the pool it lands on. Every ClusterQueue joins the platform's cohort:
    unused quota is lent, and reclaimed by preempting borrowers when its owner needs it.
    """
    quota = team.quota
    groups: list[dict[str, Any]] = [
        {
            "coveredResources": ["cpu", "memory"],
            "flavors": [
                {
                    "name": CPU_FLAVOR,
                    "resources": [
                        {"name": "cpu", "nominalQuota": quota.cpu},
                        {"name": "memory", "nominalQuota": quota.memory},
                    ],
                }
            ],
        }
    ]
    if quota.gpus:
        efa = {q.pool: _efa_quota(platform, q.pool, q.gpus, q.borrowing_limit) for q in quota.gpus}
        covers_efa = any(nominal or borrowing for nominal, borrowing in efa.values())
        groups.append(
            {
                "coveredResources": [GPU_RESOURCE, *([EFA_RESOURCE] if covers_efa else [])],
                "flavors": [
                    {
                        "name": q.pool,
                        "resources": [
                            {
                                "name": GPU_RESOURCE,
                                "nominalQuota": str(q.gpus),
                                "borrowingLimit": str(q.borrowing_limit),
                            },
                            *(
                                [
                                    {
                                        "name": EFA_RESOURCE,
                                        "nominalQuota": str(efa[q.pool][0]),
                                        "borrowingLimit": str(efa[q.pool][1]),
                                    }
                                ]
                                if covers_efa
                                else []
                            ),
                        ],
                    }
                    for q in quota.gpus
                ],
            }
        )
    return {
        "cohortName": platform.cohort,
        "namespaceSelector": {"matchLabels": team_labels(team)},
        "queueingStrategy": "BestEffortFIFO",
        "preemption": {"reclaimWithinCohort": "Any", "withinClusterQueue": "LowerPriority"},
        "resourceGroups": groups,
    }


def _efa_quota(platform: PlatformOutputs, pool: str, gpus: int, borrowing: int) -> tuple[int, int]:
    """EFA interfaces that go with a GPU quota on an EFA pool: those of the nodes holding the
    GPUs, so a multi-node job asking for vpc.amazonaws.com/efa is admitted (0 elsewhere)."""
    facts = platform.gpu_pools.get(pool, {})
    per_node, efa = int(facts.get("perNode", 1)), int(facts.get("efaPerNode", 0))
    nodes = -(-gpus // per_node), -(-borrowing // per_node)
    return nodes[0] * efa, nodes[1] * efa


def resource_flavor_spec(pool: str, taints: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """A GPU pool as a flavor: its nodes by label, and tolerations added on admission."""
    return {
        "nodeLabels": {POOL_LABEL: pool},
        "tolerations": [
            {"key": t["key"], "operator": "Equal", "value": t["value"], "effect": t["effect"]}
            for t in taints
        ],
    }
