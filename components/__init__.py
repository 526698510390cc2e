"""Pulumi components, one concern each. They consume the typed spec, never YAML.

The public components and their Args are importable from here (``from mlplat.components
import Network, NetworkArgs``); programs in other languages reach the same components
through the plugin in ``provider/``. Names load on first use, so importing one submodule
(as ``mlplat validate`` does) does not import every component and its providers' SDKs.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlplat.components.bucket import AccessLogTarget, SecureBucket, SecureBucketArgs
    from mlplat.components.database import Database, DatabaseArgs
    from mlplat.components.eks_cluster import EksCluster, EksClusterArgs
    from mlplat.components.network import Network, NetworkArgs
    from mlplat.components.node_pool import (
        GpuSharingConfig,
        NodePool,
        NodePoolArgs,
        NodeTaint,
    )
    from mlplat.components.platform_key import PlatformKey, PlatformKeyArgs
    from mlplat.components.registry import (
        EcrRepository,
        PullThroughCacheRule,
        Registry,
        RegistryArgs,
    )
    from mlplat.components.services.airflow import Airflow, AirflowArgs, GitDags
    from mlplat.components.services.context import Exposure, ObjectStore, OnlineStoreEndpoint
    from mlplat.components.services.feast import FeatureStore, FeatureStoreArgs
    from mlplat.components.services.fence import NetworkPeers, Reach
    from mlplat.components.services.gpu_software import GpuSoftware, GpuSoftwareArgs
    from mlplat.components.services.mlflow import (
        Mlflow,
        MlflowArgs,
        MlflowDatabase,
        MlflowOidc,
        SharedCache,
    )
    from mlplat.components.services.monitoring import Monitoring, MonitoringArgs
    from mlplat.components.storage import Storage, StorageArgs
    from mlplat.components.storage_class import EbsStorageClass, EbsStorageClassArgs
    from mlplat.components.team import (
        ContainerDefaults,
        GpuQuota,
        Team,
        TeamArgs,
        TeamCloud,
        TeamMembers,
        TeamQuota,
    )
    from mlplat.components.workload_identity import (
        ClusterIdentity,
        WorkloadIdentity,
        WorkloadIdentityArgs,
    )

_EXPORTS: dict[str, tuple[str, ...]] = {
    "platform_key": ("PlatformKey", "PlatformKeyArgs"),
    "network": ("Network", "NetworkArgs"),
    "eks_cluster": ("EksCluster", "EksClusterArgs"),
    "node_pool": ("NodePool", "NodePoolArgs", "NodeTaint", "GpuSharingConfig"),
    "database": ("Database", "DatabaseArgs"),
    "bucket": ("SecureBucket", "SecureBucketArgs", "AccessLogTarget"),
    "storage": ("Storage", "StorageArgs"),
    "registry": ("Registry", "RegistryArgs", "EcrRepository", "PullThroughCacheRule"),
    "workload_identity": ("WorkloadIdentity", "WorkloadIdentityArgs", "ClusterIdentity"),
    "storage_class": ("EbsStorageClass", "EbsStorageClassArgs"),
    "services.monitoring": ("Monitoring", "MonitoringArgs"),
    "services.gpu_software": ("GpuSoftware", "GpuSoftwareArgs"),
    "services.airflow": ("Airflow", "AirflowArgs", "GitDags"),
    "services.mlflow": ("Mlflow", "MlflowArgs", "MlflowDatabase", "MlflowOidc", "SharedCache"),
    "services.feast": ("FeatureStore", "FeatureStoreArgs"),
    "team": (
        "Team",
        "TeamArgs",
        "TeamCloud",
        "TeamMembers",
        "TeamQuota",
        "GpuQuota",
        "ContainerDefaults",
    ),
    "services.fence": ("NetworkPeers", "Reach"),
    "services.context": ("ObjectStore", "OnlineStoreEndpoint", "Exposure"),
}
"""Module -> the public names it defines: each public component first, then its types
(the last two define types the service components share, and no component)."""
_TYPES_ONLY = ("services.fence", "services.context")
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

PUBLIC_COMPONENTS: tuple[str, ...] = tuple(
    names[0] for module, names in _EXPORTS.items() if module not in _TYPES_ONLY
)
"""The components the plugin serves to other languages, by class name (= type token)."""

__all__ = [
    "PUBLIC_COMPONENTS",
    "AccessLogTarget",
    "Airflow",
    "AirflowArgs",
    "ClusterIdentity",
    "ContainerDefaults",
    "Database",
    "DatabaseArgs",
    "EbsStorageClass",
    "EbsStorageClassArgs",
    "EcrRepository",
    "EksCluster",
    "EksClusterArgs",
    "Exposure",
    "FeatureStore",
    "FeatureStoreArgs",
    "GitDags",
    "GpuQuota",
    "GpuSharingConfig",
    "GpuSoftware",
    "GpuSoftwareArgs",
    "Mlflow",
    "MlflowArgs",
    "MlflowDatabase",
    "MlflowOidc",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "NetworkPeers",
    "NodePool",
    "NodePoolArgs",
    "NodeTaint",
    "ObjectStore",
    "OnlineStoreEndpoint",
    "PlatformKey",
    "PlatformKeyArgs",
    "PullThroughCacheRule",
    "Reach",
    "Registry",
    "RegistryArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "SharedCache",
    "Storage",
    "StorageArgs",
    "Team",
    "TeamArgs",
    "TeamCloud",
    "TeamMembers",
    "TeamQuota",
    "WorkloadIdentity",
    "WorkloadIdentityArgs",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
