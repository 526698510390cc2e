"""mlplat's security controls, importable without starting a policy server.

``CONTROLS`` is the catalogue; ``policies()`` turns it into CrossGuard policies for
``policies/__main__.py`` and for ``mlplat.policies.runner``.
"""

from __future__ import annotations

from functools import cache

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from mlplat.policies import (
    ec2,
    ecr,
    eks,
    elb,
    fences,
    helm,
    iam,
    kms,
    namespaces,
    pod_security,
    rbac,
    rds,
    s3,
    tenancy,
    workloads,
)
from mlplat.policies.control import Control, Level

PACK_NAME = "mlplat-security"
CONTROLS: tuple[Control, ...] = (
    *eks.CONTROLS,
    *ec2.CONTROLS,
    *elb.CONTROLS,
    *ecr.CONTROLS,
    *s3.CONTROLS,
    *rds.CONTROLS,
    *kms.CONTROLS,
    *iam.CONTROLS,
    *pod_security.CONTROLS,
    *workloads.CONTROLS,
    *rbac.CONTROLS,
    *namespaces.CONTROLS,
    *helm.CONTROLS,
    *tenancy.CONTROLS,
    *fences.CONTROLS,
)
BY_ID = {c.id: c for c in CONTROLS}


@cache
def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [c.policy() for c in CONTROLS]


__all__ = ["BY_ID", "CONTROLS", "PACK_NAME", "Control", "Level", "policies"]
