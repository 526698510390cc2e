"""The plugin: every public component has a schema other languages can use, and a
component constructed through the plugin declares what the Python API declares."""

import dataclasses
import inspect
import json
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml
from pulumi.provider.experimental.analyzer import Analyzer

import mlplat.components
from mlplat.components.plugin import PACKAGE, MlplatProvider, args_type, public_components
from tests.components.samples import SAMPLES, to_wire
from tests.conftest import ROOT

PLUGIN = ROOT / "provider"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(MlplatProvider(public_components(), "0.0.0").schema)


def _has_type(prop: dict) -> bool:
    return bool(prop.get("type") or prop.get("$ref"))


def _described(prop: dict) -> bool:
    return bool((prop.get("description") or "").strip())


def test_the_sdks_analyzer_types_and_describes_every_args_field() -> None:
    result = Analyzer(PACKAGE).analyze(public_components())
    for component in public_components():
        found = result["component_definitions"][component.__name__]
        assert _described(found.__dict__), component.__name__
        fields = {f.name for f in dataclasses.fields(args_type(component))}
        assert set(found.inputs_mapping.values()) == fields, component.__name__
        for key, prop in found.inputs.items():
            where = f"{component.__name__}.{key}"
            assert prop.type is not None or prop.ref is not None, where
            assert prop.description and prop.description.strip(), where
        for key, prop in found.outputs.items():
            assert prop.description and prop.description.strip(), f"{component.__name__}.{key}"
    for name, type_def in result["type_definitions"].items():
        for key, prop in type_def.properties.items():
            assert prop.type is not None or prop.ref is not None, f"{name}.{key}"
            assert prop.description and prop.description.strip(), f"{name}.{key}"


def test_every_public_component_has_a_schema_resource(schema) -> None:
    assert mlplat.components.PUBLIC_COMPONENTS
    for name in mlplat.components.PUBLIC_COMPONENTS:
        resource = schema["resources"][f"{PACKAGE}:index:{name}"]
        assert resource["isComponent"] is True
        assert resource["inputProperties"]
        for key, prop in resource["inputProperties"].items():
            assert _has_type(prop) and _described(prop), f"{name}.{key}"
    for token, typ in schema["types"].items():
        assert _described(typ), token
        for key, prop in typ.get("properties", {}).items():
            assert _has_type(prop) and _described(prop), f"{token}.{key}"


@pytest.mark.parametrize("component", public_components(), ids=lambda c: c.__name__)
def test_only_fields_without_a_default_are_required(schema, component) -> None:
    resource = schema["resources"][f"{PACKAGE}:index:{component.__name__}"]
    no_default = {
        f.name
        for f in dataclasses.fields(args_type(component))
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    required = {k for k in resource.get("requiredInputs", [])}
    assert {_snake(k) for k in required} == no_default


def test_every_field_that_admits_none_has_a_default(schema) -> None:
    """The schema makes such a field optional, and the host then leaves it out: coerce
    can only fill it from a default."""
    for component in public_components():
        resource = schema["resources"][f"{PACKAGE}:index:{component.__name__}"]
        required = set(resource.get("requiredInputs", []))
        for field in dataclasses.fields(args_type(component)):
            if _key_of(resource, field.name) not in required:
                assert (
                    field.default is not dataclasses.MISSING
                    or field.default_factory is not dataclasses.MISSING
                ), f"{component.__name__}.{field.name}"


def _key_of(resource: dict, name: str) -> str:
    return next(k for k in resource["inputProperties"] if _snake(k) == name)


def test_scalar_defaults_show_in_the_schema(schema) -> None:
    network = schema["resources"][f"{PACKAGE}:index:Network"]["inputProperties"]
    assert network["cidr"]["default"] == "10.0.0.0/16"
    assert network["availabilityZones"]["default"] == 3
    repository = schema["types"][f"{PACKAGE}:index:EcrRepository"]["properties"]
    assert repository["untaggedExpiryDays"]["default"] == 7
    assert schema["types"][f"{PACKAGE}:index:EcrRepository"]["required"] == ["name"]


@pytest.mark.parametrize("component", public_components(), ids=lambda c: c.__name__)
def test_class_name_is_the_type_token(component) -> None:
    """The host constructs ``mlplat:index:<class name>``: the component must register
    under the same token, or its URN would not be the one the caller expects."""
    assert f'"{PACKAGE}:index:{component.__name__}"' in inspect.getsource(component)
    assert component.__module__.startswith("mlplat.components.")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _declared(run) -> list[tuple]:
    return sorted(
        (
            r.urn,
            r.parent or "",
            r.provider or "",
            json.dumps(r.inputs, sort_keys=True),
            json.dumps(r.options["dependsOn"]),
        )
        for r in run.resources
    )


SERVICES = ("Airflow", "Mlflow", "FeatureStore")
"""Components installed into a namespace their caller creates and lists in depends_on."""


@pytest.mark.parametrize(
    "name",
    [
        "Network",
        "NodePool",
        "Registry",
        "Database",
        "EbsStorageClass",
        "Monitoring",
        "GpuSoftware",
        "Team",
        *SERVICES,
    ],
)
def test_construct_through_the_plugin_declares_what_the_python_api_does(synth, name) -> None:
    component = getattr(mlplat.components, name)
    provider = MlplatProvider(public_components(), "0.0.0")
    token = f"{PACKAGE}:index:{name}"
    results = []

    def opts() -> pulumi.ResourceOptions:
        # Kubernetes components reach their cluster through the caller's providers.
        cluster = k8s.Provider("k8s", kubeconfig="{}")
        waits = []
        if name in SERVICES:
            namespace = SAMPLES[name].namespace
            waits.append(
                k8s.core.v1.Namespace(
                    "ns",
                    metadata={"name": namespace},
                    opts=pulumi.ResourceOptions(provider=cluster),
                )
            )
        return pulumi.ResourceOptions(providers=[cluster], depends_on=waits)

    def through_plugin() -> None:
        results.append(provider.construct("plat", token, to_wire(SAMPLES[name]), opts()))

    def python_api() -> None:
        component("plat", SAMPLES[name], opts())

    plugin_run, python_run = synth(through_plugin), synth(python_api)
    assert _declared(plugin_run) == _declared(python_run)
    assert len(plugin_run.of_type(token)) == 1
    assert len(plugin_run.resources) > 2
    assert results[0].urn is not None


def test_construct_refuses_missing_inputs_with_the_field_named(synth) -> None:
    provider = MlplatProvider(public_components(), "0.0.0")
    with pytest.raises(Exception, match="Missing required input 'clusterName' on 'Network'"):
        synth(lambda: provider.construct("plat", f"{PACKAGE}:index:Network", {}, None))


def test_plugin_folder_runs_the_provider_from_this_checkout() -> None:
    assert yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text()) == {"runtime": "python"}
    main = (PLUGIN / "__main__.py").read_text()
    assert "from mlplat.components.plugin import serve" in main and "serve()" in main
    requirements = [
        line
        for line in (PLUGIN / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements == [".."]
    assert (PLUGIN / ".." / "pyproject.toml").resolve() == ROOT / "pyproject.toml"
    assert 'name = "mlplat"' in Path(ROOT / "pyproject.toml").read_text()


def _waits(run, resource) -> set[str]:
    """Everything ``resource`` waits for through dependsOn, directly or not."""
    by_urn = {r.urn: r for r in run.resources}
    found, todo = set(), list(resource.options["dependsOn"])
    while todo:
        urn = todo.pop()
        if urn not in found:
            found.add(urn)
            todo += by_urn[urn].options["dependsOn"] if urn in by_urn else []
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_constructed_through_the_plugin_fills_its_namespace_after_it(synth, name) -> None:
    """A service's namespace comes from its caller: every object the component puts on the
    cluster lands in it, through the caller's provider, after it exists."""
    provider = MlplatProvider(public_components(), "0.0.0")
    sample = SAMPLES[name]

    def program() -> None:
        cluster = k8s.Provider("k8s", kubeconfig="{}")
        namespace = k8s.core.v1.Namespace(
            "ns", metadata={"name": sample.namespace}, opts=pulumi.ResourceOptions(provider=cluster)
        )
        opts = pulumi.ResourceOptions(providers=[cluster], depends_on=[namespace])
        provider.construct("plat", f"{PACKAGE}:index:{name}", to_wire(sample), opts)

    run = synth(program)
    namespace = run.one("kubernetes:core/v1:Namespace")
    (cluster,) = [r.urn for r in run.resources if r.type == "pulumi:providers:kubernetes"]
    objects = [
        r
        for r in run.resources
        if r.custom and r.type.startswith("kubernetes:") and r is not namespace
    ]
    assert len(objects) > 5
    for r in objects:
        if r.type.startswith("kubernetes:admissionregistration"):  # cluster-wide, its name
            assert sample.namespace in r.inputs["metadata"]["name"], r.name  # says which
        else:
            where = r.inputs.get("namespace") or r.inputs["metadata"]["namespace"]
            assert where == sample.namespace, r.name
        assert r.provider == cluster, r.name
        assert namespace.urn in _waits(run, r), r.name
