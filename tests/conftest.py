"""Shared fixtures. `synth` is the mock-runtime harness every component test uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings

# Property-based tests (tests/test_cli_properties.py): `ci` is derandomized, so `make test`
# runs the same cases every time; `make fuzz` selects `fuzz` (--hypothesis-profile=fuzz).
settings.register_profile(
    "ci", max_examples=300, derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile("fuzz", max_examples=5000, deadline=None, print_blob=True)
settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"
_SPECS = sorted(p for p in STACKS.glob("*.yaml") if not p.name.startswith("Pulumi."))
TEAM_SPECS = [p for p in _SPECS if "\nkind: Team\n" in p.read_text()]
"""Every example team stack spec (kind: Team)."""
EXAMPLE_SPECS = [p for p in _SPECS if p not in TEAM_SPECS]
"""Every example platform spec (files under stacks/base/ are fragments, not stacks)."""
ALL_SPECS = _SPECS
"""Platform and team specs, for checks that hold for every stack."""


PLATFORM_OF_TEAMS = STACKS / "prod.yaml"
"""The platform the example team stacks reference (their platform.stack is its stack)."""


def plan_file(path: Path, stack: str | None = None):
    """Load and plan a spec file exactly as `mlplat plan` does (a fresh run each call).

    A team spec is planned against the prod example's plan, as `--platform-plan` does.
    """
    from mlplat.build_teams import OUTPUT
    from mlplat.plan.offline import plan_spec
    from mlplat.spec import TeamStackSpec, load_spec

    result = load_spec(path)
    assert result.spec is not None, [e.format() for e in result.errors]
    platform = None
    if isinstance(result.spec, TeamStackSpec):
        platform = planned(PLATFORM_OF_TEAMS).outputs[OUTPUT]
    return plan_spec(str(path), result.spec, result.files, stack or path.stem, platform)


@cache
def planned(path: Path):
    """A shared plan of an example stack, for tests that only read it."""
    return plan_file(path)


class Synth:
    """A finished mock run: resources under real-engine URNs, with options and outputs."""

    def __init__(self, plan) -> None:
        self.plan = plan
        self.resources = plan.resources
        self.outputs = plan.outputs

    def of_type(self, typ: str) -> list:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str, name: str | None = None):
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def parent_of(self, resource):
        (parent,) = [r for r in self.resources if r.urn == resource.parent]
        return parent


@pytest.fixture
def synth() -> Callable[..., Synth]:
    """Run a program under the mock runtime and return what it declared.

    Each call starts from a fresh root stack, config and event loop (run_program resets
    them), runs with preview off so every output resolves, and captures raw registration
    requests, so options (protect, dependsOn, ignoreChanges...) are visible to asserts.
    """
    from mlplat.plan.model import build_plan
    from mlplat.plan.placeholders import CloudContext
    from mlplat.plan.runtime import run_program

    def run(
        program: Callable[[], object],
        *,
        stack: str = "test",
        config: dict[str, str] | None = None,
        region: str = "eu-west-1",
    ) -> Synth:
        result = run_program(
            program, stack=stack, config=config or {}, ctx=CloudContext(region=region)
        )
        return Synth(build_plan(result, []))

    return run
