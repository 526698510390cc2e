"""The Pulumi program: `pulumi up` runs it via __main__.py, `mlplat plan` runs it under mocks."""

from __future__ import annotations

import pulumi

from mlplat.build import build
from mlplat.spec import TeamStackSpec, load_spec
from mlplat.team_stack import build_team_stack

SPEC_CONFIG_KEY = "spec"
"""Stack config key (namespace mlplat) holding the spec path, relative to the project root."""


def main() -> None:
    """Load this stack's spec, declare the platform, export its outputs."""
    path = pulumi.Config("mlplat").require(SPEC_CONFIG_KEY)
    result = load_spec(path)
    if result.spec is None:
        details = "\n".join(error.format() for error in result.errors)
        raise pulumi.RunError(f"{path} is not a valid spec:\n{details}")
    if isinstance(result.spec, TeamStackSpec):
        outputs = build_team_stack(path, result.spec)
    else:
        outputs = build(result.spec).outputs
    for key, value in outputs.items():
        pulumi.export(key, value)
