"""The plugin: mlplat's public components served to TypeScript, Go, C# and YAML programs.

``pulumi package add`` runs ``provider/__main__.py``, which calls ``serve``. The SDK's
component provider (``pulumi.provider.experimental``) infers the package schema from the
components' annotations and docstrings, generates each language's SDK from it, and
constructs a component when a program declares one. One gap is closed here: the SDK's
analyzer takes a field as optional only when its type admits None, while mlplat's Args
are dataclasses whose documented defaults make a field optional too. Without this, a
TypeScript program would have to repeat every default; with it, a field left out gets
the same default a Python caller gets, and the schema shows it.
"""

import dataclasses
import enum
import inspect
import json
import sys
from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.provider import main
from pulumi.provider.experimental.analyzer import PropertyDefinition
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema

import mlplat
import mlplat.components

PACKAGE = "mlplat"
"""The package name: type tokens are mlplat:index:<Component>, as the components use."""


def public_components() -> list[type[pulumi.ComponentResource]]:
    """The classes of ``mlplat.components.PUBLIC_COMPONENTS``."""
    return [getattr(mlplat.components, name) for name in mlplat.components.PUBLIC_COMPONENTS]


def args_type(component: type[pulumi.ComponentResource]) -> type:
    """The Args class a component's ``__init__`` takes, as the analyzer finds it."""
    return inspect.get_annotations(component.__init__)["args"]


class MlplatProvider(ComponentProvider):
    """The SDK's component provider, with dataclass defaults marked optional in the schema."""

    def __init__(self, components: Sequence[type[pulumi.ComponentResource]], version: str) -> None:
        super().__init__(list(components), PACKAGE, version=version)
        defaults: dict[str, dict[str, Any]] = {}
        for component in components:
            found = self._component_defs[component.__name__]
            defaults[f"resources/{PACKAGE}:index:{component.__name__}"] = _mark_optional(
                args_type(component), found.inputs, found.inputs_mapping
            )
        for type_def in self._type_defs.values():
            if dataclasses.is_dataclass(type_def.python_type):
                defaults[f"types/{PACKAGE}:index:{type_def.name}"] = _mark_optional(
                    type_def.python_type, type_def.properties, type_def.properties_mapping
                )
        schema = generate_schema(
            PACKAGE,
            version,
            None,
            self._component_defs,
            self._type_defs,
            self._dependencies,
        ).to_json()
        for where, values in defaults.items():
            section, token = where.split("/", 1)
            entry = schema[section][token]
            properties = entry["inputProperties" if section == "resources" else "properties"]
            for key, value in values.items():
                properties[key]["default"] = value
        self.schema = json.dumps(schema)


def _mark_optional(
    cls: type, properties: dict[str, PropertyDefinition], mapping: dict[str, str]
) -> dict[str, Any]:
    """Mark the properties whose dataclass field has a default optional; return the
    scalar defaults (by schema name) to show in the schema."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    shown: dict[str, Any] = {}
    for key, prop in properties.items():
        field = fields[mapping[key]]
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            continue
        prop.optional = True
        default = field.default
        if prop.ref is None and isinstance(default, bool | int | float | str):
            shown[key] = default.value if isinstance(default, enum.Enum) else default
    return shown


def serve(args: Sequence[str] | None = None) -> None:
    """Run the plugin: the Pulumi engine talks to it over gRPC until it stops it."""
    provider = MlplatProvider(public_components(), mlplat.__version__)
    main(provider, list(sys.argv[1:] if args is None else args))
