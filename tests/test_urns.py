"""Upgrading mlplat never replaces a resource by renaming it (issue #19).

The URNs prod had under the previous release must all still resolve: each is a URN of
today's plan, or an alias of one (Pulumi then moves the state instead of replacing).
"""

from __future__ import annotations

from tests.conftest import ROOT, STACKS, planned

RECORDED = ROOT / "tests" / "fixtures" / "prod-urns-0.1.0.txt"


def _recorded() -> set[str]:
    lines = RECORDED.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_every_urn_of_the_previous_release_still_resolves() -> None:
    plan = planned(STACKS / "prod.yaml")
    current = {r.urn for r in plan.resources}
    aliases = {
        alias
        for r in plan.resources
        for alias in (r.options or {}).get("aliases") or []
        if isinstance(alias, str)
    }
    recorded = _recorded()
    assert len(recorded) > 300
    assert sorted(recorded - current - aliases) == []
