"""Secrets an operator provides through the stack's config, never through the spec.

`pulumi config set --secret mlplat:<key>` stores a value encrypted in the stack's config;
the program reads it as a Pulumi secret and writes it into the Kubernetes Secret the
service reads, in the same `pulumi up` that creates the service's namespace. The offline
plan cannot read a stack's config, so it stands in a placeholder (shown as `[secret]`).
"""

from __future__ import annotations

import pulumi

from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import MlflowAuth

NAMESPACE = "mlplat"
AIRFLOW_GIT_SSH_KEY = "airflowGitSshKey"
MLFLOW_OIDC_CLIENT_SECRET = "mlflowOidcClientSecret"
HOW = {
    AIRFLOW_GIT_SSH_KEY: "pulumi config set --secret mlplat:airflowGitSshKey < deploy_key",
    MLFLOW_OIDC_CLIENT_SECRET: "pulumi config set --secret mlplat:mlflowOidcClientSecret",
}
"""How to set each value (the README's deploy steps say the same)."""


def needed(spec: PlatformSpec) -> list[str]:
    """The config secrets a spec needs."""
    keys = []
    airflow, mlflow = spec.services.airflow, spec.services.mlflow
    if airflow is not None and airflow.dags is not None and airflow.dags.ssh_key_secret:
        keys.append(AIRFLOW_GIT_SSH_KEY)
    if mlflow is not None and mlflow.auth is MlflowAuth.OIDC and mlflow.oidc is not None:
        keys.append(MLFLOW_OIDC_CLIENT_SECRET)
    return keys


def read(key: str) -> pulumi.Output[str]:
    """The secret value, or a RunError saying which command sets it."""
    value = pulumi.Config(NAMESPACE).get_secret(key)
    if value is None:
        raise pulumi.RunError(
            f"the stack's config has no secret {NAMESPACE}:{key}; set it: {HOW[key]}"
        )
    return value
