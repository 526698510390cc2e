"""Per-service logins and the bootstrap Job, on RDS and on an in-cluster Postgres."""

from __future__ import annotations

import json

from tests.components.services.helpers import of_type
from tests.conftest import STACKS

JOB = "kubernetes:batch/v1:Job"


def _bootstrap(spec):
    (job,) = [j for j in of_type(spec, JOB) if j.name.endswith("-databases-bootstrap")]
    return job.inputs["spec"]["template"]["spec"]


def _login_secrets(spec) -> dict[str, str]:
    return {
        s.inputs["metadata"]["name"]: s.inputs["metadata"]["namespace"]
        for s in of_type(spec, "kubernetes:core/v1:Secret")
        if s.inputs["metadata"].get("name", "").endswith("-db")
    }


def test_each_enabled_service_gets_a_login_in_its_own_namespace() -> None:
    assert _login_secrets(STACKS / "prod.yaml") == {
        "airflow-db": "airflow",
        "mlflow-db": "mlflow",
        "mlflowauth-db": "mlflow",
        "feast-db": "feast",
    }
    # dev keeps the Feast registry in S3: no feast database.
    assert "feast-db" not in _login_secrets(STACKS / "dev.yaml")


def test_on_aws_the_job_reads_the_rds_managed_master_login_itself() -> None:
    pod = _bootstrap(STACKS / "prod.yaml")
    (fetch,) = pod["initContainers"]
    assert "secretsmanager get-secret-value" in fetch["command"][2]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["PGSSLMODE"] == "require"
    assert env["DATABASES"] == "airflow feast mlflow mlflowauth"
    assert "PGPASSWORD" not in env
    assert pod["serviceAccountName"] == "db-bootstrap"


def test_the_bootstrap_role_reads_only_the_master_secret() -> None:
    (policy,) = [
        p
        for p in of_type(STACKS / "prod.yaml", "aws:iam/rolePolicy:RolePolicy")
        if p.name == "mlplat-prod-db-bootstrap-policy"
    ]
    (database,) = of_type(STACKS / "prod.yaml", "aws:rds/instance:Instance")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    read = next(s for s in statements if s["Sid"] == "ReadSecret")
    assert read["Resource"].startswith("arn:aws:secretsmanager:eu-west-1:")
    assert ":secret:rds!db-" in read["Resource"]
    assert database.inputs["manageMasterUserPassword"] is True


def test_on_an_existing_cluster_the_job_uses_the_in_cluster_superuser() -> None:
    pod = _bootstrap(STACKS / "local.yaml")
    assert pod["initContainers"] == []
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["PGSSLMODE"]["value"] == "disable"
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "postgres-superuser"


def test_the_job_runs_under_pod_security_restricted() -> None:
    pod = _bootstrap(STACKS / "prod.yaml")
    assert pod["securityContext"]["runAsNonRoot"] is True
    for container in pod["containers"] + pod["initContainers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["readOnlyRootFilesystem"] is True
