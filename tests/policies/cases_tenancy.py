"""Fixtures for the tenancy controls: a fenced team namespace, and one change at a time."""

from __future__ import annotations

import dataclasses

import yaml

from mlplat.components.node_pool import gpu_runtime_user_data
from mlplat.components.tenancy.kueue import chart_values, manager_config
from mlplat.policies.runner import Resource
from tests.policies.fixtures import DELETE, DENY_ALL, changed, doc, k8s, namespace, release, res


def team_namespace(level: str) -> Resource:
    """The fraud team's namespace, enforcing Pod Security ``level``."""
    labels = {"mlplat.dev/team": "fraud", "pod-security.kubernetes.io/enforce": level}
    return k8s(
        "Namespace", "core/v1", {"metadata": {"name": "fraud", "labels": labels}}, "fraud", None
    )


TEAM_NS = team_namespace("restricted")
TEAM_BINDING = {
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "team-admin"},
    "subjects": [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "mlplat:fraud:admins"}
    ],
}
TEAM_FENCE = [
    k8s("NetworkPolicy", "networking.k8s.io/v1", DENY_ALL, "deny", "fraud"),
    k8s(
        "LimitRange",
        "core/v1",
        {"spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "250m"}}]}},
        "limits",
        "fraud",
    ),
    k8s(
        "ResourceQuota",
        "core/v1",
        {"spec": {"hard": {"requests.nvidia.com/gpu": "4"}}},
        "quota",
        "fraud",
    ),
    k8s(
        "ResourceQuota",
        "core/v1",
        {
            "spec": {
                "hard": {"pods": "0"},
                "scopeSelector": {
                    "matchExpressions": [
                        {
                            "scopeName": "PriorityClass",
                            "operator": "In",
                            "values": ["system-node-critical", "system-cluster-critical"],
                        }
                    ]
                },
            }
        },
        "critical",
        "fraud",
    ),
    k8s(
        "LocalQueue",
        "kueue.x-k8s.io/v1beta2",
        {"spec": {"clusterQueue": "fraud"}},
        "default",
        "fraud",
    ),
]
TENANCY_CASES = {
    "team-namespace-restricted": [
        ("restricted team namespace", [TEAM_NS], False),
        ("platform namespace at baseline", [namespace("airflow", "baseline")], False),
        (
            "team namespace at baseline",
            [team_namespace("baseline")],
            True,
        ),
    ],
    "team-rbac-namespaced": [
        (
            "team group to a Role",
            [k8s("RoleBinding", "rbac.authorization.k8s.io/v1", TEAM_BINDING, "admin", "fraud")],
            False,
        ),
        (
            "team group to ClusterRole edit",
            [
                k8s(
                    "RoleBinding",
                    "rbac.authorization.k8s.io/v1",
                    changed(TEAM_BINDING, "roleRef.kind", "ClusterRole"),
                    "admin",
                    "fraud",
                )
            ],
            True,
        ),
        (
            "team group cluster-wide",
            [
                k8s(
                    "ClusterRoleBinding",
                    "rbac.authorization.k8s.io/v1",
                    changed(
                        TEAM_BINDING,
                        "roleRef",
                        {
                            "apiGroup": "rbac.authorization.k8s.io",
                            "kind": "ClusterRole",
                            "name": "view",
                        },
                    ),
                    "admin",
                    None,
                )
            ],
            True,
        ),
    ],
    "team-namespace-fenced": [
        ("all five", [TEAM_NS, *TEAM_FENCE], False),
        ("not a team namespace", [namespace("team-a")], False),
        ("no LocalQueue", [TEAM_NS, *TEAM_FENCE[:4]], True),
        ("critical priorities open", [TEAM_NS, *TEAM_FENCE[:3], TEAM_FENCE[4]], True),
        (
            "allow-all counts as no default deny",
            [
                TEAM_NS,
                k8s(
                    "NetworkPolicy",
                    "networking.k8s.io/v1",
                    changed(DENY_ALL, "spec.egress", [{}]),
                    "deny",
                    "fraud",
                ),
                *TEAM_FENCE[1:],
            ],
            True,
        ),
    ],
}

# --- fences beyond the namespace (mlplat.policies.fences) ---------------------------------
ADMISSION = "admissionregistration.k8s.io/v1"
KUEUE_RELEASE = release(
    chart_values(prometheus=False),
    chart="oci://registry.k8s.io/kueue/charts/kueue",
    version="0.19.2",
)


def fence(key: str, failure: str = "Fail", actions: tuple[str, ...] = ("Deny",)) -> list[Resource]:
    """A fence's policy and binding, as mlplat's AdmissionFences declares them."""
    meta = {"name": f"mlplat-{key}", "labels": {"mlplat.dev/fence": key}}
    return [
        k8s("ValidatingAdmissionPolicy", ADMISSION, {"metadata": meta, "spec": {"failurePolicy": failure}}, f"p-{key}", None),
        k8s("ValidatingAdmissionPolicyBinding", ADMISSION, {"metadata": meta, "spec": {"policyName": f"mlplat-{key}", "validationActions": list(actions)}}, f"b-{key}", None),
    ]  # fmt: skip


def fence_cases(key: str, host: Resource = KUEUE_RELEASE) -> list:
    """A fence where its host (Kueue: teams; Airflow) is installed."""
    return [
        ("policy and deny binding", [host, *fence(key)], False),
        ("a stack without its host", [], False),
        ("no policy", [host], True),
        ("binding only warns", [host, *fence(key, actions=("Warn",))], True),
        ("failures ignored", [host, *fence(key, failure="Ignore")], True),
    ]


def kueue_values(path: str, value: object) -> list[Resource]:
    return [
        release(
            changed(chart_values(prometheus=False), path, value), chart="kueue", version="0.19.2"
        )
    ]


def kueue_config(drop: str) -> list[Resource]:
    config = {k: v for k, v in manager_config().items() if k != drop}
    return kueue_values("managerConfig.controllerManagerConfigYaml", yaml.safe_dump(config))


NS = "kubernetes:core/v1:Namespace::fraud"
ENTRY_PROPS = {
    "clusterName": "mlplat-prod",
    "principalArn": "arn:aws:iam::111122223333:role/fraud-ml",
    "type": "STANDARD",
    "kubernetesGroups": ["mlplat:fraud:admins"],
}


def access_entry(wait: bool) -> Resource:
    entry = res("aws:eks/accessEntry:AccessEntry", ENTRY_PROPS, "fraud-ml")
    return dataclasses.replace(entry, depends_on=(TEAM_NS.urn,) if wait else ())


def team_netpol(egress: list) -> Resource:
    body = {
        "metadata": {
            "name": "team-allowances",
            "namespace": "fraud",
            "labels": {"mlplat.dev/team": "fraud"},
        },
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": egress},
    }
    return k8s("NetworkPolicy", "networking.k8s.io/v1", body, "allow", "fraud")  # fmt: skip


HTTPS = [{"protocol": "TCP", "port": 443.0}]
ACCOUNT_ONLY = {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}


def endpoint(service: str, policy: object = None) -> Resource:
    props: dict = {"serviceName": f"com.amazonaws.eu-west-1.{service}", "vpcId": "vpc-1"}
    if policy is not None:
        props["policy"] = policy
    return res("aws:ec2/vpcEndpoint:VpcEndpoint", props, service)


def gpu_nodes(ami: str, user_data: str | None) -> list[Resource]:
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        {"userData": user_data} if user_data else {},
        "gpu-lt",
    )
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        {"amiType": ami, "launchTemplate": {"id": "lt-1", "version": "1"}},
        "gpu-ng",
        deps={"launchTemplate": [template.urn]},
    )
    return [template, group]  # fmt: skip


def team_ns(uid: bool, protect: bool) -> Resource:
    labels = {"mlplat.dev/team": "fraud", "pod-security.kubernetes.io/enforce": "restricted"}
    if uid:
        labels["mlplat.dev/team-uid"] = "0123456789abcdef"
    ns = k8s(
        "Namespace", "core/v1", {"metadata": {"name": "fraud", "labels": labels}}, "fraud", None
    )
    return dataclasses.replace(ns, protect=protect)


TENANCY_CASES |= {
    **{f"team-fence-{key}": fence_cases(key) for key in ("owner-references", "external-ips", "gpu-nodes", "team-identity")},
    "airflow-fence-task-pods": fence_cases("airflow-task-pods", release({}, chart="airflow", version="1.21.0")),
    "k8s-no-service-external-ips": [
        ("ClusterIP service", [k8s("Service", "core/v1", {"spec": {"type": "ClusterIP"}}, "svc", "fraud")], False),
        ("externalIPs", [k8s("Service", "core/v1", {"spec": {"type": "ClusterIP", "externalIPs": ["10.20.0.10"]}}, "svc", "fraud")], True),
    ],
    "kueue-scoped-ha": [
        ("mlplat's values", [KUEUE_RELEASE], False),
        ("another chart", [release({}, chart="mlflow")], False),
        ("one replica", kueue_values("controllerManager.replicas", 1.0), True),
        ("no disruption budget", kueue_values("controllerManager.podDisruptionBudget.enabled", False), True),
        ("webhooks in every namespace", kueue_config("managedJobsNamespaceSelector"), True),
        ("no waitForPodsReady", kueue_config("waitForPodsReady"), True),
        ("the chart's default configuration", kueue_values("managerConfig", DELETE), True),
        ("configuration that is not YAML", kueue_values("managerConfig.controllerManagerConfigYaml", "a: [1"), True),
    ],
    "team-access-after-namespace": [
        ("entry waits for the namespace", [TEAM_NS, access_entry(True)], False),
        ("an entry of no team", [TEAM_NS, res("aws:eks/accessEntry:AccessEntry", {**ENTRY_PROPS, "kubernetesGroups": ["ops"]}, "ops")], False),
        ("entry does not wait", [TEAM_NS, access_entry(False)], True),
    ],
    "team-egress-narrow": [
        ("endpoint subnets and S3", [team_netpol([{"to": [{"ipBlock": {"cidr": "10.20.255.208/28"}}, {"ipBlock": {"cidr": "52.218.0.0/17"}}], "ports": HTTPS}])], False),
        ("the whole VPC", [team_netpol([{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": HTTPS}])], True),
        ("everywhere", [team_netpol([{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])], True),
        ("a rule without peers", [team_netpol([{"ports": HTTPS}])], True),
        ("not a team's policy", [k8s("NetworkPolicy", "networking.k8s.io/v1", {"spec": {"podSelector": {}, "egress": [{}]}}, "np", "airflow")], False),
    ],
    "vpc-endpoint-policy": [
        ("ECR for the platform's principals", [endpoint("ecr.api", doc("*", "*", principal="*", condition=ACCOUNT_ONLY))], False),
        ("logs with the default policy", [endpoint("logs")], False),
        ("S3 with the default policy", [endpoint("s3")], True),
        ("STS open to all", [endpoint("sts", doc("*", "*", principal="*"))], True),
    ],
    "iam-s3-prefix-delimited": [
        ("prefix with its slash", [res("aws:iam/policy:Policy", {"policy": doc("s3:ListBucket", "arn:aws:s3:::b", condition={"StringLike": {"s3:prefix": ["teams/a/u/", "teams/a/u/*"]}})})], False),
        ("prefix without its slash", [res("aws:iam/policy:Policy", {"policy": doc("s3:ListBucket", "arn:aws:s3:::b", condition={"StringLike": {"s3:prefix": ["teams/a", "teams/a/*"]}})})], True),
    ],
    "gpu-node-runtime-hardened": [
        ("both settings", gpu_nodes("AL2023_x86_64_NVIDIA", gpu_runtime_user_data()), False),
        ("a CPU pool", gpu_nodes("AL2023_x86_64_STANDARD", None), False),
        ("Bottlerocket ships them", gpu_nodes("BOTTLEROCKET_x86_64_NVIDIA", None), False),
        ("no user data", gpu_nodes("AL2023_x86_64_NVIDIA", None), True),
    ],
    "team-namespace-identity": [
        ("uid and protected", [team_ns(uid=True, protect=True)], False),
        ("not a team namespace", [namespace("airflow")], False),
        ("no uid", [team_ns(uid=False, protect=True)], True),
        ("not protected", [team_ns(uid=True, protect=False)], True),
    ],
}  # fmt: skip
