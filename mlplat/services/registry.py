"""The registry: every platform service, in the order the composition root builds them.

Order matters only where one service offers another something (``Shared``): monitoring
first (its CRDs), then the GPU software (its exporter's monitor), ingress (the exposure
every published service uses), the services themselves, and the autoscaler.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlplat.services import airflow, autoscaler, feast, gpu, ingress, mlflow, monitoring
from mlplat.services.service import ConfigSecret, Endpoint, Needs, Redis, Service
from mlplat.spec.model import PlatformSpec

SERVICES: tuple[Service[Any], ...] = (
    monitoring.SERVICE,
    gpu.SERVICE,
    ingress.SERVICE,
    airflow.SERVICE,
    mlflow.SERVICE,
    feast.SERVICE,
    autoscaler.SERVICE,
)


@dataclass(frozen=True)
class Enabled:
    """One service the spec turns on: its declaration, its spec section and its needs."""

    service: Service[Any]
    section: Any
    needs: Needs


@dataclass(frozen=True)
class EnabledServices:
    """The services a spec turns on, in build order."""

    all: tuple[Enabled, ...]

    def __iter__(self) -> Iterator[Enabled]:
        return iter(self.all)

    @property
    def needs(self) -> list[Needs]:
        return [e.needs for e in self.all]

    @property
    def redis(self) -> Redis | None:
        """The online store the first service that needs one asks for."""
        return next((n.redis for n in self.needs if n.redis is not None), None)

    @property
    def store_clients(self) -> list[str]:
        """The namespaces whose pods use the platform's stores."""
        return sorted({n.namespace.name for n in self.needs if n.namespace is not None})

    @property
    def endpoints(self) -> dict[str, Endpoint]:
        """What teams and other services' workloads may call, by service."""
        return {e.service.name: e.needs.endpoint for e in self.all if e.needs.endpoint}

    @property
    def config_secrets(self) -> list[ConfigSecret]:
        return [s for n in self.needs for s in n.config_secrets]


def enabled_services(spec: PlatformSpec) -> EnabledServices:
    """Every registered service the spec turns on, with what it needs."""
    found = []
    for service in SERVICES:
        section = service.section(spec)
        if section is not None:
            found.append(Enabled(service, section, service.needs(section, spec)))
    return EnabledServices(tuple(found))
