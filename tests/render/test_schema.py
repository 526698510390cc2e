from __future__ import annotations

from mlplat.render import schema
from tests.render.helpers import context, deployment, inventory, obj

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"x-kubernetes-int-or-string": True},
                                    "note": {"type": "string", "nullable": True},
                                    "free": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def _findings(*objects):
    return list(schema.check(inventory(*objects), context()))


def _widget(spec: dict) -> object:
    return obj(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}
    )


def test_built_in_objects_pass_or_fail_the_kubernetes_schema_strictly() -> None:
    assert _findings(deployment()) == []
    bad = deployment()
    bad.manifest["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    (finding,) = _findings(bad)
    assert "unknown field" in finding.message and "imagePullPolcy" in finding.message
    assert finding.field == "spec.template.spec.containers.0"
    wrong = deployment()
    wrong.manifest["spec"]["replicas"] = "two"
    assert any("'two' is not of type 'integer'" in f.message for f in _findings(wrong))


def test_custom_resources_go_against_their_crd() -> None:
    crd = obj(CRD, namespace=None)
    good = _widget({"size": "10Gi", "note": None, "free": {"anything": [1]}})
    assert _findings(crd, good) == []
    assert _findings(crd, _widget({"size": 3})) == []
    (unknown,) = _findings(crd, _widget({"colour": "red"}))
    assert "unknown field" in unknown.message and "colour" in unknown.message
    (typed,) = _findings(crd, _widget({"size": [1]}))
    assert typed.field == "spec.size"


def test_an_api_nobody_serves_is_refused() -> None:
    (no_crd,) = _findings(_widget({}))
    assert "no CRD in the platform serves example.com/v1 Widget" in no_crd.message
    removed = obj(
        {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "p"}},
        namespace=None,
    )
    (gone,) = _findings(removed)
    assert "does not serve policy/v1beta1 PodSecurityPolicy" in gone.message
