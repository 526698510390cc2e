"""The service registry: every service is registered once, declares what the platform
must give it, and a new one is installed from its declaration alone."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
from dataclasses import replace

import pulumi
import pulumi_kubernetes as k8s
import pytest

import mlplat.services
from mlplat.build import build
from mlplat.components.charts import CHARTS
from mlplat.components.services.kube import PodSecurity
from mlplat.services import registry
from mlplat.services.registry import SERVICES, enabled_services
from mlplat.services.service import (
    Built,
    Endpoint,
    Identity,
    Namespace,
    Needs,
    Pods,
    Provided,
    Service,
    ServiceContext,
    Shared,
    prefix_access,
)
from mlplat.spec import load_spec
from mlplat.spec.capacity import RESERVED_NAMESPACES
from mlplat.spec.services import FeastRegistry, FeatureStoreSpec
from tests.conftest import STACKS

TENANCY_CHARTS = {"kueue"}
"""Charts the teams' layer installs (not a service's)."""


def _spec(stack: str):
    spec = load_spec(STACKS / f"{stack}.yaml").spec
    assert spec is not None
    return spec


def test_every_service_module_is_registered_once() -> None:
    modules = [
        importlib.import_module(f"mlplat.services.{m.name}")
        for m in pkgutil.iter_modules(mlplat.services.__path__)
        if m.name not in ("service", "registry")
    ]
    declared = [getattr(module, "SERVICE", None) for module in modules]
    assert all(isinstance(s, Service) for s in declared), [m.__name__ for m in modules]
    assert sorted(map(id, declared)) == sorted(map(id, SERVICES))
    assert len({s.name for s in SERVICES}) == len(SERVICES)


def test_every_chart_pin_belongs_to_one_service() -> None:
    claimed = [chart for service in SERVICES for chart in service.charts]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) | TENANCY_CHARTS == set(CHARTS)


def test_the_examples_turn_every_service_on() -> None:
    on = {e.service.name for stack in ("prod", "local") for e in enabled_services(_spec(stack))}
    assert on == {s.name for s in SERVICES}


@pytest.mark.parametrize("stack", ["prod", "local"])
def test_no_team_may_take_a_services_namespace(stack: str) -> None:
    """Teams are refused the spec layer's reserved namespaces (it imports no service)."""
    for enabled in enabled_services(_spec(stack)):
        needs = enabled.needs
        used = [needs.namespace, *enabled.service.privileged]
        names = {n.name for n in used if n is not None}
        names |= {p.namespace for p in (needs.scraper, needs.workloads) if p is not None}
        assert names <= RESERVED_NAMESPACES, enabled.service.name


def test_privileged_namespaces_say_why() -> None:
    for service in SERVICES:
        for namespace in service.privileged:
            assert namespace.level is PodSecurity.PRIVILEGED and len(namespace.reason) > 20


def test_each_store_client_gets_its_databases_prefix_and_identity() -> None:
    needs = {e.service.name: e.needs for e in enabled_services(_spec("prod"))}
    summary = {
        name: (n.namespace.name, n.identity.service_account, n.databases)
        for name, n in needs.items()
        if n.namespace is not None and n.identity is not None
    }
    assert summary == {
        "airflow": ("airflow", "airflow", ("airflow",)),
        "mlflow": ("mlflow", "mlflow", ("mlflow", "mlflowauth")),
        "feast": ("feast", "feast", ("feast",)),
    }
    assert needs["feast"].redis is not None and needs["mlflow"].redis is None


def test_a_feast_registry_in_s3_needs_no_database() -> None:
    spec = _spec("prod")
    s3 = FeatureStoreSpec(registry=FeastRegistry.S3)
    spec = replace(spec, services=replace(spec.services, feature_store=s3))
    (feast,) = [e for e in enabled_services(spec) if e.service.name == "feast"]
    assert feast.needs.databases == ()


def test_what_a_service_shares_is_what_the_next_ones_context_has() -> None:
    """The root folds each Shared field into the ServiceContext field of the same name."""
    context = {f.name: f.type for f in dataclasses.fields(ServiceContext)}
    for f in dataclasses.fields(Shared):
        assert context.get(f.name) == f.type, f.name


def test_a_service_cannot_ask_for_logins_without_a_namespace() -> None:
    with pytest.raises(ValueError, match="namespace"):
        Needs(databases=("x",))


def _toy_build(section: object, provided: Provided) -> Built:
    database = provided.database
    assert provided.namespace is not None
    k8s.core.v1.ConfigMap(
        "toy-wiring",
        metadata={"namespace": "toy"},
        data={"login": database.logins["toy"]},
        opts=pulumi.ResourceOptions(
            provider=provided.context.provider, depends_on=[provided.namespace, *provided.after]
        ),
    )
    return Built(url="http://toy.example", cluster_url="http://toy.toy.svc:8000")


TOY = Service(
    name="toy",
    section=lambda spec: spec.metadata.name,
    needs=lambda section, spec: Needs(
        namespace=Namespace("toy", PodSecurity.RESTRICTED),
        databases=("toy",),
        identity=Identity("toy", prefix_access("data", "toy/")),
        endpoint=Endpoint(Pods("toy", {"app": "toy"}), 8000),
    ),
    build=_toy_build,
)
"""A service the root has never heard of."""


def test_a_new_service_is_installed_from_its_declaration_alone(synth, monkeypatch) -> None:
    monkeypatch.setattr(registry, "SERVICES", (*SERVICES, TOY))
    spec = _spec("dev")

    def program() -> None:
        for key, value in build(spec).outputs.items():
            pulumi.export(key, value)

    out = synth(program, stack="dev")
    (ns,) = [r for r in out.of_type("kubernetes:core/v1:Namespace") if r.name == "toy-ns"]
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert out.outputs["databaseLoginSecrets"]["toy"] == "toy/toy-db"
    assert out.outputs["serviceUrls"]["toy"] == "http://toy.example"
    assert out.outputs["clusterUrls"]["toy"] == "http://toy.toy.svc:8000"
    policy = out.one("aws:iam/rolePolicy:RolePolicy", "mlplat-dev-toy-policy")
    resources = json.dumps(json.loads(policy.inputs["policy"])["Statement"])
    assert "/toy/*" in resources
    wiring = out.one("kubernetes:core/v1:ConfigMap", "toy-wiring")
    assert wiring.inputs["data"]["login"] == "toy-db"
    # Airflow's task pods are a client of every service with an endpoint: the toy's too.
    egress = [
        rule
        for r in out.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.inputs["metadata"]["namespace"] == "airflow"
        for rule in r.inputs["spec"].get("egress", [])
    ]
    toy = {"kubernetes.io/metadata.name": "toy"}
    assert any(
        peer.get("namespaceSelector", {}).get("matchLabels") == toy
        for rule in egress
        for peer in rule["to"]
    )
