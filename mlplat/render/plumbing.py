"""The flows every fenced namespace must keep open for the platform to run at all.

- Pods that call the Kubernetes API (their service account is bound to a role and their
  token is mounted) reach the API server: on EKS its Service IP, which the VPC CNI's
  policy agent sees before the address is translated.
- The API server reaches every admission webhook and aggregated API it is told about.
- Pods holding a database login reach the database; pods holding the online store's
  password reach Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from mlplat.render.context import RenderContext
from mlplat.render.flow import Flow, pod_peer, service_targets
from mlplat.render.netpol import OPEN, Peer, Port
from mlplat.render.objects import Inventory, K8sObject
from mlplat.render.pods import PodTemplate, pod_templates
from mlplat.render.selection import pod_references

LOGIN_SUFFIX = "-db"
"""mlplat's database login Secrets are ``<database>-db`` (components/services/
service_databases.py); the bootstrap Job holds the master login."""
ONLINE_STORE_SECRET = "feast-online-store"
CACHE_SECRET = "mlflow-oidc-cache"
STORE_NAMESPACE = "platform"
"""Where the in-cluster stores run on an existing cluster."""


def platform_flows(
    inventory: Inventory, ctx: RenderContext, pods: list[PodTemplate]
) -> Iterator[Flow]:
    """The API server, webhook, database and Redis flows, each by namespace."""
    live = [p for p in pods if not p.owner.synthetic and not p.spec.get("hostNetwork")]
    if ctx.api_server_cidrs:
        api = [(Peer("Kubernetes API", cidrs=ctx.api_server_cidrs), Port(443, "https"))]
        bound = _bound_accounts(inventory)
        callers = [p for p in live if _calls_api(inventory, p, bound)]
        yield from _by_namespace(callers, "Kubernetes API", api)
    if ctx.node_cidrs:
        control_plane = Peer("API server", cidrs=ctx.node_cidrs)
        for name, service, port in _webhook_services(inventory):
            found = service_targets(service, pods, port)
            if found:
                yield Flow(f"API server → {name}", [control_plane], found, OPEN)
    stores = (
        ("database", _holds_login, _store(inventory, ctx.database_cidrs, "postgres", 5432)),
        ("Redis", _holds_redis, _store(inventory, ctx.redis_cidrs, "redis", 6379)),
    )
    for what, uses, found in stores:
        clients = [p for p in live if uses(p)]
        if clients and found:
            yield from _by_namespace(clients, what, found)


def _by_namespace(
    clients: list[PodTemplate], what: str, targets: list[tuple[Peer, Port]]
) -> Iterator[Flow]:
    for namespace, group in groupby(
        sorted(clients, key=lambda p: p.namespace), key=lambda p: p.namespace
    ):
        yield Flow(f"{namespace} → {what}", [pod_peer(p) for p in group], targets, OPEN)


def _calls_api(inventory: Inventory, pod: PodTemplate, bound: set[tuple[str, str]]) -> bool:
    """A pod whose service account is bound to a role and whose token is mounted."""
    spec = pod.spec
    account = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    mounted = spec.get("automountServiceAccountToken")
    if mounted is None:
        found = inventory.find("ServiceAccount", pod.namespace, account)
        mounted = found is None or found.manifest.get("automountServiceAccountToken") is not False
    return bool(mounted) and (pod.namespace, account) in bound


def _bound_accounts(inventory: Inventory) -> set[tuple[str, str]]:
    bound = set()
    for binding in inventory.of_kind("RoleBinding", "ClusterRoleBinding"):
        for subject in binding.manifest.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount":
                namespace = str(subject.get("namespace") or binding.namespace)
                bound.add((namespace, str(subject.get("name"))))
    return bound


def _webhook_services(inventory: Inventory) -> Iterator[tuple[str, K8sObject, int]]:
    """(name, Service, port) of every webhook and aggregated API served in the cluster."""
    kinds = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
    for config in inventory.of_kind(*kinds):
        seen = set()
        for hook in config.manifest.get("webhooks") or []:
            ref = (hook.get("clientConfig") or {}).get("service") or {}
            key = (ref.get("namespace"), str(ref.get("name")), int(ref.get("port") or 443))
            service = inventory.find("Service", key[0], key[1])
            if service is not None and key not in seen:
                seen.add(key)
                yield f"{config.kind} {config.name}", service, key[2]
    for api in inventory.of_kind("APIService"):
        ref = (api.manifest.get("spec") or {}).get("service") or {}
        service = inventory.find("Service", ref.get("namespace"), str(ref.get("name")))
        if service is not None:
            yield f"APIService {api.name}", service, int(ref.get("port") or 443)


def _secrets(pod: PodTemplate) -> set[str]:
    return {name for kind, name, _, _ in pod_references(pod) if kind == "Secret"}


def _holds_login(pod: PodTemplate) -> bool:
    env = {e.get("name") for c in pod.containers for e in c.get("env") or []}
    return "PGHOST" in env or any(name.endswith(LOGIN_SUFFIX) for name in _secrets(pod))


def _holds_redis(pod: PodTemplate) -> bool:
    return bool({ONLINE_STORE_SECRET, CACHE_SECRET} & _secrets(pod))


def _store(
    inventory: Inventory, cidrs: tuple[str, ...], service: str, port: int
) -> list[tuple[Peer, Port]]:
    """A store's addresses (a managed store's subnets) or its in-cluster Service's pods."""
    if cidrs:
        return [(Peer(service, cidrs=cidrs), Port(port))]
    found = inventory.find("Service", STORE_NAMESPACE, service)
    return service_targets(found, list(pod_templates(inventory)), port) if found else []
