"""A flow the platform needs (or forbids), and the peers flows are made of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlplat.render.netpol import Peer, Port
from mlplat.render.objects import K8sObject
from mlplat.render.pods import PodTemplate
from mlplat.render.selection import container_port, service_pods


@dataclass(frozen=True)
class Flow:
    name: str
    sources: Sequence[Peer]
    targets: Sequence[tuple[Peer, Port]]
    expected: str


def pod_peer(pod: PodTemplate) -> Peer:
    return Peer(
        pod.owner.ident,
        pod.namespace,
        pod.labels,
        host_network=bool(pod.spec.get("hostNetwork")),
    )


def service_targets(
    service: K8sObject, pods: list[PodTemplate], port: int | None = None
) -> list[tuple[Peer, Port]]:
    """The pods behind a Service and the container port each of its ports lands on."""
    targets = []
    for entry in (service.manifest.get("spec") or {}).get("ports") or []:
        if port is not None and entry.get("port") != port:
            continue
        wanted = entry.get("targetPort", entry.get("port"))
        for pod in service_pods(service, pods):
            landing = container_port(pod, wanted)
            number = (
                landing.get("containerPort")
                if landing
                else (wanted if isinstance(wanted, int) else None)
            )
            if number is None:
                continue
            targets.append(
                (
                    pod_peer(pod),
                    Port(
                        int(number),
                        landing.get("name") if landing else None,
                        str(entry.get("protocol", "TCP")),
                    ),
                )
            )
    return targets
