"""Engine versions mlplat accepts: Kubernetes on EKS, PostgreSQL on RDS.

Checked 2026-11-22 against the EKS version lifecycle (docs.aws.amazon.com/eks/latest/
userguide/kubernetes-versions.html and its release calendar): 14 months of standard
support, then 12 of extended support at extra cost. 1.31 leaves extended support on
2026-11-26 and is left out. When EKS adds a version, add it here.
"""

STANDARD_SUPPORT = ("1.34", "1.35", "1.36")
"""Versions in EKS standard support on the date above."""

EXTENDED_SUPPORT = ("1.32", "1.33")
"""Versions only in (paid) extended support on the date above."""

SUPPORTED = EXTENDED_SUPPORT + STANDARD_SUPPORT

POSTGRES_MAJORS = ("14", "15", "16", "17", "18")
"""RDS for PostgreSQL major versions in standard support, checked 2026-11-22 against the
RDS PostgreSQL release calendar (13 left standard support on 2026-02-28). RDS picks the
newest minor of the pinned major and applies minor upgrades in the maintenance window."""

POSTGRES_DEFAULT = "17"
