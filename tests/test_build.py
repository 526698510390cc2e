"""The composition root, through the example stacks: wiring, day-2 safety, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplat.build import build
from mlplat.spec import load_spec
from tests.conftest import ALL_SPECS, STACKS, plan_file, planned

GOLDEN = Path(__file__).parent / "plan" / "golden" / "prod-urns-foundation.txt"
GOLDEN_ALL = GOLDEN.with_name("prod-urns-0.1.0.txt")
"""Every URN of prod as 0.1.0 planned it, before its packages moved under mlplat."""
GOLDEN_REPOSITORIES = GOLDEN.with_name("prod-repository-names.txt")
"""The previous release's prod repository names: a new name replaces a repository and
loses its images, which a URN or alias cannot prevent."""
REMOVED_ON_PURPOSE = {
    # The VPC CNI now has its own IRSA role (EksAddons); nodes no longer carry ENI rights.
    "urn:pulumi:prod::mlplat::mlplat:index:NodePool$aws:iam/rolePolicyAttachment:"
    f"RolePolicyAttachment::mlplat-prod-{pool}-AmazonEKS_CNI_Policy"
    for pool in ("system", "general")
}
STATEFUL = (
    "aws:kms/key:Key",
    "aws:eks/cluster:Cluster",
    "aws:rds/instance:Instance",
    "aws:s3/bucket:Bucket",
    "aws:ecr/repository:Repository",
)


REPOSITORY = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def _of(plan, typ):
    return [r for r in plan.resources if r.type == typ]


def test_every_foundation_resource_survives_an_upgrade_by_urn_or_alias() -> None:
    plan = planned(STACKS / "prod.yaml")
    answered = {r.urn for r in plan.resources} | {
        alias for r in plan.resources for alias in r.options["aliases"]
    }
    previous = set(GOLDEN.read_text().split())
    assert previous - answered == REMOVED_ON_PURPOSE


def test_every_resource_of_the_previous_release_survives_by_urn_or_alias() -> None:
    plan = planned(STACKS / "prod.yaml")
    answered = {r.urn for r in plan.resources} | {
        alias for r in plan.resources for alias in r.options["aliases"]
    }
    lines = GOLDEN_ALL.read_text().splitlines()
    previous = {line for line in lines if line.startswith("urn:")}
    assert len(previous) > 300
    assert sorted(previous - answered) == []


def test_every_repository_keeps_its_physical_name_through_an_upgrade() -> None:
    # prod predates team repositories named <platform>/teams/<team>/<name> and keeps its names
    # with registry.scopeTeamRepositories: false (the README's upgrade notes).
    names = sorted(r.inputs["name"] for r in _of(planned(STACKS / "prod.yaml"), REPOSITORY))
    assert names == GOLDEN_REPOSITORIES.read_text().split()


def test_new_platforms_scope_team_repositories_by_platform(tmp_path) -> None:
    spec_file = tmp_path / "prod.yaml"
    spec_file.write_text(
        (STACKS / "prod.yaml")
        .read_text()
        .replace("scopeTeamRepositories: false", "scopeTeamRepositories: true")
        .replace("extends: base/aws.yaml", f"extends: {STACKS / 'base' / 'aws.yaml'}")
        .replace("[team-fraud.yaml]", f"[{STACKS / 'team-fraud.yaml'}]")
    )
    plan = plan_file(spec_file, stack="prod")
    names = {r.inputs["name"] for r in _of(plan, REPOSITORY)}
    assert {"mlplat-prod/teams/recsys/ranker", "mlplat-prod/teams/nlp/finetune"} <= names
    assert not [n for n in names if not n.startswith("mlplat-prod/")]
    (role_policy,) = [
        r
        for r in _of(plan, "aws:iam/rolePolicy:RolePolicy")
        if r.name == "mlplat-prod-team-nlp-workload-policy"
    ]
    statements = {s["Sid"]: s for s in json.loads(role_policy.inputs["policy"])["Statement"]}
    assert statements["TeamRepositories"]["Resource"].endswith(
        ":repository/mlplat-prod/teams/nlp/*"
    )
    (scanning,) = _of(plan, SCANNING)
    continuous = scanning.inputs["rules"][0]["repositoryFilters"]
    assert [f["filter"] for f in continuous] == ["mlplat-prod/*"]


def test_prod_protects_and_retains_every_stateful_resource() -> None:
    plan = planned(STACKS / "prod.yaml")
    for typ in STATEFUL:
        found = _of(plan, typ)
        assert found, typ
        for resource in found:
            assert resource.options["protect"] is True, resource.urn
            assert resource.options["retainOnDelete"] is True, resource.urn


def test_dev_protects_nothing_so_it_can_be_torn_down() -> None:
    plan = planned(STACKS / "dev.yaml")
    assert not [r.urn for r in plan.resources if r.options["protect"]]


def test_prod_runs_gpu_pools_of_different_models() -> None:
    plan = planned(STACKS / "prod.yaml")
    models = {
        r.inputs["labels"]["mlplat.dev/pool"]: r.inputs["labels"].get("mlplat.dev/gpu-model")
        for r in _of(plan, "aws:eks/nodeGroup:NodeGroup")
    }
    assert models == {
        "system": None,
        "general": None,
        "gpu-inference": "l4",
        "gpu-notebooks": "l4",
        "gpu-training": "a100-40gb",
    }


def test_enhanced_scanning_reaches_every_repository_prod_declares() -> None:
    plan = planned(STACKS / "prod.yaml")
    (config,) = _of(plan, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    continuous, _ = config.inputs["rules"]
    filters = [f["filter"] for f in continuous["repositoryFilters"]]
    assert filters == ["mlplat-prod/*", "recsys/*", "nlp/*"]
    repositories = [r.inputs["name"] for r in _of(plan, "aws:ecr/repository:Repository")]
    assert {name.split("/")[0] for name in repositories} == {"mlplat-prod", "recsys", "nlp"}


def test_zone_pinned_efa_pool_uses_exactly_one_private_subnet() -> None:
    plan = planned(STACKS / "prod.yaml")
    groups = {
        r.inputs["labels"]["mlplat.dev/pool"]: r.inputs["subnetIds"]
        for r in _of(plan, "aws:eks/nodeGroup:NodeGroup")
    }
    private_1a = [
        r
        for r in _of(plan, "aws:ec2/subnet:Subnet")
        if r.name.startswith("mlplat-prod-private-")
        and r.inputs["availabilityZone"] == "eu-west-1a"
    ]
    assert len(groups["gpu-training"]) == 1
    assert len(groups["system"]) == 3
    assert len(private_1a) == 1


def test_everything_encrypted_uses_the_one_platform_key() -> None:
    plan = planned(STACKS / "prod.yaml")
    assert len(_of(plan, "aws:kms/key:Key")) == 1
    key_arn = plan.outputs["kmsKeyArn"]
    assert key_arn.startswith("arn:aws:kms:eu-west-1:")
    users = [
        _of(plan, "aws:eks/cluster:Cluster")[0].inputs["encryptionConfig"]["provider"]["keyArn"],
        _of(plan, "aws:rds/instance:Instance")[0].inputs["kmsKeyId"],
        *[g.inputs["kmsKeyId"] for g in _of(plan, "aws:cloudwatch/logGroup:LogGroup")],
        *[
            r.inputs["encryptionConfigurations"][0]["kmsKey"]
            for r in _of(plan, "aws:ecr/repository:Repository")
        ],
        *[
            m["ebs"]["kmsKeyId"]
            for t in _of(plan, "aws:ec2/launchTemplate:LaunchTemplate")
            for m in t.inputs["blockDeviceMappings"]
        ],
    ]
    assert set(users) == {key_arn}


def test_outputs_name_what_later_layers_and_operators_need() -> None:
    outputs = planned(STACKS / "prod.yaml").outputs
    for name in (
        "clusterName",
        "clusterEndpoint",
        "kubeconfig",
        "oidcProviderArn",
        "registryUrls",
        "bucketNames",
        "databaseAddress",
        "databaseSecretArn",
        "kmsKeyArn",
    ):
        assert outputs.get(name), name
    assert outputs["kubeconfig"] == "[secret]"
    assert set(outputs["bucketNames"]) == {"artifacts", "data", "logs"}
    assert set(outputs["registryUrls"]) == {"trainers", "serving", "models"}


def test_a_supplied_key_replaces_the_platform_key(synth, tmp_path) -> None:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    spec_file = tmp_path / "byok.yaml"
    spec_file.write_text(
        (STACKS / "dev.yaml")
        .read_text()
        .replace("registry:", f"encryption:\n  kmsKeyArn: {arn}\nregistry:", 1)
    )
    result = load_spec(spec_file)
    assert result.spec is not None, [e.format() for e in result.errors]
    out = synth(lambda: build(result.spec))
    assert out.of_type("aws:kms/key:Key") == []
    assert (
        out.one("aws:eks/cluster:Cluster").inputs["encryptionConfig"]["provider"]["keyArn"] == arn
    )


@pytest.mark.parametrize(("stack", "multi_az"), [("dev", False), ("prod", True)])
def test_database_multi_az_defaults_to_the_environment(stack, multi_az) -> None:
    (db,) = _of(planned(STACKS / f"{stack}.yaml"), "aws:rds/instance:Instance")
    assert db.inputs["multiAz"] is multi_az


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_every_aws_resource_uses_the_stacks_own_provider(spec) -> None:
    """The default provider has neither the platform's region pin nor its default tags."""
    plan = planned(spec)
    providers = {r.urn for r in plan.resources if r.type == "pulumi:providers:aws"}
    on_aws = [r for r in plan.resources if r.type.startswith("aws:")]
    assert len(providers) == (1 if on_aws else 0), providers
    assert [r.urn for r in on_aws if r.provider not in providers] == []


def test_the_key_waits_for_the_autoscaling_role_unless_the_account_has_one(synth, tmp_path):
    plan = planned(STACKS / "dev.yaml")
    (role,) = _of(plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    (key,) = _of(plan, "aws:kms/key:Key")
    assert role.urn in key.options["dependsOn"]
    spec_file = tmp_path / "existing-role.yaml"
    spec_file.write_text(
        (STACKS / "dev.yaml")
        .read_text()
        .replace("registry:", "encryption:\n  autoScalingRole: existing\nregistry:", 1)
    )
    result = load_spec(spec_file)
    assert result.spec is not None, [e.format() for e in result.errors]
    out = synth(lambda: build(result.spec))
    assert out.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_node_groups_wait_for_the_networking_addons(stack) -> None:
    # The cluster has no self-managed vpc-cni or kube-proxy (bootstrapSelfManagedAddons off).
    plan = planned(STACKS / f"{stack}.yaml")
    networking = {
        r.urn
        for r in _of(plan, "aws:eks/addon:Addon")
        if r.inputs["addonName"] in ("vpc-cni", "kube-proxy")
    }
    assert len(networking) == 2
    for group in _of(plan, "aws:eks/nodeGroup:NodeGroup"):
        assert networking <= set(group.options["dependsOn"]), group.urn


@pytest.mark.parametrize(("stack", "interval"), [("dev", 0), ("prod", 60)])
def test_prod_databases_have_enhanced_monitoring(stack, interval) -> None:
    (db,) = _of(planned(STACKS / f"{stack}.yaml"), "aws:rds/instance:Instance")
    assert db.inputs.get("monitoringInterval", 0) == interval
    assert ("monitoringRoleArn" in db.inputs) is bool(interval)


def test_prod_nodes_may_fill_its_pull_through_caches() -> None:
    plan = planned(STACKS / "prod.yaml")
    prefixes = sorted(
        r.inputs["ecrRepositoryPrefix"]
        for r in _of(plan, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    )
    caches = [r for r in _of(plan, "aws:iam/rolePolicy:RolePolicy") if "pull-through" in r.name]
    assert len(caches) == len(_of(plan, "aws:eks/nodeGroup:NodeGroup"))
    for policy in caches:
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert sorted(r.split(":repository/")[1] for r in statement["Resource"]) == [
            f"{p}/*" for p in prefixes
        ]


def test_prod_admits_its_in_vpc_runner_to_the_private_endpoint() -> None:
    # prod runs pulumi up from a runner inside its VPC (README: Private clusters).
    plan = planned(STACKS / "prod.yaml")
    (cluster,) = _of(plan, "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False
    rules = [
        r.inputs
        for r in _of(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs.get("cidrIpv4") == "10.20.0.0/16"
    ]
    assert [(r["fromPort"], r["toPort"]) for r in rules] == [(443.0, 443.0)]
