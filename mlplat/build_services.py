"""The composition root's services: every registered service the spec turns on.

It names no service. From the needs each one declares (``mlplat/services``), it creates
their namespaces, the database logins, workload identities and config secrets, then
builds each service in registry order; what one offers those after it (monitoring's
CRDs, the ingress exposure) joins their context. Every namespace is fenced: the platform
namespace here, each service's by its component.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import pulumi

from mlplat import config_secrets
from mlplat.build_cloud import Cloud
from mlplat.build_cluster import Cluster
from mlplat.build_stores import Stores, fence_platform, workload
from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE
from mlplat.components.services.fence import NetworkPeers
from mlplat.components.services.kube import namespace
from mlplat.components.services.service_databases import ServiceDatabases, ServiceDatabasesArgs
from mlplat.services.registry import Enabled, EnabledServices
from mlplat.services.service import (
    Built,
    DatabaseAccess,
    Provided,
    ServiceContext,
    Shared,
    secret_ref,
)
from mlplat.spec.model import PlatformSpec


@dataclass(frozen=True)
class Services:
    """What the services offer the teams, and the stack outputs they add."""

    monitors_ready: pulumi.Resource | None
    """The release whose CRDs ServiceMonitors need; None when no service offers one."""
    outputs: dict[str, Any]


@dataclass(frozen=True)
class _Platform:
    """What every service's build draws on (the root's own bundle, not a service's)."""

    spec: PlatformSpec
    cloud: Cloud | None
    cluster: Cluster
    peers: NetworkPeers
    stores: Stores
    services: EnabledServices
    namespaces: Mapping[str, pulumi.Resource]
    logins: ServiceDatabases | None


def build_services(
    spec: PlatformSpec,
    cloud: Cloud | None,
    cluster: Cluster,
    peers: NetworkPeers,
    stores: Stores,
    services: EnabledServices,
) -> Services:
    """Declare the services ``services`` lists, with what they need."""
    kubernetes = cluster.kubernetes
    fence_platform(cluster, peers, stores, services)
    namespaces = {
        e.service.name: namespace(
            e.needs.namespace.name,
            e.needs.namespace.level,
            provider=kubernetes.provider,
            parent=kubernetes,
        )
        for e in services
        if e.needs.namespace is not None
    }
    logins = _logins(spec, cluster, stores, services, namespaces)
    platform = _Platform(spec, cloud, cluster, peers, stores, services, namespaces, logins)
    context = ServiceContext(provider=kubernetes.provider, store=stores.object_store)
    built: dict[str, Built] = {}
    for enabled in services:
        result = enabled.service.build(enabled.section, _provided(platform, enabled, context))
        context = _shared(context, result.shared)
        built[enabled.service.name] = result
    outputs = {**stores.outputs, **_outputs(built)}
    if logins is not None:
        where = _databases(services)
        outputs["databaseLoginSecrets"] = {
            db: secret_ref(where[db], name) for db, name in logins.secret_names.items()
        }
    return Services(context.monitoring, outputs)


def _databases(services: EnabledServices) -> dict[str, str]:
    """Every database the services ask for -> the namespace its login Secret goes to."""
    return {
        db: e.needs.namespace.name
        for e in services
        if e.needs.namespace is not None
        for db in e.needs.databases
    }


def _logins(
    spec: PlatformSpec,
    cluster: Cluster,
    stores: Stores,
    services: EnabledServices,
    namespaces: Mapping[str, pulumi.Resource],
) -> ServiceDatabases | None:
    """One bootstrap for every database the services ask for, each login's Secret in the
    namespace of the service that uses it; None when none asks."""
    databases = _databases(services)
    if not databases:
        return None
    return ServiceDatabases(
        f"{spec.metadata.name}-databases",
        ServiceDatabasesArgs(
            namespace=PLATFORM_NAMESPACE,
            host=stores.db_host,
            port=stores.db_port,
            databases=databases,
            master=stores.master,
            require_tls=stores.db_tls,
            after=(*namespaces.values(), *stores.ready),
        ),
        cluster.kubernetes.provider,
    )


def _provided(platform: _Platform, enabled: Enabled, context: ServiceContext) -> Provided:
    """What one service's needs asked for."""
    needs, name, stores = enabled.needs, enabled.service.name, platform.stores
    logins = platform.logins
    others = [e.needs for e in platform.services if e is not enabled]
    identities = _identities(platform, enabled)
    main = needs.identity.service_account if needs.identity else None
    return Provided(
        name=f"{platform.spec.metadata.name}-{name}",
        spec=platform.spec,
        cloud=platform.cloud,
        cluster=platform.cluster,
        context=context,
        peers=platform.peers,
        namespace=platform.namespaces.get(name),
        database=DatabaseAccess(
            host=stores.db_host,
            port=stores.db_port,
            tls=stores.db_tls,
            logins={db: logins.secret_names[db] for db in needs.databases} if logins else {},
        ),
        identity=identities.get(main or "", {}),
        more_identities={a: v for a, v in identities.items() if a != main},
        config={secret.key: config_secrets.read(secret) for secret in needs.config_secrets},
        redis=stores.redis,
        after=(*([logins.job] if logins else []), *stores.ready),
        clients=tuple(n.workloads.peer() for n in others if n.workloads is not None),
        calls=tuple(n.endpoint.reach() for n in others if n.endpoint is not None),
        alert_rules=tuple(rule for n in platform.services.needs for rule in n.alert_rules),
    )


def _identities(
    platform: _Platform, enabled: Enabled
) -> dict[str, pulumi.Input[Mapping[str, str]]]:
    """The service account annotations of a service's workload roles, by account: one
    role per account, each with the identity's permissions (none off aws)."""
    identity, where = enabled.needs.identity, enabled.needs.namespace
    if platform.cloud is None or identity is None:
        return {}
    assert where is not None, "a workload role trusts an account in the service's namespace"
    cloud = platform.cloud
    return {
        account: workload(
            platform.spec, cloud, where.name, account, identity.policy(cloud)
        ).service_account_annotations
        for account in (identity.service_account, *identity.more_accounts)
    }


def _shared(context: ServiceContext, shared: Shared) -> ServiceContext:
    """The context of the services built next: what ``shared`` sets replaces its field."""
    offered = {f.name: getattr(shared, f.name) for f in fields(shared)}
    return replace(context, **{key: value for key, value in offered.items() if value})


def _outputs(built: Mapping[str, Built]) -> dict[str, Any]:
    """The services' stack outputs: their own, URLs and credential Secrets by service."""
    outputs: dict[str, Any] = {}
    urls = {name: b.url for name, b in built.items() if b.url is not None}
    for result in built.values():
        outputs |= result.outputs
    if urls:
        outputs["serviceUrls"] = urls
        # What pods use: team egress reaches the Services, not the load balancer.
        outputs["clusterUrls"] = {
            name: b.cluster_url for name, b in built.items() if b.cluster_url is not None
        }
    credentials = {key: ref for b in built.values() for key, ref in b.credentials.items()}
    if credentials:
        outputs["credentialSecrets"] = credentials
    return outputs
