"""The team LimitRange against the API server's own rules: defaults never make a valid
container invalid.

``admit`` follows Kubernetes: SetDefaults_LimitRangeItem (a missing default limit is taken
from ``max``, a missing default request from the default limit, then from ``min``), the
Pod defaulting that sets unset requests to their limits, the LimitRanger's merge (defaults
only fill what the container leaves unset) and its min/max checks, then the API's
validation that no request exceeds its limit.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from mlplat.components.tenancy import objects
from mlplat.spec.teams import ContainerDefaultsSpec

_UNITS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _quantity(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(text)).groups()
    return float(number) * _UNITS[unit]


def _item_defaults(item: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    default = dict(item.get("default", {}))
    request = dict(item.get("defaultRequest", {}))
    for key, value in item.get("max", {}).items():
        default.setdefault(key, value)
    for key, value in default.items():
        request.setdefault(key, value)
    for key, value in item.get("min", {}).items():
        request.setdefault(key, value)
    return default, request


def admit(limit_range: dict[str, Any], container: dict[str, Any]) -> list[str]:
    """What the API server says about ``container`` in a namespace with ``limit_range``."""
    resources = copy.deepcopy(container.get("resources", {}))
    limits, requests = resources.setdefault("limits", {}), resources.setdefault("requests", {})
    for key, value in limits.items():  # Pod defaulting, before admission
        requests.setdefault(key, value)
    problems = []
    for item in limit_range["limits"]:
        if item["type"] != "Container":
            continue
        default, default_request = _item_defaults(item)
        for key, value in default_request.items():
            requests.setdefault(key, value)
        for key, value in default.items():
            limits.setdefault(key, value)
        for key, value in item.get("max", {}).items():
            if key not in limits or _quantity(limits[key]) > _quantity(value):
                problems.append(f"maximum {key} usage per Container is {value}")
        for key, value in item.get("min", {}).items():
            if key in requests and _quantity(requests[key]) < _quantity(value):
                problems.append(f"minimum {key} usage per Container is {value}")
    for key, request in requests.items():
        if key in limits and _quantity(request) > _quantity(limits[key]):
            problems.append(f"{key} request {request} must be less than or equal to its limit")
    return problems


TRAINER = {"name": "train", "resources": {"requests": {"cpu": "8", "memory": "64Gi"}}}
CASES = [
    ("requests more memory than any default, no limit", TRAINER),
    ("requests only", {"resources": {"requests": {"memory": "3Gi"}}}),
    ("a limit only, below the default request", {"resources": {"limits": {"memory": "128Mi"}}}),
    ("nothing at all", {}),
    (
        "GPU in limits, memory request above the old 2Gi default",
        {"resources": {"requests": {"memory": "32Gi"}, "limits": {"nvidia.com/gpu": "1"}}},
    ),
]


@pytest.mark.parametrize(("label", "container"), CASES, ids=[c[0] for c in CASES])
def test_valid_containers_stay_valid(label, container):
    spec = objects.limit_range_spec(ContainerDefaultsSpec())
    assert admit(spec, container) == []


def test_the_model_refuses_what_the_api_server_refuses():
    # The old spec: a 2Gi default limit made every larger request invalid.
    old = {"limits": [{"type": "Container", "default": {"memory": "2Gi"}}]}
    assert admit(old, TRAINER) == ["memory request 64Gi must be less than or equal to its limit"]
    # A max alone is no better: it becomes the default limit.
    capped = {"limits": [{"type": "Container", "max": {"memory": "16Gi"}}]}
    assert admit(capped, TRAINER) == ["memory request 64Gi must be less than or equal to its limit"]
    assert admit(capped, {"resources": {"limits": {"memory": "32Gi"}}}) == [
        "maximum memory usage per Container is 16Gi"
    ]


def test_containers_that_set_nothing_get_the_default_requests_and_no_limit():
    spec = objects.limit_range_spec(ContainerDefaultsSpec(memory_request="1Gi"))
    (item,) = spec["limits"]
    assert item == {"type": "Container", "defaultRequest": {"cpu": "250m", "memory": "1Gi"}}
    assert _item_defaults(item)[0] == {}  # no default limit, not even through max
