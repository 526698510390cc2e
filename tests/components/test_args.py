"""coerce: the plain values the plugin host hands a component become its Args."""

import dataclasses
import enum
from collections.abc import Mapping, Sequence

import pulumi
import pytest

import mlplat.components
from mlplat.components.args import ArgsError, coerce
from mlplat.components.database import DatabaseArgs
from mlplat.components.eks_cluster import EksClusterArgs
from mlplat.components.network import NetworkArgs
from mlplat.components.node_pool import GpuSharingConfig, NodePoolArgs, NodeTaint
from mlplat.components.plugin import MlplatProvider, args_type, public_components
from mlplat.components.registry import EcrRepository, PullThroughCacheRule, RegistryArgs
from mlplat.components.services.airflow import AirflowArgs, GitDags
from mlplat.components.services.context import ObjectStore, OnlineStoreEndpoint
from mlplat.components.services.feast import FeatureStoreArgs
from mlplat.components.services.mlflow import MlflowArgs, MlflowDatabase, MlflowOidc
from mlplat.components.services.monitoring import MonitoringArgs
from mlplat.components.storage import StorageArgs
from mlplat.components.team import ContainerDefaults, GpuQuota, TeamArgs, TeamMembers, TeamQuota
from mlplat.spec.model import (
    ClusterSpec,
    DatabaseSpec,
    GpuSharing,
    GpuSharingSpec,
    NatGateways,
    NetworkSpec,
    NodePoolSpec,
    PullThroughCacheSpec,
    RegistrySpec,
    RepositorySpec,
    StorageSpec,
    TaintEffect,
    TaintSpec,
    Upstream,
)
from mlplat.spec.services import (
    AirflowSpec,
    Executor,
    FeastRegistry,
    FeatureStoreSpec,
    GitDagsSpec,
    MlflowAuth,
    MlflowSpec,
    MonitoringSpec,
    OidcSpec,
)
from mlplat.spec.teams import (
    ContainerDefaultsSpec,
    GpuQuotaSpec,
    TeamMembersSpec,
    TeamQuotaSpec,
    TeamSpec,
)
from tests.components.fixtures import KEY
from tests.components.samples import SAMPLES, to_wire

NETWORK = {
    "cluster_name": "plat",
    "region": "eu-west-1",
    "kms_key_arn": KEY,
    "account_id": "111122223333",
    "partition": "aws",
}


@pytest.fixture(scope="module")
def provider() -> MlplatProvider:
    return MlplatProvider(public_components(), "0.0.0")


@pytest.mark.parametrize("name", mlplat.components.PUBLIC_COMPONENTS)
def test_every_public_args_round_trips_through_the_hosts_mapping(provider, name) -> None:
    sample = SAMPLES[name]
    assert isinstance(sample, args_type(getattr(mlplat.components, name)))
    # What the SDK's host makes of the camelCase values another language sends.
    mapped = provider.map_inputs(to_wire(sample), provider._component_defs[name])
    assert isinstance(mapped, dict) and mapped
    assert _shape(coerce(type(sample), mapped)) == _shape(sample)
    assert coerce(type(sample), sample) is sample


def _shape(value: object) -> object:
    """``value`` with its types (dataclasses, enums) kept and any sequence as a list: the
    plugin delivers lists where a Python caller may have written tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _shape(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return (type(value), fields)
    if isinstance(value, enum.Enum):
        return (type(value), value.value)
    if isinstance(value, Mapping):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_shape(v) for v in value]
    return value


def test_fields_left_out_take_the_dataclass_defaults() -> None:
    assert coerce(NetworkArgs, NETWORK) == NetworkArgs(**NETWORK)
    assert coerce(NetworkArgs, {**NETWORK, "cidr": None}).cidr == "10.0.0.0/16"


def test_values_are_converted_by_their_annotations() -> None:
    args = coerce(
        RegistryArgs,
        {
            "prefix": "plat",
            "kms_key_arn": KEY,
            "repositories": [{"name": "a", "keep_last_tagged": 5.0}],
            "pull_through_cache": [{"prefix": "k8s", "upstream": "registry.k8s.io"}],
            "team_prefixes": ["fraud"],
        },
    )
    assert args.repositories == (EcrRepository(name="a", keep_last_tagged=5),)
    assert type(args.repositories[0].keep_last_tagged) is int
    assert args.pull_through_cache[0].upstream is Upstream.KUBERNETES
    assert args.team_prefixes == ("fraud",)


def test_unresolved_inputs_pass_through(synth) -> None:
    kept = []

    def program() -> None:
        arn = pulumi.Output.from_input(KEY)
        kept.append(coerce(NetworkArgs, {**NETWORK, "kms_key_arn": arn}).kms_key_arn is arn)

    synth(program)
    assert kept == [True]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({**NETWORK, "bogus": 1}, r"NetworkArgs: unknown fields \['bogus'\]"),
        ({"region": "eu-west-1"}, r"NetworkArgs: missing required fields \['cluster_name',"),
        (
            {**NETWORK, "nat_gateways": "both"},
            r"NetworkArgs.nat_gateways: expected one of \['perZone', 'single'\], found 'both'",
        ),
        ({**NETWORK, "availability_zones": "3"}, r"availability_zones: expected int, found str"),
        ({**NETWORK, "availability_zones": 2.5}, r"availability_zones: expected int, found float"),
        ({**NETWORK, "zones": "eu-west-1a"}, r"NetworkArgs.zones: expected a list, found str"),
        ("plat", r"NetworkArgs: expected a NetworkArgs or a mapping of its fields, found str"),
    ],
)
def test_bad_values_name_the_field(value, message) -> None:
    with pytest.raises(ArgsError, match=message):
        coerce(NetworkArgs, value)


def test_nested_errors_carry_the_path() -> None:
    value = {"prefix": "p", "kms_key_arn": KEY, "repositories": [{"name": "a"}, {}]}
    with pytest.raises(ArgsError, match=r"RegistryArgs.repositories\[1\]: missing required"):
        coerce(RegistryArgs, value)


def test_string_annotations_are_refused() -> None:
    stringy = dataclasses.make_dataclass("Stringy", [("size", "int")])
    with pytest.raises(ArgsError, match=r"Stringy: annotations \['size'\] are strings"):
        coerce(stringy, {"size": 1})


# (Args, spec section, spec fields it does not carry, carried fields whose default the
# composition root decides rather than the spec)
FROM_SPEC = [
    (NetworkArgs, NetworkSpec, set(), set()),
    (EksClusterArgs, ClusterSpec, {"workload_identity"}, set()),
    (DatabaseArgs, DatabaseSpec, {"monitoring_interval_seconds"}, {"multi_az"}),
    (StorageArgs, StorageSpec, set(), set()),
    (RegistryArgs, RegistrySpec, {"scope_team_repositories"}, set()),
    (EcrRepository, RepositorySpec, set(), set()),
    (PullThroughCacheRule, PullThroughCacheSpec, set(), set()),
    (NodePoolArgs, NodePoolSpec, {"availability_zone"}, set()),
    (NodeTaint, TaintSpec, set(), set()),
    (GpuSharingConfig, GpuSharingSpec, set(), set()),
    (MonitoringArgs, MonitoringSpec, set(), set()),
    (AirflowArgs, AirflowSpec, set(), set()),
    (GitDags, GitDagsSpec, set(), set()),
    (MlflowArgs, MlflowSpec, set(), set()),
    (MlflowOidc, OidcSpec, set(), set()),
    (FeatureStoreArgs, FeatureStoreSpec, {"online_node_type"}, set()),
    (TeamArgs, TeamSpec, set(), set()),
    (TeamMembers, TeamMembersSpec, set(), set()),
    (TeamQuota, TeamQuotaSpec, set(), set()),
    (GpuQuota, GpuQuotaSpec, set(), set()),
    (ContainerDefaults, ContainerDefaultsSpec, set(), set()),
]


@pytest.mark.parametrize(("args", "spec", "left", "decided"), FROM_SPEC, ids=lambda v: v)
def test_flat_args_carry_their_spec_section_with_its_defaults(args, spec, left, decided) -> None:
    arg_fields = {f.name: f for f in dataclasses.fields(args)}
    spec_fields = {f.name: f for f in dataclasses.fields(spec)}
    assert set(spec_fields) - set(arg_fields) == left
    for name in set(spec_fields) & set(arg_fields) - decided:
        assert arg_fields[name].default == spec_fields[name].default, name


def test_from_spec_copies_the_section() -> None:
    network = NetworkSpec(
        cidr="10.9.0.0/16", zones=("eu-west-1a",), nat_gateways=NatGateways.SINGLE
    )
    args = NetworkArgs.from_spec(network, **NETWORK)
    assert (args.cidr, args.zones, args.nat_gateways) == (network.cidr, network.zones, "single")
    registry = RegistrySpec(
        repositories=(RepositorySpec(name="a", keep_last_tagged=3),),
        pull_through_cache=(PullThroughCacheSpec(prefix="q", upstream=Upstream.QUAY),),
    )
    args = RegistryArgs.from_spec(registry, prefix="p", kms_key_arn=KEY)
    assert args.repositories == (EcrRepository(name="a", keep_last_tagged=3),)
    assert args.pull_through_cache == (PullThroughCacheRule(prefix="q", upstream=Upstream.QUAY),)
    database = DatabaseArgs.from_spec(
        DatabaseSpec(multi_az=None, backup_retention_days=3),
        identifier="d",
        vpc_id="v",
        subnet_ids=[],
        client_security_group_id="sg",
        kms_key_arn=KEY,
        multi_az=True,
    )
    assert (database.multi_az, database.backup_retention_days) == (True, 3)


STORE = ObjectStore(buckets={"artifacts": "a", "data": "d", "logs": "l"})
ONLINE = OnlineStoreEndpoint(host="redis", port=6379, tls=False, password="pw")


def test_service_args_from_spec_carry_their_nested_sections() -> None:
    dags = GitDagsSpec(repo="https://example.com/dags.git", sub_path="dags", period="30s")
    airflow = AirflowArgs.from_spec(
        AirflowSpec(executor=Executor.CELERY, dags=dags, values={"a": 1}),
        metadata_secret="airflow-db",
        object_store=STORE,
    )
    assert airflow.dags == GitDags(repo=dags.repo, sub_path="dags", period="30s")
    assert (airflow.executor, airflow.values) == (Executor.CELERY, {"a": 1})
    oidc = OidcSpec(
        discovery_url="https://idp/.well-known/openid-configuration",
        client_id="c",
        client_secret_name="s",
        user_groups=("u",),
        admin_groups=("a",),
    )
    mlflow = MlflowArgs.from_spec(
        MlflowSpec(auth=MlflowAuth.OIDC, oidc=oidc, replicas=3),
        database=MlflowDatabase(host="db", port=5432, backend_secret="b", auth_secret="a"),
        object_store=STORE,
    )
    assert mlflow.oidc == MlflowOidc(
        discovery_url=oidc.discovery_url,
        client_id="c",
        client_secret_name="s",
        user_groups=("u",),
        admin_groups=("a",),
    )
    assert (mlflow.auth, mlflow.replicas) == (MlflowAuth.OIDC, 3)
    feast = FeatureStoreArgs.from_spec(
        FeatureStoreSpec(project="fraud", registry=FeastRegistry.S3, replicas=2),
        online=ONLINE,
        object_store=STORE,
    )
    assert (feast.project, feast.registry, feast.replicas) == ("fraud", FeastRegistry.S3, 2)


@pytest.mark.parametrize(
    ("cls", "value", "message"),
    [
        (
            MlflowArgs,
            {
                "database": {"host": "db", "port": 5432, "backend_secret": "b", "auth_secret": "a"},
                "object_store": {"buckets": {"artifacts": "a"}},
                "auth": "oidc",
            },
            r"MlflowArgs.oidc: auth 'oidc' needs the identity provider's settings",
        ),
        (
            FeatureStoreArgs,
            {
                "online": {"host": "redis", "port": 6379.0, "tls": False, "password": "pw"},
                "object_store": {"buckets": {"data": "d"}},
            },
            r"FeatureStoreArgs: registry 'sql' needs registry_secret and database_host",
        ),
    ],
)
def test_service_args_refuse_settings_that_cannot_work(cls, value, message) -> None:
    with pytest.raises(ValueError, match=message):
        coerce(cls, value)


def test_a_pool_comes_back_as_the_spec_stated_it() -> None:
    """NodePool decides what its nodes are from the spec's pool facts: the pool it rebuilds
    from its Args must be the spec's own (one fact, one place)."""
    spec = NodePoolSpec(
        name="training",
        instance_types=("g6e.12xlarge", "g6e.24xlarge"),
        min_size=0,
        labels={"team": "fraud"},
        taints=(TaintSpec(key="dedicated", effect=TaintEffect.NO_EXECUTE, value="x"),),
        gpu_sharing=GpuSharingSpec(strategy=GpuSharing.TIME_SLICING, replicas=3),
    )
    args = NodePoolArgs.from_spec(
        spec,
        cluster_name="plat",
        kubernetes_version="1.35",
        subnet_ids=["subnet-a"],
        partition="aws",
        kms_key_arn=KEY,
        cluster_security_group_id="sg",
    )
    assert args.pool() == spec
    assert args.pool().facts == spec.facts and spec.facts.advertised_gpus > 0


def test_a_team_comes_back_as_the_spec_stated_it() -> None:
    spec = TeamSpec(
        name="fraud",
        namespaces=("fraud", "fraud-batch"),
        members=TeamMembersSpec(admins=("arn:aws:iam::111122223333:role/a",)),
        quota=TeamQuotaSpec(cpu="8", gpus=(GpuQuotaSpec(pool="gpu", gpus=2, borrowing_limit=1),)),
        container_defaults=ContainerDefaultsSpec(cpu_request="100m"),
        repositories=("models",),
        cost_center="cc-1",
    )
    assert TeamArgs.from_spec(spec, platform={}).team() == spec
