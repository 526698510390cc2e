"""Secrets an operator provides through the stack's config, never through the spec.

`pulumi config set --secret mlplat:<key>` stores a value encrypted in the stack's config;
the program reads it as a Pulumi secret and writes it into the Kubernetes Secret the
service reads, in the same `pulumi up` that creates the service's namespace. Each service
declares the ones it needs (``ConfigSecret`` in its ``Needs``). The offline plan cannot
read a stack's config, so it stands in a placeholder (shown as `[secret]`).
"""

from __future__ import annotations

import pulumi

from mlplat.services.registry import enabled_services
from mlplat.services.service import ConfigSecret
from mlplat.spec.model import PlatformSpec

NAMESPACE = "mlplat"


def provided(spec: PlatformSpec) -> list[ConfigSecret]:
    """The config secrets a spec's services need, in registry order."""
    return enabled_services(spec).config_secrets


def needed(spec: PlatformSpec) -> list[str]:
    """The config keys a spec needs."""
    return [secret.key for secret in provided(spec)]


def read(secret: ConfigSecret) -> pulumi.Output[str]:
    """The secret value, or a RunError saying which command sets it."""
    value = pulumi.Config(NAMESPACE).get_secret(secret.key)
    if value is None:
        raise pulumi.RunError(
            f"the stack's config has no secret {NAMESPACE}:{secret.key}; set it: {secret.set_with}"
        )
    return value
