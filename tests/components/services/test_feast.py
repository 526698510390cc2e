"""Feast: credential-free feature_store.yaml, hardened server, encrypted online store."""

from __future__ import annotations

import base64

import yaml

from tests.components.services.helpers import of_type, releases
from tests.conftest import STACKS

PROD = STACKS / "prod.yaml"


def _config(spec) -> dict:
    values = releases(spec)["feast"].inputs["values"]
    return yaml.safe_load(base64.b64decode(values["feature_store_yaml_base64"]))


def test_feature_store_yaml_holds_only_variable_references() -> None:
    config = _config(PROD)
    assert config["registry"]["registry_type"] == "sql"
    assert config["registry"]["path"].startswith("postgresql+psycopg://${PG_USER}:${PG_PASSWORD}@")
    assert config["registry"]["path"].endswith("/feast?sslmode=require")
    assert config["online_store"]["connection_string"].endswith(
        ",ssl=true,password=${REDIS_PASSWORD}"
    )
    assert config["offline_store"] == {"type": "file"}


def test_an_s3_registry_lives_in_the_data_bucket() -> None:
    registry = _config(STACKS / "dev.yaml")["registry"]
    assert registry == {
        "registry_type": "file",
        "path": "s3://mlplat-dev-data-123456789012-eu-west-1/feast/registry.db",
    }


def test_the_feature_server_runs_non_root_with_credentials_from_secrets() -> None:
    values = releases(PROD)["feast"].inputs["values"]
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in values["volumeMounts"]
    secret_envs = {e["name"] for e in values["extraEnvs"] if "valueFrom" in e}
    assert secret_envs == {"REDIS_PASSWORD", "PG_USER", "PG_PASSWORD"}
    assert values["replicaCount"] == 2


def test_the_online_store_is_encrypted_private_and_authenticated() -> None:
    (cache,) = of_type(PROD, "aws:elasticache/replicationGroup:ReplicationGroup")
    inputs = cache.inputs
    assert inputs["atRestEncryptionEnabled"] is True
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert inputs["authToken"] == "[secret]"
    assert inputs["automaticFailoverEnabled"] is True and inputs["numCacheClusters"] == 2
    assert cache.options["protect"] is True


def test_the_feature_servers_account_mounts_no_api_token() -> None:
    """It never calls the Kubernetes API; its workload identity's token is projected apart."""
    accounts = {
        a.inputs["metadata"]["name"]: a
        for a in of_type(PROD, "kubernetes:core/v1:ServiceAccount")
        if a.inputs["metadata"]["namespace"] == "feast"
    }
    assert accounts["feast"].inputs["automountServiceAccountToken"] is False
    assert "eks.amazonaws.com/role-arn" in accounts["feast"].inputs["metadata"]["annotations"]
