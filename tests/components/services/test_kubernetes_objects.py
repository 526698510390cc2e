"""Every Kubernetes object mlplat renders itself passes the Kubernetes OpenAPI schema.

kubernetes-validate checks each object against the schema of the cluster's Kubernetes
version, strictly (unknown fields fail). Helm releases are not objects and are skipped;
their values are checked against the charts (test_chart_values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from mlplat.plan.model import SECRET
from mlplat.spec import PlatformSpec, TeamStackSpec, load_spec
from tests.conftest import ALL_SPECS, PLATFORM_OF_TEAMS, planned

CUSTOM_GROUPS = ("kueue.x-k8s.io", "monitoring.coreos.com")
"""Custom resources have no schema in kubernetes-validate: `mlplat render` checks them
against their CRDs (tests/render), and tests/components/tenancy against Kueue's rules."""

DEFAULT_VERSION = "1.35"
"""The existing-cluster example's assumed version (kind's current line)."""


def _version(spec: Path) -> str:
    loaded = load_spec(spec).spec
    if isinstance(loaded, TeamStackSpec):
        loaded = load_spec(PLATFORM_OF_TEAMS).spec
    assert isinstance(loaded, PlatformSpec)
    if loaded.cloud.provider == "aws":
        return f"{loaded.cluster.kubernetes_version}.0"
    return f"{DEFAULT_VERSION}.0"


def _unmasked(value: Any) -> Any:
    """Masked secrets stand for a map of strings; give the validator one."""
    if value == SECRET:
        return {"masked": "value"}
    if isinstance(value, dict):
        return {k: _unmasked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmasked(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _objects(spec: Path) -> list[tuple[str, dict]]:
    return [
        (r.name, _unmasked(r.inputs))
        for r in planned(spec).resources
        if r.type.startswith("kubernetes:")
        and r.custom
        and "helm.sh" not in r.type
        and not any(group in r.type for group in CUSTOM_GROUPS)
        and not r.type.startswith("pulumi:")
    ]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_rendered_objects_pass_the_kubernetes_schema(spec: Path) -> None:
    objects = _objects(spec)
    assert len(objects) >= 10
    failures = {}
    for name, obj in objects:
        try:
            kubernetes_validate.validate(obj, _version(spec), strict=True)
        except kubernetes_validate.ValidationError as err:
            failures[name] = err.message
    assert failures == {}


def test_the_validator_rejects_a_misspelled_field() -> None:
    bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "lables": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, "1.35.0", strict=True)
