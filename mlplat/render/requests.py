"""What a pod asks the scheduler for: Kubernetes quantities and a pod's effective request.

The scheduler places a pod by its effective request (Kubernetes "Resource sharing within
containers"): per resource, the larger of the app containers plus sidecars (init
containers with ``restartPolicy: Always``, which keep running) and the largest ordinary
init container plus the sidecars started before it; plus the pod's ``overhead``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MIB = 1024 * 1024
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1,
    "m": Decimal("0.001"),
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity (``250m``, ``1.5``, ``512Mi``, ``1e3``) as a number; None if
    it is not one (the schema check reports those)."""
    match = _QUANTITY.match(str(value).strip()) if value is not None else None
    if match is None or match.group(2) not in _SUFFIX:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIX[match.group(2)]
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Resources:
    """CPU in millicores and memory in bytes, both rounded up as the API server does."""

    cpu_m: int = 0
    memory: int = 0

    @classmethod
    def of(cls, requests: Mapping[str, Any] | None) -> Resources:
        requests = requests if isinstance(requests, Mapping) else {}
        cpu, memory = quantity(requests.get("cpu")), quantity(requests.get("memory"))
        return cls(
            math.ceil(cpu * 1000) if cpu is not None else 0,
            math.ceil(memory) if memory is not None else 0,
        )

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu_m + other.cpu_m, self.memory + other.memory)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpu_m - other.cpu_m, self.memory - other.memory)

    def __mul__(self, count: int) -> Resources:
        return Resources(self.cpu_m * count, self.memory * count)

    def peak(self, other: Resources) -> Resources:
        """Each resource's larger value."""
        return Resources(max(self.cpu_m, other.cpu_m), max(self.memory, other.memory))

    def fits(self, room: Resources) -> bool:
        return self.cpu_m <= room.cpu_m and self.memory <= room.memory

    @property
    def memory_mib(self) -> int:
        return math.ceil(self.memory / MIB)

    def __str__(self) -> str:
        return f"{self.cpu_m}m CPU / {self.memory_mib}Mi"


def total(items: Iterable[Resources]) -> Resources:
    return sum(items, Resources())


def container_requests(
    container: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> Resources:
    """A container's requests as admitted: per resource its request, else its limit (the API
    server copies it), else the namespace LimitRange's ``defaultRequest``, else its
    ``default`` limit (``defaults``: the LimitRange's ``type: Container`` item)."""
    resources = container.get("resources") or {}
    defaults = defaults or {}
    merged: dict[str, Any] = {}
    for source in (
        defaults.get("default") or {},
        defaults.get("defaultRequest") or {},
        resources.get("limits") or {},
        resources.get("requests") or {},
    ):
        merged.update({k: v for k, v in source.items() if k in ("cpu", "memory")})
    return Resources.of(merged)


def pod_requests(spec: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Resources:
    """The pod's effective request, by Kubernetes' rule for init containers and sidecars."""
    sidecars = Resources()
    init_peak = Resources()
    for init in spec.get("initContainers") or []:
        if not isinstance(init, Mapping):
            continue
        if init.get("restartPolicy") == "Always":
            sidecars += container_requests(init, defaults)
        else:
            init_peak = init_peak.peak(container_requests(init, defaults) + sidecars)
    app = total(
        container_requests(c, defaults)
        for c in spec.get("containers") or []
        if isinstance(c, Mapping)
    )
    return (app + sidecars).peak(init_peak) + Resources.of(spec.get("overhead"))
