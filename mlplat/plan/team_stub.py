"""The documented stand-in for a platform stack, for `mlplat plan` of a team spec run
without ``--platform-plan``.

Every value is a placeholder (AWS's documentation account, RFC 5737 address ranges); each
GPU pool the team names holds exactly the team's quota, so capacity is not really checked.
Plan the platform spec and pass ``--platform-plan`` to check the team against the real
platform.
"""

from __future__ import annotations

from typing import Any

from mlplat.components.services import airflow, feast, mlflow, mlflow_values, monitoring
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.plan.placeholders import ACCOUNT_ID
from mlplat.spec.capacity import RESERVED_NAMESPACES
from mlplat.spec.teams import TeamStackSpec

REGION = "us-east-1"
NAME = "stub-platform"


def stub_platform(spec: TeamStackSpec) -> dict[str, Any]:
    """A platform that has exactly what ``spec``'s team asks for, in the exported shape."""
    ref = spec.platform
    issuer = f"oidc.eks.{REGION}.amazonaws.com/id/STUB"
    values: dict[str, Any] = {
        "platform": NAME,
        "environment": str(ref.environment),
        "provider": str(ref.provider),
        "cohort": NAME,
        "gpu_pools": {
            q.pool: {"gpus": q.gpus + q.borrowing_limit, "basis": "stub: the team's own quota"}
            for q in spec.team.quota.gpus
        },
        "services": {
            "airflow": {"namespace": airflow.NAMESPACE, "port": airflow.API_PORT},
            "mlflow": {"namespace": mlflow.NAMESPACE, "port": mlflow_values.PORT},
            "feast": {"namespace": feast.NAMESPACE, "port": feast.POD_PORT},
        },
        "monitoring_namespace": monitoring.NAMESPACE,
        "other_pools": {},
        "gpu_quotas": {},
        "teams": (),
        "principals": (),
        "namespaces": tuple(sorted(RESERVED_NAMESPACES)),
        "tags": {"mlplat.dev/platform": NAME},
    }
    if str(ref.provider) == "aws":
        values |= {
            "region": REGION,
            "partition": "aws",
            "account_id": ACCOUNT_ID,
            "cluster_name": NAME,
            "cluster_arn": f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/{NAME}",
            "oidc_provider_arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}",
            "oidc_issuer": f"https://{issuer}",
            "workload_identity": str(ref.workload_identity),
            "kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/stub",
            "buckets": {"artifacts": f"{NAME}-artifacts", "data": f"{NAME}-data"},
            "interface_endpoints": ("ecr", "sts"),
            "endpoint_cidrs": ("10.0.255.224/28", "10.0.255.240/28"),
            "s3_cidrs": ("198.51.100.0/24", "203.0.113.0/24"),
            "repository_namespace": NAME,
        }
    return PlatformOutputs.export(values)
