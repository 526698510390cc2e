"""No generated credential appears in plaintext in values, outputs or any plan format."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mlplat.plan.model import SECRET
from mlplat.plan.placeholders import (
    PLACEHOLDER_SECRET_PREFIX,
    CloudContext,
    resource_state,
)
from mlplat.plan.render import render
from tests.components.services.helpers import RELEASE, of_type
from tests.conftest import ALL_SPECS, EXAMPLE_SPECS, planned

RANDOM = ("random:index/randomPassword:RandomPassword", "random:index/randomBytes:RandomBytes")


def _generated_values(spec: Path) -> set[str]:
    """Every value the plan's random resources produced, in every encoding mlplat uses."""
    values: set[str] = set()
    for typ in RANDOM:
        for r in of_type(spec, typ):
            state = resource_state(CloudContext(), typ, r.name, r.inputs)
            for key in ("result", "bcryptHash", "base64"):
                if key in state:
                    values.add(state[key])
            if "base64" in state:
                urlsafe = state["base64"].replace("+", "-").replace("/", "_")
                values |= {urlsafe, base64.b64decode(state["base64"]).decode()}
    return values


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_no_generated_secret_appears_in_any_plan_format(spec: Path) -> None:
    values = _generated_values(spec)
    assert len(values) >= 10
    for fmt in ("json", "text", "markdown"):
        text = render(planned(spec), fmt)
        leaked = sorted(v for v in values if v in text)
        assert leaked == [], fmt
        assert PLACEHOLDER_SECRET_PREFIX not in text


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_secret_data_is_masked_and_values_hold_no_secret(spec: Path) -> None:
    for secret in of_type(spec, "kubernetes:core/v1:Secret"):
        assert secret.inputs["stringData"] == SECRET, secret.name
    for release in of_type(spec, RELEASE):
        assert SECRET not in str(release.inputs["values"]), release.name


def test_outputs_name_secrets_never_hold_them() -> None:
    outputs = planned(EXAMPLE_SPECS[0]).outputs
    for where in outputs.get("credentialSecrets", {}).values():
        namespace, name = where.split("/")
        assert namespace and name.endswith(("-admin",))


def test_the_leak_check_can_fail(synth) -> None:
    import pulumi_kubernetes as k8s
    import pulumi_random as random

    def leaky() -> None:
        password = random.RandomPassword("leaky", length=16)
        k8s.core.v1.ConfigMap("plain", data={"password": password.result.apply(str)})

    out = synth(leaky)
    state = resource_state(CloudContext(), RANDOM[0], "leaky", {})
    assert state["result"] in str(out.one("kubernetes:core/v1:ConfigMap").inputs)
