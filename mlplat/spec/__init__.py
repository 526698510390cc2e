"""The spec layer: schema, typed model and loader. It imports nothing from Pulumi."""

from mlplat.spec.errors import Location, SpecError
from mlplat.spec.load import LoadResult, load_spec
from mlplat.spec.model import PlatformSpec

__all__ = ["LoadResult", "Location", "PlatformSpec", "SpecError", "load_spec"]
