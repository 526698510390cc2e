"""Reading the services out of example-stack plans."""

from __future__ import annotations

import copy
from typing import Any

from tests.conftest import planned

RELEASE = "kubernetes:helm.sh/v3:Release"


def releases(path) -> dict[str, Any]:
    """Helm releases of a planned example stack, by release name."""
    return {r.inputs["name"]: r for r in planned(path).resources if r.type == RELEASE}


def of_type(path, typ: str) -> list:
    return [r for r in planned(path).resources if r.type == typ]


def helm_merge(defaults: Any, overrides: Any) -> Any:
    """Helm's coalescing of user values onto chart defaults: maps merge, the rest replaces."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        merged = copy.deepcopy(defaults)
        for key, value in overrides.items():
            merged[key] = helm_merge(defaults.get(key), value) if key in defaults else value
        return merged
    return copy.deepcopy(overrides)
