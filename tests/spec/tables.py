"""Edits to the instance table for tests that show a consumer follows it (undone by
``monkeypatch`` after each test)."""

from __future__ import annotations

import pytest

from mlplat.spec import instances

NEW_FAMILY = "zz9"
"""A made-up NVIDIA family: two ``x9`` GPUs in zz9.xlarge, no EFA."""
NEW_MODEL = "x9"


def add_gpu_family(monkeypatch: pytest.MonkeyPatch) -> None:
    """Table ``zz9`` as an NVIDIA GPU family."""
    family = instances.GpuFamily(NEW_MODEL, {"xlarge": 2}, {})
    monkeypatch.setitem(instances.GPU_FAMILIES, NEW_FAMILY, family)
    monkeypatch.setitem(instances.AUTOSCALER_GPU_TYPES, NEW_MODEL, "nvidia-x9")


def gpus_to_cpu(monkeypatch: pytest.MonkeyPatch, family: str = "g6") -> None:
    """Table a GPU family as an x86_64 CPU family instead."""
    monkeypatch.delitem(instances.GPU_FAMILIES, family)
    monkeypatch.setitem(instances.CPU_FAMILIES, family, instances.X86_64)
