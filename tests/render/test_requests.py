"""Kubernetes quantities and a pod's effective request."""

from decimal import Decimal

import pytest

from mlplat.render.requests import MIB, Resources, container_requests, pod_requests, quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("1.5", Decimal("1.5")),
        (2, Decimal(2)),
        ("512Mi", Decimal(512 * MIB)),
        ("1G", Decimal(10**9)),
        ("1e3", Decimal(1000)),
        (".5Gi", Decimal(2**29)),
    ],
)
def test_quantities(text, value) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Zi", "1.2.3", None, "Mi"])
def test_not_quantities(text) -> None:
    assert quantity(text) is None


def test_rounded_up_as_the_api_server_does() -> None:
    assert Resources.of({"cpu": "0.0001", "memory": "1.5"}) == Resources(1, 2)


def _container(requests=None, limits=None):
    return {"name": "c", "resources": {"requests": requests or {}, "limits": limits or {}}}


def test_a_limit_alone_is_the_request() -> None:
    assert container_requests(_container(limits={"memory": "1Gi"})) == Resources(0, 1024 * MIB)
    both = _container(requests={"memory": "256Mi"}, limits={"memory": "1Gi"})
    assert container_requests(both) == Resources(0, 256 * MIB)


def test_a_limit_range_fills_in_what_is_missing() -> None:
    item = {"type": "Container", "default": {"memory": "2Gi"}, "defaultRequest": {"cpu": "250m"}}
    assert container_requests(_container(), item) == Resources(250, 2048 * MIB)
    own = _container(requests={"cpu": "50m", "memory": "64Mi"})
    assert container_requests(own, item) == Resources(50, 64 * MIB)


def test_app_containers_add_up() -> None:
    spec = {
        "containers": [
            _container({"cpu": "100m", "memory": "128Mi"}),
            _container({"cpu": "50m", "memory": "64Mi"}),
        ]
    }
    assert pod_requests(spec) == Resources(150, 192 * MIB)


def test_the_largest_init_container_counts_per_resource() -> None:
    spec = {
        "initContainers": [_container({"cpu": "500m", "memory": "64Mi"})],
        "containers": [_container({"cpu": "100m", "memory": "1Gi"})],
    }
    assert pod_requests(spec) == Resources(500, 1024 * MIB)


def test_sidecars_run_beside_everything_started_after_them() -> None:
    sidecar = {**_container({"cpu": "100m", "memory": "100Mi"}), "restartPolicy": "Always"}
    spec = {
        "initContainers": [
            _container({"cpu": "300m"}),  # before the sidecar: alone
            sidecar,
            _container({"cpu": "250m"}),  # after it: 250m + 100m
        ],
        "containers": [_container({"cpu": "100m", "memory": "200Mi"})],
        "overhead": {"cpu": "10m"},
    }
    assert pod_requests(spec) == Resources(350 + 10, 300 * MIB)
