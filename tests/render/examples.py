"""The example stacks rendered against the pinned chart packages in ../shared/charts.

Tests that need them skip, saying why, when the packages or Helm are missing; the
rendering of each example is shared by every test that reads it.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlplat.render.context import render_context
from mlplat.render.findings import Finding, RenderReport, Severity
from mlplat.render.helm import HelmError, find_helm
from mlplat.render.run import RELEASE_TYPE as RELEASE
from mlplat.render.run import RenderOptions, render_plan
from mlplat.spec import load_spec
from tests.conftest import ROOT, planned

CHARTS = ROOT.parent / "shared" / "charts"
"""The pinned upstream charts, packaged (see its SOURCES.md)."""


def _missing() -> str | None:
    if not CHARTS.is_dir():
        return f"no chart packages at {CHARTS} (the shared fixtures are not on this machine)"
    try:
        find_helm()
    except HelmError as error:
        return f"no usable Helm ({error}); run `make helm`"
    return None


needs_charts = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@cache
def rendered(spec: Path) -> RenderReport:
    """A shared render of an example stack, as `mlplat render SPEC --charts CHARTS` does."""
    return render_of(spec, planned(spec))


def render_of(spec: Path, plan: Any) -> RenderReport:
    """The render of ``plan``, the plan of the spec file ``spec``."""
    loaded = load_spec(spec).spec
    assert loaded is not None and plan.policy is not None
    ctx = render_context(loaded, plan.outputs, plan.policy.config, plan.stack)
    resources = [vars(r) for r in plan.resources]
    return render_plan(resources, ctx, RenderOptions(charts=CHARTS, pull=False))


def rerendered(spec: Path, release: str | None, change: Any) -> RenderReport:
    """An example stack rendered after a change, to show that a check catches what a fix
    removed: ``change(values)`` on one release's values, or, with ``release`` None,
    ``change(resources)`` on the plan's resources."""
    plan = planned(spec)
    loaded = load_spec(spec).spec
    assert loaded is not None and plan.policy is not None
    resources = [copy.deepcopy(vars(r)) for r in plan.resources]
    if release is None:
        change(resources)
    else:
        (target,) = [
            r for r in resources if r["type"] == RELEASE and r["inputs"].get("name") == release
        ]
        change(target["inputs"]["values"])
    ctx = render_context(loaded, plan.outputs, plan.policy.config, plan.stack)
    return render_plan(resources, ctx, RenderOptions(charts=CHARTS, pull=False))


def errors(report: RenderReport, check: str | None = None) -> list[Finding]:
    return [
        f
        for f in report.findings
        if f.severity is Severity.ERROR and (check is None or f.check == check)
    ]
