"""Cost-allocation and ownership tags on cloud resources."""

from __future__ import annotations

from mlplat.spec.model import PlatformSpec


def cloud_tags(spec: PlatformSpec) -> dict[str, str]:
    """Tags on every AWS resource (through the provider's default tags)."""
    meta = spec.metadata
    return {
        **meta.tags,
        "mlplat.dev/platform": meta.name,
        "mlplat.dev/environment": str(meta.environment),
        "mlplat.dev/owner": meta.owner,
        "mlplat.dev/managed-by": "pulumi",
    }
