"""The existing-cluster target swaps each managed AWS store for an in-cluster one."""

from __future__ import annotations

from mlplat.components.charts import IMAGES
from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS, planned

LOCAL = STACKS / "local.yaml"


def _statefulsets() -> dict[str, dict]:
    return {
        s.inputs["metadata"]["name"]: s.inputs
        for s in of_type(LOCAL, "kubernetes:apps/v1:StatefulSet")
    }


def test_rds_s3_elasticache_and_ecr_become_in_cluster_stores() -> None:
    images = {
        name: s["spec"]["template"]["spec"]["containers"][0]["image"]
        for name, s in _statefulsets().items()
    }
    assert images == {
        "postgres": IMAGES["postgres"],
        "minio": IMAGES["minio"],
        "redis": IMAGES["redis"],
        "registry": IMAGES["registry"],
    }
    assert not any("bitnami" in image for image in images.values())
    assert not [r for r in planned(LOCAL).resources if r.type.startswith("aws:")]


def test_in_cluster_stores_run_under_pod_security_restricted() -> None:
    for name, sts in _statefulsets().items():
        pod = sts["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        container = pod["containers"][0]["securityContext"]
        assert container["allowPrivilegeEscalation"] is False, name
        assert container["capabilities"] == {"drop": ["ALL"]}, name


def test_services_point_at_the_in_cluster_stores() -> None:
    values = releases(LOCAL)
    mlflow = values["mlflow"].inputs["values"]
    assert mlflow["extraEnvVars"]["MLFLOW_S3_ENDPOINT_URL"] == "http://minio.platform.svc:9000"
    assert mlflow["artifactRoot"]["s3"]["existingSecret"]["name"] == "object-store-credentials"
    assert mlflow["backendStore"]["postgres"]["host"] == "postgres.platform.svc"
    airflow = values["airflow"].inputs["values"]
    assert {s["envName"] for s in airflow["secret"]} == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    assert "minio.platform.svc" in airflow["env"][0]["value"]
    outputs = planned(LOCAL).outputs
    assert outputs["registryUrl"] == "registry.platform.svc:5000"
    assert outputs["bucketNames"] == {
        "artifacts": "mlplat-local-artifacts",
        "data": "mlplat-local-data",
        "logs": "mlplat-local-logs",
    }


def test_each_client_namespace_gets_object_store_credentials() -> None:
    namespaces = {
        s.inputs["metadata"]["namespace"]
        for s in of_type(LOCAL, "kubernetes:core/v1:Secret")
        if s.inputs["metadata"].get("name") == "object-store-credentials"
    }
    assert namespaces == {"airflow", "mlflow", "feast"}


def test_the_registry_requires_a_login() -> None:
    env = {
        e["name"]: e["value"]
        for e in _statefulsets()["registry"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["REGISTRY_AUTH"] == "htpasswd"
