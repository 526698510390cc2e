"""Check 1, schema: every object against the API it is sent to.

Built-in kinds go against Kubernetes' own OpenAPI schema for the cluster's version, as
packaged by kubernetes-validate, strictly (an unknown field is an error: the API server
drops or refuses it). Custom resources go against the openAPIV3Schema of their CRD,
taken from the inventory (the charts' CRDs, and those mlplat installs). CEL rules
(x-kubernetes-validations) are not evaluated here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import Inventory, K8sObject

_MAX_PER_OBJECT = 5
NO_CRD = "no CRD in the platform serves"
"""How a finding about a custom resource without its CRD begins."""


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    crds = _crd_schemas(inventory)
    version = _schema_version(ctx.kube_version)
    for obj in inventory.objects:
        if obj.synthetic:
            continue
        validator = _builtin(version, obj.api_version, obj.kind)
        what = f"Kubernetes {version} schema"
        if validator is None:
            validator = crds.get((obj.api_version, obj.kind))
            what = "its CRD's schema"
        if validator is None:
            builtin = _is_builtin_group(obj.group)
            yield Finding(
                "schema",
                Severity.ERROR,
                obj.source,
                obj.ident,
                "apiVersion",
                f"Kubernetes {version} does not serve {obj.api_version} {obj.kind}"
                if builtin
                else f"{NO_CRD} {obj.api_version} {obj.kind}: the API server would refuse it",
                "use an API version the cluster serves"
                if builtin
                else "install the chart that ships this CRD first, or drop the object",
            )
            continue
        errors = sorted(validator.iter_errors(dict(obj.manifest)), key=lambda e: list(e.path))
        for error in errors[:_MAX_PER_OBJECT]:
            yield Finding(
                "schema",
                Severity.ERROR,
                obj.source,
                obj.ident,
                ".".join(str(p) for p in error.absolute_path),
                f"fails {what}: {_message(error)}",
                _fix(obj),
            )


def _message(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    text = error.message
    return text if len(text) < 300 else text[:297] + "..."


def _fix(obj: K8sObject) -> str:
    if obj.source == "mlplat":
        return "fix the object the program declares"
    return "fix the chart value that produces this field"


def _schema_version(kube_version: str) -> str:
    """The newest schema set kubernetes-validate ships that is not newer than the cluster."""
    wanted = tuple(int(p) for p in kube_version.split(".")[:2])
    versions = sorted((tuple(int(p) for p in v.split(".")[:2]), v) for v in _available_versions())
    eligible = [v for key, v in versions if key <= wanted] or [versions[0][1]]
    return eligible[-1]


@cache
def _available_versions() -> tuple[str, ...]:
    root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    found = []
    for entry in root.iterdir():
        match = re.match(r"^v(\d+\.\d+\.\d+)-local-strict$", entry.name)
        if match:
            found.append(match[1])
    return tuple(found)


@cache
def _definitions(version: str) -> Registry:
    folder = _folder(version)
    defs = json.loads(folder.joinpath("_definitions.json").read_text("utf-8"))
    return Resource.from_contents(defs) @ Registry()


def _folder(version: str) -> Any:
    root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    return root.joinpath(f"v{version}-local-strict")


@cache
def _builtin(version: str, api_version: str, kind: str) -> Draft202012Validator | None:
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    entry = _folder(version).joinpath(f"{kind.lower()}-{api}.json")
    if not entry.is_file():
        return None
    schema = json.loads(entry.read_text("utf-8"))
    # The strict schemas name the kind and apiVersion; a group that only shares the first
    # label (e.g. kueue.x-k8s.io vs a built-in "kueue") must not match a built-in file.
    gvk = schema.get("x-kubernetes-group-version-kind") or []
    group = api_version.rpartition("/")[0]
    if gvk and not any(g.get("group", "") == group and g.get("kind") == kind for g in gvk):
        return None
    return Draft202012Validator(schema, registry=_definitions(version))


def _is_builtin_group(group: str) -> bool:
    """Whether Kubernetes itself serves the group (no CRD can)."""
    return "." not in group or group.endswith((".k8s.io", ".apiserver.k8s.io"))


def _crd_schemas(inventory: Inventory) -> dict[tuple[str, str], Draft202012Validator]:
    validators = {}
    for crd in inventory.of_kind("CustomResourceDefinition"):
        spec = crd.manifest.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        for version in spec.get("versions") or []:
            schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or None
            if group and kind and schema and version.get("served", True):
                validators[(f"{group}/{version['name']}", kind)] = Draft202012Validator(
                    _structural(schema, top=True)
                )
    return validators


def _structural(schema: Mapping[str, Any], top: bool = False) -> dict[str, Any]:
    """A CRD's structural schema as JSON Schema: unknown fields refused where the CRD
    prunes them, int-or-string and nullable spelled out, apiVersion/kind/metadata free."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: _structural(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, Mapping):
            out[key] = _structural(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_structural(sub) for sub in value]
        elif not key.startswith("x-kubernetes-") and key != "nullable":
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if top:
        properties = out.setdefault("properties", {})
        for name in ("apiVersion", "kind", "metadata"):
            properties[name] = {}
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out
