import json

import pytest

from mlplat.components.registry import (
    MAX_SCAN_FILTERS,
    EcrRepository,
    Registry,
    RegistryArgs,
    enhanced_scanning_rules,
    lifecycle_policy,
)
from mlplat.spec.model import (
    PullThroughCacheSpec,
    RegistrySpec,
    RepositorySpec,
    Scanning,
    Upstream,
)
from tests.components.fixtures import KEY

REPOS = (RepositorySpec(name="trainers", keep_last_tagged=10), RepositorySpec(name="models/churn"))


def _registry(synth, protect=False, team_prefixes=(), **spec):
    spec = {"repositories": REPOS, **spec}
    args = RegistryArgs.from_spec(
        RegistrySpec(**spec),
        prefix="plat",
        kms_key_arn=KEY,
        protect=protect,
        team_prefixes=team_prefixes,
    )
    return synth(lambda: Registry("plat", args))


def test_repositories_are_immutable_scanned_and_encrypted(synth) -> None:
    repos = _registry(synth).of_type("aws:ecr/repository:Repository")
    assert sorted(r.inputs["name"] for r in repos) == ["plat/models/churn", "plat/trainers"]
    for repo in repos:
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": KEY}]


def test_enhanced_scanning_is_continuous_for_the_platform_and_its_teams(synth) -> None:
    out = _registry(synth, scanning=Scanning.ENHANCED, team_prefixes=("recsys", "nlp"))
    config = out.one("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert config.inputs["scanType"] == "ENHANCED"
    continuous, on_push = config.inputs["rules"]
    assert continuous["scanFrequency"] == "CONTINUOUS_SCAN"
    assert [f["filter"] for f in continuous["repositoryFilters"]] == [
        "plat/*",
        "recsys/*",
        "nlp/*",
    ]
    # Under enhanced scanning an unmatched repository is not scanned at all: a team
    # stack's repositories, and any other in the registry, are caught on push.
    assert on_push["scanFrequency"] == "SCAN_ON_PUSH"
    assert on_push["repositoryFilters"] == [{"filter": "*", "filterType": "WILDCARD"}]


def test_past_ecrs_filter_limit_every_repository_is_scanned_continuously() -> None:
    teams = [f"team-{i:03d}" for i in range(MAX_SCAN_FILTERS)]
    assert len(enhanced_scanning_rules(["plat", *teams[:-1]])[0]["repository_filters"]) == 100
    continuous, _ = enhanced_scanning_rules(["plat", *teams])
    assert continuous["repository_filters"] == [{"filter": "*", "filter_type": "WILDCARD"}]


@pytest.mark.parametrize("protect", [True, False])
def test_prod_repositories_are_protected_and_never_force_deleted(synth, protect) -> None:
    for repo in _registry(synth, protect=protect).of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["forceDelete"] is not protect
        assert (repo.options["protect"], repo.options["retainOnDelete"]) == (protect, protect)


def test_lifecycle_keeps_tagged_models_and_trims_images() -> None:
    images = json.loads(lifecycle_policy(EcrRepository(name="trainers", keep_last_tagged=10)))[
        "rules"
    ]
    models = json.loads(lifecycle_policy(EcrRepository(name="models/churn")))["rules"]
    assert [r["selection"]["tagStatus"] for r in images] == ["untagged", "any"]
    assert images[1]["selection"]["countNumber"] == 10
    assert [r["selection"]["tagStatus"] for r in models] == ["untagged"]
    assert models[0]["selection"]["countNumber"] == 7


def test_pull_through_cache_rules(synth) -> None:
    rules = (
        PullThroughCacheSpec(prefix="k8s", upstream=Upstream.KUBERNETES),
        PullThroughCacheSpec(
            prefix="hub",
            upstream=Upstream.DOCKER_HUB,
            credential_arn="arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/hub",
        ),
    )
    out = _registry(synth, pull_through_cache=rules)
    found = {
        r.inputs["ecrRepositoryPrefix"]: r.inputs
        for r in out.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    }
    assert found["k8s"]["upstreamRegistryUrl"] == "registry.k8s.io"
    assert "credentialArn" not in found["k8s"]
    assert found["hub"]["credentialArn"].endswith("ecr-pullthroughcache/hub")


def test_only_the_stack_managing_the_account_declares_its_registry_settings(synth) -> None:
    # Two platforms in one account and region would overwrite one scanning configuration
    # and collide on cache prefixes; the others leave them to the managing stack.
    cache = (PullThroughCacheSpec(prefix="k8s", upstream=Upstream.KUBERNETES),)
    managing = _registry(synth, scanning=Scanning.ENHANCED, pull_through_cache=cache)
    assert len(managing.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")) == 1
    other = _registry(synth, pull_through_cache=cache, manage_account_settings=False)
    assert other.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule") == []
    assert (
        other.of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration") == []
    )
    for repo in other.of_type("aws:ecr/repository:Repository"):
        # Scan on push; ECR ignores it if the managing stack turned on enhanced scanning.
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
