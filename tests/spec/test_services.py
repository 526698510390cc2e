"""The cross-field rule: enabling a service creates what it needs."""

from __future__ import annotations

from mlplat.spec.services import (
    AirflowSpec,
    FeastRegistry,
    FeatureStoreSpec,
    MlflowSpec,
    MonitoringSpec,
    ServicesSpec,
    service_needs,
)


def test_no_services_need_nothing() -> None:
    assert service_needs(ServicesSpec(monitoring=MonitoringSpec())) == {}


def test_each_service_gets_its_databases_prefix_and_identity() -> None:
    needs = service_needs(
        ServicesSpec(airflow=AirflowSpec(), mlflow=MlflowSpec(), feature_store=FeatureStoreSpec())
    )
    summary = {
        k: (n.namespace, n.service_account, n.databases, n.bucket, n.prefix)
        for k, n in needs.items()
    }
    assert summary == {
        "airflow": ("airflow", "airflow", ("airflow",), "logs", "airflow/"),
        "mlflow": ("mlflow", "mlflow", ("mlflow", "mlflowauth"), "artifacts", "mlflow/"),
        "feast": ("feast", "feast", ("feast",), "data", "feast/"),
    }


def test_a_feast_registry_in_s3_needs_no_database() -> None:
    needs = service_needs(ServicesSpec(feature_store=FeatureStoreSpec(registry=FeastRegistry.S3)))
    assert needs["feast"].databases == ()
    assert needs["feast"].prefix == "feast/"
