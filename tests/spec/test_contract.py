"""The schema and the typed model are one contract: these tests keep them from drifting."""

from __future__ import annotations

import ast
import dataclasses
import enum
import inspect
import itertools
import subprocess
import sys
import typing

import pytest
from jsonschema import Draft202012Validator

from mlplat.spec import model, review, services
from mlplat.spec.model import spec_key
from mlplat.spec.schema import schema

DEFS = {
    "Metadata": model.MetadataSpec,
    "Cloud": model.CloudSpec,
    "Network": model.NetworkSpec,
    "Cluster": model.ClusterSpec,
    "NodePool": model.NodePoolSpec,
    "GpuSharing": model.GpuSharingSpec,
    "Services": services.ServicesSpec,
    "Airflow": services.AirflowSpec,
    "GitDags": services.GitDagsSpec,
    "Mlflow": services.MlflowSpec,
    "Oidc": services.OidcSpec,
    "FeatureStore": services.FeatureStoreSpec,
    "Monitoring": services.MonitoringSpec,
    "Autoscaling": services.AutoscalingSpec,
    "Ingress": services.IngressSpec,
    "Review": review.ReviewSpec,
    "Acknowledgement": review.AcknowledgementSpec,
}
ROOT_CLASS = model.PlatformSpec


def _objects() -> list[tuple[str, dict, type]]:
    root = {k: v for k, v in schema().items() if k != "$defs"}
    return [("root", root, ROOT_CLASS), *[(n, schema()["$defs"][n], c) for n, c in DEFS.items()]]


def _json(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


def _default(f: dataclasses.Field) -> object:
    if f.default is not dataclasses.MISSING:
        return _json(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return _json(f.default_factory())
    return dataclasses.MISSING


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(("where", "obj", "cls"), _objects(), ids=[o[0] for o in _objects()])
def test_every_field_is_documented_with_its_default(where: str, obj: dict, cls: type) -> None:
    assert obj.get("additionalProperties") is False, f"{where} must reject unknown keys"
    required = set(obj.get("required", []))
    for key, prop in obj["properties"].items():
        resolved = schema()["$defs"][prop["$ref"].split("/")[-1]] if "$ref" in prop else prop
        assert resolved.get("description"), f"{where}.{key} has no description"
        if key not in required and "$ref" not in prop and key != "extends":
            assert "default" in prop, f"{where}.{key} is optional but states no default"


@pytest.mark.parametrize(("where", "obj", "cls"), _objects(), ids=[o[0] for o in _objects()])
def test_schema_defaults_equal_model_defaults(where: str, obj: dict, cls: type) -> None:
    # Derived fields are filled by the loader, never written (e.g. the team stacks' teams).
    fields = {spec_key(f): f for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    schema_keys = set(obj["properties"]) - {"extends"}
    assert schema_keys == set(fields), f"{where}: schema and model disagree on fields"
    required = set(obj.get("required", []))
    for key, f in fields.items():
        prop = obj["properties"][key]
        default = _default(f)
        if key in required:
            assert default is dataclasses.MISSING, (
                f"{where}.{key} is required but has a model default"
            )
        elif "default" in prop:
            assert prop["default"] == default, (
                f"{where}.{key}: schema {prop['default']!r} != model {default!r}"
            )
            with_defs = {**prop, "$defs": schema()["$defs"]}
            assert not list(Draft202012Validator(with_defs).iter_errors(prop["default"])), (
                f"{where}.{key} default invalid"
            )


def test_schema_enums_equal_model_enums() -> None:
    pairs = {
        ("Metadata", "environment"): model.Environment,
        ("Cloud", "provider"): model.CloudProvider,
        ("Network", "natGateways"): model.NatGateways,
        ("Cluster", "endpointAccess"): model.EndpointAccess,
        ("NodePool", "capacityType"): model.CapacityType,
        ("GpuSharing", "strategy"): model.GpuSharing,
        ("GpuSharing", "migStrategy"): model.MigStrategy,
        ("Airflow", "executor"): services.Executor,
        ("Mlflow", "auth"): services.MlflowAuth,
        ("FeatureStore", "registry"): services.FeastRegistry,
        ("Autoscaling", "expander"): services.Expander,
        ("Ingress", "scheme"): services.LoadBalancerScheme,
    }
    for (defn, key), enum_cls in pairs.items():
        assert schema()["$defs"][defn]["properties"][key]["enum"] == [m.value for m in enum_cls]


@pytest.mark.parametrize("cls", [*DEFS.values(), ROOT_CLASS], ids=lambda c: c.__name__)
def test_every_model_field_has_an_attribute_docstring(cls: type) -> None:
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body
    documented = {
        node.target.id
        for node, after in itertools.pairwise(body)
        if isinstance(node, ast.AnnAssign)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
    }
    assert {f.name for f in dataclasses.fields(cls)} <= documented


def test_model_types_resolve() -> None:
    for cls in [*DEFS.values(), ROOT_CLASS]:
        assert typing.get_type_hints(cls)


def test_spec_layer_does_not_import_pulumi() -> None:
    code = (
        "import sys, mlplat.spec, mlplat.cli; "
        "from mlplat.spec import load_spec; load_spec('stacks/dev.yaml'); "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('pulumi', 'pulumi_aws', 'pulumi_kubernetes')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_pattern_is_explained_in_words_with_an_example() -> None:
    """Messages (and editors, which show patternErrorMessage) never show a bare regex."""

    def patterns(node: object, where: str) -> list[tuple[str, dict]]:
        if isinstance(node, dict):
            own = [(where, node)] if "pattern" in node else []
            return own + [p for k, v in node.items() for p in patterns(v, f"{where}/{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in patterns(v, f"{where}/{i}")]
        return []

    found = patterns(schema(), "#")
    assert len(found) > 30
    for where, node in found:
        words = node.get("patternErrorMessage", "")
        assert words.startswith("expected ") and "e.g." in words, where
