"""Container and model registry (ECR)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat_policies.control import Control, Level, Report
from mlplat_policies.props import report_public_statements

REPOSITORY = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


def _immutable(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    mutability = args.props.get("imageTagMutability") or "MUTABLE"
    if mutability not in IMMUTABLE:
        report(f"image tags are {mutability}: a pushed tag can be replaced under a running model")


def _scan_on_push(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    enhanced = any(
        r.resource_type == SCANNING and r.props.get("scanType") == "ENHANCED"
        for r in args.resources
    )
    if enhanced:
        return
    for repo in (r for r in args.resources if r.resource_type == REPOSITORY):
        scanning = repo.props.get("imageScanningConfiguration") or {}
        if scanning.get("scanOnPush") is not True:
            report(
                "images are not scanned on push and the registry has no enhanced scanning", repo.urn
            )


def _not_public(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    report_public_statements(args.props, report)


CONTROLS = [
    Control(
        "ecr-immutable-tags",
        "Repository tags are immutable.",
        frozenset({REPOSITORY}),
        ("CKV_AWS_51", "EKS-BPG-immutable-tags"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's Registry makes every repository in `registry.repositories` immutable; "
        "push a new tag instead of moving one.",
        _immutable,
    ),
    Control(
        "ecr-scan-on-push",
        "Images are scanned on push, or the registry uses enhanced scanning.",
        frozenset({REPOSITORY, SCANNING}),
        ("CKV_AWS_163", "CIS-EKS-5.1.1"),
        Severity.HIGH,
        Level.MANDATORY,
        "Keep `registry.scanning` at onPush or enhanced.",
        _scan_on_push,
        stack=True,
    ),
    Control(
        "ecr-policy-not-public",
        "No registry or repository policy lets anyone in without a condition.",
        frozenset({REPOSITORY_POLICY, REGISTRY_POLICY}),
        ("CKV_AWS_32", "CIS-EKS-5.1.2"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Grant named accounts or roles, or add an aws:PrincipalOrgID condition.",
        _not_public,
    ),
]
