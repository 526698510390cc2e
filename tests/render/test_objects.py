from __future__ import annotations

from mlplat.plan.placeholders import kubernetes_autoname
from mlplat.render.objects import crd_scopes, declared_objects, parse_rendered, place

RENDERED = """---
# Source: chart/templates/empty.yaml
---
# Source: chart/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
---
# Source: chart/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
  - verbs: [get]
    apiGroups: [""]
    resources: [pods]
---
# Source: chart/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: elsewhere
data:
  relabel: =
---
# Source: chart/crds/widgets.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
---
# Source: chart/templates/widget.yaml
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
"""


def test_rendered_objects_keep_their_template_and_land_in_the_release_namespace() -> None:
    objects = parse_rendered(RENDERED, "web", "apps")
    assert [(o.kind, o.origin) for o in objects] == [
        ("Service", "chart/templates/svc.yaml"),
        ("ClusterRole", "chart/templates/role.yaml"),
        ("ConfigMap", "chart/templates/cm.yaml"),
        ("CustomResourceDefinition", "chart/crds/widgets.yaml"),
        ("Widget", "chart/templates/widget.yaml"),
    ]
    assert objects[0].namespace == "apps"
    assert objects[2].namespace == "elsewhere"
    # YAML 1.1's "=" value tag is read as the string the API server sees.
    assert objects[2].manifest["data"]["relabel"] == "="


def test_cluster_scoped_objects_lose_the_release_namespace() -> None:
    objects = parse_rendered(RENDERED, "web", "apps")
    placed = {o.kind: o.namespace for o in place(objects, crd_scopes(objects))}
    assert placed["ClusterRole"] is None
    assert placed["CustomResourceDefinition"] is None
    assert placed["Widget"] is None  # its CRD says Cluster
    assert placed["Service"] == "apps"


def test_declared_objects_are_restored_as_the_api_server_sees_them() -> None:
    resources = [
        {
            "type": "kubernetes:batch/v1:Job",
            "name": "boot",
            "urn": "urn:x::boot",
            "custom": True,
            "inputs": {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"namespace": "platform"},
                "spec": {"backoffLimit": 4.0, "template": {"spec": {"containers": []}}},
            },
        },
        {
            "type": "kubernetes:core/v1:Secret",
            "name": "login",
            "urn": "urn:x::login",
            "custom": True,
            "inputs": {
                "apiVersion": "v1",
                "kind": "Secret",
                "stringData": "[secret]",
                "metadata": {"name": "login", "namespace": "platform"},
            },
        },
        {
            "type": "kubernetes:helm.sh/v3:Release",
            "name": "r",
            "urn": "urn:x::r",
            "custom": True,
            "inputs": {"chart": "x"},
        },
    ]
    job, secret = declared_objects(resources)
    assert job.manifest["spec"]["backoffLimit"] == 4
    assert isinstance(job.manifest["spec"]["backoffLimit"], int)
    assert job.name == kubernetes_autoname("boot")
    assert job.origin == "urn:x::boot" and job.source == "mlplat"
    assert secret.masked == frozenset({"stringData"})
    assert secret.manifest["stringData"] == {}
