"""The Kubernetes objects that fence a team in, as plain data.

Pure functions of the team's spec and its platform's outputs, so tests can check each
object (and ``kubernetes-validate`` can check them against the cluster's API) without
running a program. The Team component only wraps them in resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mlplat.components.tenancy.outputs import CPU_FLAVOR, PlatformOutputs
from mlplat.spec.instances import GPU_RESOURCE
from mlplat.spec.pools import POOL_LABEL
from mlplat.spec.teams import ContainerDefaultsSpec, TeamQuotaSpec, TeamSpec

TEAM_LABEL = "mlplat.dev/team"
"""On every team namespace; the ClusterQueue and network policies select on it."""
TEAM_UID_LABEL = "mlplat.dev/team-uid"
"""The team's identity, generated once when the team is created: on its namespaces, its
ClusterQueue, role and repositories, and in its bucket prefix. A later team of the same
name gets another one, and so none of its predecessor's data (admission keeps the label)."""
CRITICAL_PRIORITY_CLASSES = ("system-node-critical", "system-cluster-critical")
"""Built-in classes that preempt anything; Kubernetes does not keep them to kube-system."""
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
# (escalation), networkpolicies, resourcequotas and limitranges (the fence and the budget:
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
    ("networking.k8s.io", ("networkpolicies",)),
    ("kueue.x-k8s.io", ("workloads", "localqueues")),
)
_STREAMS = ("pods/exec", "pods/attach", "pods/portforward")
"""Streaming subresources: clients open them with a GET upgraded to a stream (kubectl 1.30+
and client libraries over WebSockets), older ones with a POST, so both verbs are needed."""
_SCALE = ("deployments/scale", "statefulsets/scale")
"""kubectl scale, and autoscalers acting for the team; never a status subresource."""


def group(team: str, role: str) -> str:
    """The Kubernetes group a member's access entry maps to (role: admins or viewers)."""
    return f"mlplat:{team}:{role}"


def team_labels(team: TeamSpec) -> dict[str, str]:
    """What selects the team's objects (its uid is added where the team's identity is held)."""
    return {TEAM_LABEL: team.name}


def limit_range_spec(defaults: ContainerDefaultsSpec) -> dict[str, Any]:
    """Default requests for containers that set none; never a default limit, nor a max.

    The API server defaults a container's unset requests to its limits before the
    LimitRanger runs, and the LimitRanger fills ``default`` into unset limits (and takes
    ``max`` as the default limit when ``default`` is absent). A default limit would turn a
    valid container that requests more and sets no limit (most GPU training jobs) into an
    invalid one (request above limit). ``defaultRequest`` alone cannot: it only fills
    requests that are still unset, and nothing is compared with it.
    """
    return {
        "limits": [
            {
                "type": "Container",
                "defaultRequest": {
                    "cpu": defaults.cpu_request,
                    "memory": defaults.memory_request,
                },
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


def critical_priority_quota_spec() -> dict[str, Any]:
    """No pod of a team may use a system-critical priority class (and preempt other teams)."""
    return {
        "hard": {"pods": "0"},
        "scopeSelector": {
            "matchExpressions": [
                {
                    "scopeName": "PriorityClass",
                    "operator": "In",
                    "values": list(CRITICAL_PRIORITY_CLASSES),
                }
            ]
        },
    }


def storage_prefix(team: str, uid: str) -> str:
    """The team's key prefix in the artifacts and data buckets (ends with a slash)."""
    return f"teams/{team}/{uid}/"


def default_deny_spec() -> dict[str, Any]:
    """Nothing in, nothing out; the allowances policy opens what the team needs."""
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def _namespace_peer(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def allowances_spec(team: TeamSpec, platform: PlatformOutputs) -> dict[str, Any]:
    """The flows a team needs: DNS, its own namespaces, the platform's services, and AWS
    through the VPC's endpoints (S3's gateway endpoint, the interface endpoints' own
    subnets: never the rest of the VPC, where nodes, pods and the API server live)."""
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
    cidrs = [*platform.s3_cidrs, *platform.endpoint_cidrs]
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
    """Run, debug and scale workloads; read the fence and the budget. No RBAC, no changes
    to network policies or quotas, no wildcards."""
    return [
        *_rules(_WORKLOAD_RESOURCES, EDIT_VERBS),
        *_rules((("", ("secrets",)),), EDIT_VERBS),
        {"apiGroups": [""], "resources": list(_STREAMS), "verbs": ["get", "create"]},
        # kubectl debug adds an ephemeral container; Pod Security still admits it.
        {
            "apiGroups": [""],
            "resources": ["pods/ephemeralcontainers"],
            "verbs": ["get", "patch", "update"],
        },
        {"apiGroups": ["apps"], "resources": list(_SCALE), "verbs": ["get", "patch", "update"]},
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
    unused GPUs are lent, and reclaimed by preempting borrowers when their owner needs them.
    Every resource has a borrowing limit that the namespace ResourceQuota covers (CPU and
    memory: none; GPUs: nominal plus borrowing), so Kueue never admits a job whose pods
    the quota would then refuse.
    """
    quota = team.quota
    groups: list[dict[str, Any]] = [
        {
            "coveredResources": ["cpu", "memory"],
            "flavors": [
                {
                    "name": CPU_FLAVOR,
                    "resources": [
                        {"name": "cpu", "nominalQuota": quota.cpu, "borrowingLimit": "0"},
                        {"name": "memory", "nominalQuota": quota.memory, "borrowingLimit": "0"},
                    ],
                }
            ],
        }
    ]
    if quota.gpus:
        groups.append(
            {
                "coveredResources": [GPU_RESOURCE],
                "flavors": [
                    {
                        "name": q.pool,
                        "resources": [
                            {
                                "name": GPU_RESOURCE,
                                "nominalQuota": str(q.gpus),
                                "borrowingLimit": str(q.borrowing_limit),
                            }
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


def resource_flavor_spec(pool: str, taints: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """A GPU pool as a flavor: its nodes by label, and tolerations added on admission."""
    return {
        "nodeLabels": {POOL_LABEL: pool},
        "tolerations": [
            {"key": t["key"], "operator": "Equal", "value": t["value"], "effect": t["effect"]}
            for t in taints
        ],
    }
