"""One Args value for each public component, with fields away from their defaults.

The multi-language tests (test_args, test_plugin) take every public component's Args
from here; a public component without a sample fails them.
"""

import dataclasses
import enum
from collections.abc import Mapping, Sequence

from pulumi.provider.experimental.util import camel_case

from mlplat.components.bucket import AccessLogTarget, SecureBucketArgs
from mlplat.components.database import DatabaseArgs
from mlplat.components.eks_cluster import EksClusterArgs
from mlplat.components.network import NetworkArgs
from mlplat.components.node_pool import GpuSharingConfig, NodePoolArgs, NodeTaint
from mlplat.components.platform_key import PlatformKeyArgs
from mlplat.components.registry import EcrRepository, PullThroughCacheRule, RegistryArgs
from mlplat.components.services.airflow import AirflowArgs, GitDags
from mlplat.components.services.context import Exposure, ObjectStore, OnlineStoreEndpoint
from mlplat.components.services.feast import FeatureStoreArgs
from mlplat.components.services.fence import NetworkPeers, Reach, in_namespace, tcp, udp
from mlplat.components.services.gpu_software import GpuSoftwareArgs
from mlplat.components.services.mlflow import MlflowArgs, MlflowDatabase, MlflowOidc, SharedCache
from mlplat.components.services.monitoring import MonitoringArgs
from mlplat.components.storage import StorageArgs
from mlplat.components.storage_class import EbsStorageClassArgs
from mlplat.components.team import GpuQuota, TeamArgs, TeamMembers, TeamQuota
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.components.workload_identity import WorkloadIdentityArgs
from mlplat.spec.enums import WorkloadIdentityMode
from mlplat.spec.model import (
    CapacityType,
    EndpointAccess,
    GpuSharing,
    NatGateways,
    Scanning,
    TaintEffect,
    Upstream,
)
from mlplat.spec.services import Executor, FeastRegistry, MlflowAuth
from tests.components.fixtures import IDENTITY, KEY

ACCOUNT = "111122223333"

PEERS = NetworkPeers(
    dns=Reach(
        [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
        [*udp(53), *tcp(53)],
    ),
    kubernetes_api=Reach([{"ipBlock": {"cidr": "172.20.0.1/32"}}], tcp(443)),
    control_plane=[{"ipBlock": {"cidr": "10.20.0.0/19"}}],
    endpoint_services=("sts",),
    nodes=[{"ipBlock": {"cidr": "10.20.0.0/16"}}],
)

PEERS_WITH_STORES = NetworkPeers(
    dns=PEERS.dns,
    kubernetes_api=PEERS.kubernetes_api,
    control_plane=PEERS.control_plane,
    database=Reach([{"ipBlock": {"cidr": "10.20.64.0/19"}}], tcp(5432)),
    object_store=Reach([{"ipBlock": {"cidr": "52.218.0.0/17"}}], tcp(443)),
    load_balancer=[{"ipBlock": {"cidr": "10.20.0.0/19"}}],
    teams={"namespaceSelector": {"matchLabels": {"mlplat.dev/team": "true"}}},
    prometheus=in_namespace("monitoring", **{"app.kubernetes.io/name": "prometheus"}),
    nodes=PEERS.nodes,
    credentials=Reach([{"ipBlock": {"cidr": "10.20.96.0/19"}}], tcp(443)),
)
"""Peers of a platform with a database, S3, a load balancer, teams and Prometheus."""
REDIS = Reach([{"ipBlock": {"cidr": "10.20.128.0/19"}}], tcp(6379))
EXPOSURE = Exposure(
    domain="ml.example.com",
    class_name="alb",
    annotations={"alb.ingress.kubernetes.io/scheme": "internal"},
)
TASK_PODS = in_namespace("airflow", component="worker")

TEAM_PLATFORM = PlatformOutputs(
    platform="plat",
    environment="dev",
    provider="existing",
    cohort="plat",
    gpu_quotas={},
    services={"mlflow": {"namespace": "mlflow", "port": 5000}},
    teams=("fraud",),
    namespaces=("fraud",),
).exported()
"""A platform's teamPlatform output (an existing cluster, no GPU pools)."""

SAMPLES: dict[str, object] = {
    "PlatformKey": PlatformKeyArgs(
        alias="plat",
        account_id=ACCOUNT,
        region="eu-west-1",
        partition="aws",
        deletion_window_days=7,
        protect=True,
        create_autoscaling_role=False,
    ),
    "Network": NetworkArgs(
        cluster_name="plat",
        region="eu-west-1",
        kms_key_arn=KEY,
        account_id=ACCOUNT,
        partition="aws",
        cidr="10.20.0.0/16",
        zones=("eu-west-1b", "eu-west-1a"),
        nat_gateways=NatGateways.SINGLE,
        interface_endpoints=("ecr", "sts"),
        flow_log_retention_days=30,
    ),
    "EksCluster": EksClusterArgs(
        cluster_name="plat",
        subnet_ids=["subnet-a", "subnet-b"],
        region="eu-west-1",
        partition="aws",
        kms_key_arn=KEY,
        protect=False,
        service_cidr="172.20.0.0/16",
        endpoint_access=EndpointAccess.BOTH,
        public_access_cidrs=("203.0.113.7/32",),
        private_access_cidrs=("10.20.0.0/16",),
        admins=(f"arn:aws:iam::{ACCOUNT}:role/admin",),
        log_retention_days=90,
    ),
    "NodePool": NodePoolArgs(
        name="training",
        instance_types=("g6e.12xlarge",),
        cluster_name="plat",
        kubernetes_version="1.35",
        subnet_ids=["subnet-a"],
        partition="aws",
        kms_key_arn=KEY,
        cluster_security_group_id="sg-cluster",
        pull_through_cache=(f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/k8s/*",),
        min_size=0,
        max_size=4,
        disk_size_gib=200,
        capacity_type=CapacityType.SPOT,
        labels={"team": "fraud"},
        taints=(NodeTaint(key="dedicated", effect=TaintEffect.NO_SCHEDULE, value="training"),),
        gpu_sharing=GpuSharingConfig(strategy=GpuSharing.TIME_SLICING, replicas=2),
    ),
    "Database": DatabaseArgs(
        identifier="plat-metadata",
        vpc_id="vpc-1",
        subnet_ids=["subnet-a", "subnet-b"],
        client_security_group_id="sg-cluster",
        kms_key_arn=KEY,
        engine_version="16",
        allocated_storage_gib=20,
        multi_az=True,
        monitoring_interval=60,
        account_id=ACCOUNT,
    ),
    "SecureBucket": SecureBucketArgs(
        bucket_name="plat-data",
        partition="aws",
        account_id=ACCOUNT,
        kms_key_arn=KEY,
        noncurrent_version_expiry_days=30,
        expiry_days=400,
        access_logs=AccessLogTarget(bucket="plat-logs", prefix="data/"),
    ),
    "Storage": StorageArgs(
        platform="plat",
        region="eu-west-1",
        partition="aws",
        account_id=ACCOUNT,
        kms_key_arn=KEY,
        noncurrent_version_expiry_days=60,
    ),
    "Registry": RegistryArgs(
        prefix="plat",
        kms_key_arn=KEY,
        tags={"team": "fraud"},
        scanning=Scanning.ENHANCED,
        repositories=(
            EcrRepository(name="trainers", keep_last_tagged=10),
            EcrRepository(name="models/churn", untagged_expiry_days=3),
        ),
        pull_through_cache=(PullThroughCacheRule(prefix="k8s", upstream=Upstream.KUBERNETES),),
        team_prefixes=("fraud",),
    ),
    "WorkloadIdentity": WorkloadIdentityArgs(
        cluster=IDENTITY,
        namespace="mlflow",
        service_account="mlflow",
        mode=WorkloadIdentityMode.POD_IDENTITY,
        managed_policies=("AmazonEBSCSIDriverPolicy",),
        more_namespaces=("mlflow-jobs",),
    ),
    "EbsStorageClass": EbsStorageClassArgs(kms_key_arn=KEY, retain=True),
    "Monitoring": MonitoringArgs(
        storage_class="gp3-encrypted",
        gpus=True,
        service_rules=[{"alert": "MlflowDown", "expr": "up == 0", "for": "5m"}],
        peers=PEERS,
        retention="30d",
        storage_gib=100,
        values={"grafana": {"replicas": 2}},
    ),
    "Team": TeamArgs(
        name="fraud",
        platform=TEAM_PLATFORM,
        namespaces=("fraud", "fraud-batch"),
        members=TeamMembers(admins=(f"arn:aws:iam::{ACCOUNT}:role/fraud-admin",)),
        quota=TeamQuota(cpu="32", pods=50, gpus=(GpuQuota(pool="gpu", gpus=2),)),
        repositories=("models",),
        cost_center="cc-42",
        tags={"team": "fraud"},
    ),
    "GpuSoftware": GpuSoftwareArgs(
        gpu_node_selector={"mlplat.dev/accelerator": "nvidia"},
        node_selector={"mlplat.dev/nvidia-device-plugin": "true"},
        sharing={"gpu-notebooks": GpuSharingConfig(strategy=GpuSharing.TIME_SLICING)},
        service_monitor=True,
        efa_node_selector={"mlplat.dev/efa": "true"},
        peers=PEERS,
    ),
    "Airflow": AirflowArgs(
        metadata_secret="airflow-db",
        object_store=ObjectStore(
            buckets={"logs": "plat-logs"}, endpoint_url="http://minio.platform.svc:9000"
        ),
        namespace="orchestration",
        service_account_annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/af"},
        executor=Executor.CELERY,
        dags=GitDags(
            repo="git@github.com:example-org/dags.git",
            branch="release",
            sub_path="dags",
            ssh_key_secret="dags-deploy-key",
            known_hosts="github.com ssh-ed25519 AAAAC3Nza",
            period="120s",
        ),
        chart_version="1.21.0",
        values={"workers": {"replicas": 3}},
        exposure=EXPOSURE,
        tls=True,
        peers=PEERS_WITH_STORES,
        task_services=(Reach([in_namespace("mlflow")], tcp(5000)),),
        git_ssh_key="-----BEGIN OPENSSH PRIVATE KEY-----",
        service_monitor=True,
    ),
    "Mlflow": MlflowArgs(
        database=MlflowDatabase(
            host="db.example.internal",
            port=5433,
            backend_secret="mlflow-db",
            auth_secret="mlflowauth-db",
        ),
        object_store=ObjectStore(buckets={"artifacts": "plat-artifacts"}, region="eu-west-1"),
        namespace="tracking",
        service_account_annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/ml"},
        auth=MlflowAuth.OIDC,
        oidc=MlflowOidc(
            discovery_url="https://idp.example.com/.well-known/openid-configuration",
            client_id="mlflow",
            client_secret_name="mlflow-oidc",
            user_groups=("ml-users",),
            admin_groups=("ml-admins",),
        ),
        replicas=2,
        values={"resources": {"requests": {"cpu": "500m"}}},
        exposure=EXPOSURE,
        tls=True,
        peers=PEERS_WITH_STORES,
        oidc_client_secret="client-secret-value",
        cache=SharedCache(
            host="redis.example.internal", port=6380, tls=True, password="redis-pw", reach=REDIS
        ),
        clients=(TASK_PODS,),
    ),
    "FeatureStore": FeatureStoreArgs(
        online=OnlineStoreEndpoint(
            host="redis.example.internal", port=6380, tls=True, password="redis-pw"
        ),
        object_store=ObjectStore(buckets={"data": "plat-data"}, region="eu-west-1"),
        namespace="features",
        service_account_annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/fs"},
        project="fraud",
        registry=FeastRegistry.SQL,
        registry_secret="feast-db",
        database_host="db.example.internal",
        database_port=5433,
        database_tls=False,
        replicas=2,
        chart_version="0.50.0",
        peers=PEERS_WITH_STORES,
        online_reach=REDIS,
        clients=(TASK_PODS,),
    ),
}


def to_wire(value: object) -> object:
    """``value`` as a program in another language sends it: camelCase keys, enums as their
    values, numbers as floats (the wire has no integers), lists for sequences."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel_case(f.name): to_wire(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_wire(v) for v in value]
    return value
