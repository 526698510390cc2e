"""Feast: its namespace, the registry's database (SQL registry) or the data prefix, the
online store (Redis), and the feature server's endpoint."""

from __future__ import annotations

from mlplat.components.services import feast as component
from mlplat.components.services.feast import FeatureStore, FeatureStoreArgs
from mlplat.services.service import (
    Built,
    Endpoint,
    Identity,
    Namespace,
    Needs,
    Pods,
    Provided,
    Redis,
    Service,
    prefix_access,
)
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import FeastRegistry, FeatureStoreSpec

DATABASE = "feast"


def _needs(section: FeatureStoreSpec, spec: PlatformSpec) -> Needs:
    sql = section.registry is FeastRegistry.SQL
    return Needs(
        namespace=Namespace(component.NAMESPACE, component.NAMESPACE_LEVEL),
        databases=(DATABASE,) if sql else (),
        # A file registry checks its bucket first (HeadBucket: s3:ListBucket with no
        # prefix), then reads and writes its one object.
        identity=Identity(
            component.SERVICE_ACCOUNT, prefix_access("data", "feast/", head_bucket=not sql)
        ),
        redis=Redis(section.online_node_type),
        endpoint=Endpoint(Pods(component.NAMESPACE, component.POD_LABELS), component.POD_PORT),
    )


def _build(section: FeatureStoreSpec, provided: Provided) -> Built:
    database, online = provided.database, provided.redis
    assert provided.namespace is not None and online is not None, "its needs ask for both"
    store = FeatureStore(
        provided.name,
        FeatureStoreArgs.from_spec(
            section,
            online=online,
            object_store=provided.context.store,
            registry_secret=database.logins.get(DATABASE),
            database_host=database.host,
            database_port=database.port,
            database_tls=database.tls,
            service_account_annotations=provided.identity,
            peers=provided.peers,
            online_reach=provided.peers.redis,
            clients=provided.clients,
        ),
        provided.on_cluster(),
    )
    return Built(url=store.url, cluster_url=store.url)


SERVICE = Service(
    name="feast",
    section=lambda spec: spec.services.feature_store,
    needs=_needs,
    build=_build,
    charts=("feast",),
)
