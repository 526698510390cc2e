"""Every object a team gets, as planned for the prod example's teams, and the Kueue objects
against the rules of Kueue's own CRDs (kubernetes-validate has no schema for them)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.team import Team, TeamArgs
from mlplat.components.tenancy import objects
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.spec.teams import GpuQuotaSpec, TeamQuotaSpec, TeamSpec
from tests.conftest import STACKS, planned

PROD, FRAUD = STACKS / "prod.yaml", STACKS / "team-fraud.yaml"
PER_NAMESPACE = Counter(
    {
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:LimitRange": 1,
        "kubernetes:core/v1:ResourceQuota": 2,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2,
        "kubernetes:rbac.authorization.k8s.io/v1:Role": 2,
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
        "kubernetes:core/v1:ServiceAccount": 1,
        "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": 1,
    }
)


def _platform(**changes: object) -> PlatformOutputs:
    data = planned(PROD).outputs["teamPlatform"]
    return PlatformOutputs.from_dict({**data, **changes})


def _team_resources(namespace: str) -> Counter:
    return Counter(
        r.type
        for r in planned(PROD).resources
        if r.type.startswith("kubernetes:")
        and (r.inputs.get("metadata", {}).get("namespace") == namespace
             or (r.type.endswith(":Namespace") and r.inputs["metadata"]["name"] == namespace))
    )  # fmt: skip


def test_each_team_namespace_gets_the_whole_fence():
    for namespace in ("recsys", "recsys-batch", "nlp"):
        assert _team_resources(namespace) == PER_NAMESPACE, namespace


def test_each_team_gets_a_queue_a_role_and_its_repositories():
    plan = planned(PROD)
    queues = {
        r.inputs["metadata"]["name"]: r for r in plan.resources if r.type.endswith(":ClusterQueue")
    }
    assert set(queues) == {"recsys", "nlp"}
    roles = [r for r in plan.resources if r.type == "aws:iam/role:Role" and "-team-" in r.name]
    assert sorted(r.name for r in roles) == [
        "mlplat-prod-team-nlp-workload-role",
        "mlplat-prod-team-recsys-workload-role",
    ]
    assert all(r.inputs["tags"]["mlplat.dev/team"] in r.name for r in roles)
    repos = {r.inputs["name"] for r in plan.resources if r.type == "aws:ecr/repository:Repository"}
    assert {"recsys/ranker", "recsys/features", "nlp/finetune"} <= repos
    entries = {
        r.inputs["principalArn"]: r.inputs
        for r in plan.resources
        if r.type == "aws:eks/accessEntry:AccessEntry" and "team-access" in r.name
    }
    assert entries["arn:aws:iam::111122223333:role/recsys-leads"]["kubernetesGroups"] == [
        "mlplat:recsys:admins"
    ]
    assert entries["arn:aws:iam::111122223333:role/recsys-analysts"]["kubernetesGroups"] == [
        "mlplat:recsys:viewers"
    ]
    assert all(e["type"] == "STANDARD" for e in entries.values())


def test_the_team_role_trusts_only_its_service_account_in_its_namespaces():
    (role,) = [
        r for r in planned(PROD).resources if r.name == "mlplat-prod-team-recsys-workload-role"
    ]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    (subjects,) = [
        v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
    ]
    assert subjects == [
        "system:serviceaccount:recsys:workload",
        "system:serviceaccount:recsys-batch:workload",
    ]


def test_the_team_policy_reaches_only_its_prefixes_and_repositories():
    (policy,) = [
        r for r in planned(PROD).resources if r.name == "mlplat-prod-team-nlp-workload-policy"
    ]
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    prefix = planned(PROD).outputs["teamStoragePrefixes"]["nlp"]
    assert re.fullmatch(r"teams/nlp/[0-9a-f]{16}/", prefix)
    assert statements["TeamObjects"]["Resource"] == [
        f"arn:aws:s3:::mlplat-prod-artifacts-123456789012-eu-west-1/{prefix}*",
        f"arn:aws:s3:::mlplat-prod-data-123456789012-eu-west-1/{prefix}*",
    ]
    # teams/nlp without its slash would also list teams/nlp-x/...
    assert statements["ListTeamPrefix"]["Condition"] == {
        "StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}
    }
    repositories = statements["TeamRepositories"]
    assert repositories["Resource"] == "arn:aws:ecr:eu-west-1:123456789012:repository/nlp/*"
    uid = prefix.split("/")[2]
    assert repositories["Condition"] == {
        "StringEquals": {"aws:ResourceTag/mlplat.dev/team-uid": uid}
    }
    wide = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert wide == ["RegistryToken"]  # ecr:GetAuthorizationToken has no resource scope


def test_quota_backstop_caps_gpus_at_nominal_plus_borrowing_and_refuses_exposure():
    quota = TeamQuotaSpec(gpus=(GpuQuotaSpec("a", 4, 2), GpuQuotaSpec("b", 1)))
    hard = objects.resource_quota_spec(quota)["hard"]
    assert hard["requests.nvidia.com/gpu"] == "7"
    assert hard["services.loadbalancers"] == hard["services.nodeports"] == "0"


def test_allowances_open_dns_the_team_the_services_and_aws_endpoints_only():
    spec = objects.allowances_spec(TeamSpec("fraud"), _platform())
    peers = [json.dumps(rule, sort_keys=True) for rule in spec["egress"]]
    assert '"k8s-app": "kube-dns"' in peers[0] and '"port": 53' in peers[0]
    assert '"mlplat.dev/team": "fraud"' in peers[1]
    services = {
        r["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]: r["ports"][
            0
        ]["port"]
        for r in spec["egress"][2:5]
    }
    assert services == {"airflow": 8080, "feast": 6566, "mlflow": 5000}
    aws = spec["egress"][5]
    assert [p["ipBlock"]["cidr"] for p in aws["to"]] == [
        "198.51.100.0/24",
        "203.0.113.0/24",
        # The interface endpoints' own /28s, never the VPC (10.20.0.0/16) with its nodes,
        # pods and the API server's interfaces.
        "10.20.255.208/28",
        "10.20.255.224/28",
        "10.20.255.240/28",
    ]
    assert aws["ports"] == [{"protocol": "TCP", "port": 443}]
    assert len(spec["egress"]) == 6  # nothing reaches the internet
    pod_identity = objects.allowances_spec(
        TeamSpec("fraud"), _platform(workloadIdentity="podIdentity")
    )
    assert pod_identity["egress"][-1]["to"] == [{"ipBlock": {"cidr": "169.254.170.23/32"}}]


def test_team_roles_have_no_wildcards_escalation_or_fence_changes():
    for rules in (objects.admin_rules(), objects.viewer_rules()):
        for rule in rules:
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
            assert not {"roles", "rolebindings", "networkpolicies", "resourcequotas"} & {
                r for r in rule["resources"] if "create" in rule["verbs"]
            }
    assert not any("secrets" in r["resources"] for r in objects.viewer_rules())
    assert objects.role_binding("team-admin", "mlplat:a:admins")["roleRef"]["kind"] == "Role"


def test_cluster_queues_obey_kueues_crd_rules():
    for resource in (r for r in planned(PROD).resources if r.type.endswith(":ClusterQueue")):
        spec = resource.inputs["spec"]
        assert spec["cohortName"] == "mlplat-prod"  # borrowingLimit needs a cohort
        for group in spec["resourceGroups"]:
            for flavor in group["flavors"]:
                # "flavors must have the same number of resources as the coveredResources"
                assert [r["name"] for r in flavor["resources"]] == group["coveredResources"]
    flavors = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]
        for r in planned(PROD).resources
        if r.type.endswith(":ResourceFlavor")
    }
    assert set(flavors) == {"default", "gpu-inference", "gpu-notebooks", "gpu-training"}
    assert flavors["gpu-training"]["nodeLabels"] == {"mlplat.dev/pool": "gpu-training"}
    assert {
        "key": "nvidia.com/gpu",
        "operator": "Equal",
        "value": "present",
        "effect": "NoSchedule",
    } in flavors["gpu-training"]["tolerations"]


def test_each_gpu_quota_is_its_pools_flavor():
    (queue,) = [
        r
        for r in planned(PROD).resources
        if r.type.endswith(":ClusterQueue") and r.inputs["metadata"]["name"] == "recsys"
    ]
    cpu, gpu = queue.inputs["spec"]["resourceGroups"]
    assert cpu["flavors"][0]["resources"] == [
        {"name": "cpu", "nominalQuota": "256", "borrowingLimit": "0"},
        {"name": "memory", "nominalQuota": "1Ti", "borrowingLimit": "0"},
    ]
    assert {f["name"]: f["resources"][0] for f in gpu["flavors"]} == {
        "gpu-training": {"name": "nvidia.com/gpu", "nominalQuota": "24", "borrowingLimit": "8"},
        "gpu-inference": {"name": "nvidia.com/gpu", "nominalQuota": "4", "borrowingLimit": "0"},
    }


def _allows(rules: list, group: str, resource: str, verb: str) -> bool:
    return any(
        group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"] for r in rules
    )


def test_team_admins_can_debug_scale_and_read_their_fence():
    admin, viewer = objects.admin_rules(), objects.viewer_rules()
    # Streams are opened by a GET upgraded to a WebSocket (kubectl 1.30+) or a POST.
    for stream in ("pods/exec", "pods/attach", "pods/portforward"):
        assert _allows(admin, "", stream, "get") and _allows(admin, "", stream, "create")
    assert _allows(admin, "", "pods/ephemeralcontainers", "patch")  # kubectl debug
    assert _allows(admin, "apps", "deployments/scale", "update")
    assert _allows(admin, "apps", "statefulsets/scale", "patch")
    assert _allows(admin, "networking.k8s.io", "networkpolicies", "list")
    assert not _allows(admin, "networking.k8s.io", "networkpolicies", "update")
    assert not any(r["resources"][0].endswith("/status") for r in admin)
    assert not _allows(viewer, "", "pods/exec", "create")
    assert _allows(viewer, "networking.k8s.io", "networkpolicies", "get")


def test_access_entries_wait_for_their_teams_namespaces():
    plan = planned(PROD)
    namespaces = {
        r.urn: r.inputs["metadata"]["name"]
        for r in plan.resources
        if r.type == "kubernetes:core/v1:Namespace"
    }
    entries = [r for r in plan.resources if r.type == "aws:eks/accessEntry:AccessEntry"
               and "team-access" in r.name]  # fmt: skip
    waits = {
        e.inputs["principalArn"]: sorted(namespaces[u] for u in e.options["dependsOn"])
        for e in entries
    }
    assert waits["arn:aws:iam::111122223333:role/recsys-leads"] == ["recsys", "recsys-batch"]
    assert waits["arn:aws:iam::111122223333:role/nlp-engineers"] == ["nlp"]
    fraud = [r for r in planned(FRAUD).resources if r.type == "aws:eks/accessEntry:AccessEntry"]
    fraud_namespaces = {r.urn for r in planned(FRAUD).resources if r.type.endswith(":Namespace")}
    assert len(fraud) == 2 and fraud_namespaces
    assert all(set(e.options["dependsOn"]) == fraud_namespaces for e in fraud)


def test_team_namespaces_carry_the_team_uid_and_are_kept_in_production():
    plan = planned(PROD)
    uids = {t: p.split("/")[2] for t, p in plan.outputs["teamStoragePrefixes"].items()}
    team_namespaces = [r for r in plan.resources if r.type == "kubernetes:core/v1:Namespace"
                       and "mlplat.dev/team" in r.inputs["metadata"]["labels"]]  # fmt: skip
    assert len(team_namespaces) == 3
    for ns in team_namespaces:
        labels = ns.inputs["metadata"]["labels"]
        assert labels["mlplat.dev/team-uid"] == uids[labels["mlplat.dev/team"]]
        assert ns.options["protect"] is True and ns.options["retainOnDelete"] is True
    assert uids["nlp"] != uids["recsys"]
    queues = [r for r in plan.resources if r.type.endswith(":ClusterQueue")]
    assert {q.inputs["metadata"]["labels"]["mlplat.dev/team-uid"] for q in queues} == set(
        uids.values()
    )


def test_team_namespaces_outside_production_can_be_torn_down(synth):
    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        Team(
            "t",
            TeamArgs(name="fraud", platform=_platform().exported()),
            pulumi.ResourceOptions(providers=[provider]),
        )

    (ns,) = synth(program).of_type("kubernetes:core/v1:Namespace")
    assert not ns.options.get("protect") and not ns.options.get("retainOnDelete")


def test_no_team_pod_may_use_a_system_critical_priority_class():
    spec = objects.critical_priority_quota_spec()
    assert spec["hard"] == {"pods": "0"}
    (scope,) = spec["scopeSelector"]["matchExpressions"]
    assert scope == {
        "scopeName": "PriorityClass",
        "operator": "In",
        "values": ["system-node-critical", "system-cluster-critical"],
    }


def test_a_teams_workload_account_mounts_no_api_token():
    """No Role is bound to it (team admins cannot bind one), so a token would only reach
    discovery; a pod that needs the API once a platform admin binds a Role says so itself."""
    accounts = [
        r
        for r in planned(PROD).resources
        if r.type == "kubernetes:core/v1:ServiceAccount"
        and r.inputs["metadata"]["name"] == objects.WORKLOAD_SERVICE_ACCOUNT
    ]
    assert {a.inputs["metadata"]["namespace"] for a in accounts} == {
        "recsys",
        "recsys-batch",
        "nlp",
    }
    assert all(a.inputs["automountServiceAccountToken"] is False for a in accounts)
    bound = {
        s["name"]
        for r in planned(PROD).resources
        if r.type == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
        for s in r.inputs["subjects"]
        if s.get("kind") == "ServiceAccount"
    }
    assert objects.WORKLOAD_SERVICE_ACCOUNT not in bound
