"""The Pulumi program: `pulumi up` runs it via __main__.py, `mlplat plan` runs it under mocks."""

from __future__ import annotations

import pulumi

from mlplat.build import build
from mlplat.spec import AnySpec, TeamStackSpec, load_spec
from mlplat.team_stack import build_team_stack

SPEC_CONFIG_KEY = "spec"
"""Stack config key (namespace mlplat) holding the spec path, relative to the project root."""


def main(loaded: AnySpec | None = None) -> None:
    """Load this stack's spec, declare the platform, export its outputs.

    ``loaded``: the spec at the configured path, already loaded and validated by the
    caller (`mlplat plan` has it in hand; loading it twice is a tenth of a small plan).
    """
    path = pulumi.Config("mlplat").require(SPEC_CONFIG_KEY)
    spec = loaded
    if spec is None:
        result = load_spec(path)
        if result.spec is None:
            details = "\n".join(error.format() for error in result.errors)
            raise pulumi.RunError(f"{path} is not a valid spec:\n{details}")
        spec = result.spec
    if isinstance(spec, TeamStackSpec):
        outputs = build_team_stack(path, spec)
    else:
        outputs = build(spec).outputs
    for key, value in outputs.items():
        pulumi.export(key, value)
