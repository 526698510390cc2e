"""What the root hands a service's component: its provider, and what it waits for.

A service component (Airflow, MLflow, Feast) waits, through its ``depends_on``, for the
namespace the root made, the database bootstrap, the stores and the releases whose CRDs
or webhooks it uses; every object it puts on the cluster waits for them. Nothing it waits
for may wait, in turn, for one of its own objects: the deploy would never finish.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SPECS, planned

SERVICES = {
    "mlplat:index:Airflow": "airflow",
    "mlplat:index:Mlflow": "mlflow",
    "mlplat:index:FeatureStore": "feast",
}
"""Service component type -> the namespace the root makes for it."""
PREREQUISITES = ("monitoring", "aws-load-balancer-controller")
"""Releases whose CRDs or admission webhook the services' objects need, when installed."""


class Graph:
    """A plan's waits: dependsOn and property dependencies (a dependency on a component
    stands for its descendants too) and, with ``parents``, a child's wait for its parent's
    registration, which waits for the parent's own dependsOn."""

    def __init__(self, plan, *, parents: bool) -> None:
        self.by_urn = {r.urn: r for r in plan.resources}
        self.children: dict[str, list[str]] = defaultdict(list)
        for r in plan.resources:
            if r.parent:
                self.children[r.parent].append(r.urn)
        self.edges: dict[str, set[str]] = {}
        for r in plan.resources:
            deps = {*r.options["dependsOn"]}
            deps |= {u for urns in r.propertyDependencies.values() for u in urns}
            found = {r.parent} if parents and r.parent in self.by_urn else set()
            for dep in deps & set(self.by_urn):
                found |= {dep, *self.descendants(dep)}
            self.edges[r.urn] = found

    def descendants(self, urn: str) -> set[str]:
        found: set[str] = set()
        todo = list(self.children[urn])
        while todo:
            child = todo.pop()
            if child not in found:
                found.add(child)
                todo += self.children[child]
        return found

    def waits(self, urn: str) -> set[str]:
        """Everything ``urn`` waits for, directly or not."""
        found: set[str] = set()
        todo = list(self.edges[urn])
        while todo:
            dep = todo.pop()
            if dep not in found:
                found.add(dep)
                todo += self.edges[dep]
        return found


@pytest.fixture(scope="module", params=EXAMPLE_SPECS, ids=lambda p: p.stem)
def plan(request):
    path: Path = request.param
    return planned(path)


def _components(plan) -> list:
    found = [r for r in plan.resources if r.type in SERVICES]
    assert found, "every example stack turns services on"
    return found


def test_a_service_waits_for_its_namespace_logins_and_prerequisites(plan) -> None:
    releases = {
        r.inputs["name"]: r.urn
        for r in plan.resources
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["name"] in PREREQUISITES
    }
    (bootstrap,) = [
        r.urn
        for r in plan.resources
        if r.type == "kubernetes:batch/v1:Job" and r.name.endswith("-databases-bootstrap")
    ]
    for component in _components(plan):
        namespace = f"{SERVICES[component.type]}-ns"
        (ns,) = [r.urn for r in plan.resources if r.name == namespace]
        assert {ns, bootstrap, *releases.values()} <= set(component.options["dependsOn"])


def test_every_object_of_a_service_waits_for_its_namespace(plan) -> None:
    """Recorded in each object's own dependencies: Pulumi orders deletes and replacements
    by those, not by the parent's."""
    graph = Graph(plan, parents=False)
    for component in _components(plan):
        namespace = SERVICES[component.type]
        (ns,) = [r.urn for r in plan.resources if r.name == f"{namespace}-ns"]
        objects = [
            graph.by_urn[urn]
            for urn in graph.descendants(component.urn)
            if graph.by_urn[urn].type.startswith("kubernetes:")
        ]
        assert objects
        for r in objects:
            assert ns in graph.waits(r.urn), r.name


def test_nothing_a_service_waits_for_waits_for_the_service(plan) -> None:
    graph = Graph(plan, parents=True)
    for component in _components(plan):
        own = {component.urn, *graph.descendants(component.urn)}
        for dep in component.options["dependsOn"]:
            assert not graph.waits(dep) & own, (component.name, dep)
    assert not [urn for urn in graph.edges if urn in graph.waits(urn)], "a cycle"
