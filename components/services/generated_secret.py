"""GeneratedSecret: credentials generated once by Pulumi and stored as a Kubernetes Secret.

The random values live in Pulumi state (encrypted as secrets) and never change on later
updates, so upgrading a chart never rotates a key it depends on. Charts receive only the
Secret's name, never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from mlplat.components.services.kube import MANAGED_BY


@dataclass(frozen=True)
class GeneratedSecretArgs:
    namespace: pulumi.Input[str]
    """Namespace of the Secret."""
    secret_name: str
    """Name of the Secret, which charts reference."""
    passwords: tuple[str, ...] = ()
    """Keys holding a random 32-character alphanumeric password each."""
    fernet_keys: tuple[str, ...] = ()
    """Keys holding a random Fernet key (32 bytes, URL-safe base64)."""
    fixed: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Keys holding given values (e.g. a username)."""
    derived: Mapping[str, Callable[[Mapping[str, pulumi.Output[str]]], pulumi.Input[str]]] = field(
        default_factory=dict
    )
    """Keys computed from the generated values (e.g. a connection URL)."""
    after: tuple[pulumi.Resource, ...] = ()
    """What must exist before the Secret (its namespace)."""


class GeneratedSecret(pulumi.ComponentResource):
    name: pulumi.Output[str]
    values: dict[str, pulumi.Output[str]]
    """Generated values by key, as Pulumi secrets."""
    secret: k8s.core.v1.Secret

    def __init__(
        self,
        name: str,
        args: GeneratedSecretArgs,
        provider: pulumi.ProviderResource | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlplat:index:GeneratedSecret", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.values = {}
        for key in args.passwords:
            password = random.RandomPassword(f"{name}-{key}", length=32, special=False, opts=child)
            self.values[key] = pulumi.Output.secret(password.result)
        for key in args.fernet_keys:
            raw = random.RandomBytes(f"{name}-{key}", length=32, opts=child)
            self.values[key] = pulumi.Output.secret(
                raw.base64.apply(lambda b: b.replace("+", "-").replace("/", "_"))
            )
        data: dict[str, pulumi.Input[str]] = {**args.fixed, **self.values}
        for key, build in args.derived.items():
            data[key] = pulumi.Output.secret(build(self.values))
        self.secret = k8s.core.v1.Secret(
            name,
            metadata={"name": args.secret_name, "namespace": args.namespace, "labels": MANAGED_BY},
            type="Opaque",
            string_data=data,
            opts=pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=list(args.after)
            ),
        )
        self.name = self.secret.metadata.name
        self.register_outputs({"name": self.name})
