"""The plan bench's floor replays exactly the registrations the plan made."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import EXAMPLE_SPECS, ROOT, plan_file


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plan_bench", ROOT / "bench" / "plan_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_the_floor_replays_every_registration_with_its_options(spec: Path) -> None:
    assert _bench().replay_differences(plan_file(spec)) == []


def test_the_bare_floor_drops_parents_options_and_secrets() -> None:
    """The comparison column is what the check above would catch."""
    bench = _bench()
    plan = plan_file(ROOT / "stacks" / "local.yaml")
    differences = bench.replay_differences(plan, bench.bare_replay)
    assert len(differences) >= len([r for r in plan.resources if r.parent])
    assert any(d.endswith("a secret sent in plain text") for d in differences)
