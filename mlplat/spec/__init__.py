"""The spec layer: schema, typed model and loader. It imports nothing from Pulumi."""

from mlplat.spec.errors import Location, SpecError
from mlplat.spec.load import AnySpec, LoadResult, load_spec
from mlplat.spec.model import PlatformSpec
from mlplat.spec.teams import TeamStackSpec

__all__ = [
    "AnySpec",
    "LoadResult",
    "Location",
    "PlatformSpec",
    "SpecError",
    "TeamStackSpec",
    "load_spec",
]
