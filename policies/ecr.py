"""Container and model registry (ECR)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list, report_public_statements

REPOSITORY = "aws:ecr/repository:Repository"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


def _immutable(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    mutability = args.props.get("imageTagMutability") or "MUTABLE"
    if mutability not in IMMUTABLE:
        report(f"image tags are {mutability}: a pushed tag can be replaced under a running model")


def filter_matches(pattern: str, repository: str) -> bool:
    """ECR's scanning filter: ``*`` stands for any characters; without one, a substring."""
    if "*" not in pattern:
        return pattern in repository
    return (
        re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), repository)
        is not None
    )


def _scan_on_push(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    enhanced = [
        r.props
        for r in args.resources
        if r.resource_type == SCANNING and r.props.get("scanType") == "ENHANCED"
    ]
    filters = [
        str(f.get("filter", ""))
        for config in enhanced
        for rule in as_list(config.get("rules"))
        for f in as_list(rule.get("repositoryFilters"))
    ]
    for repo in (r for r in args.resources if r.resource_type == REPOSITORY):
        name = str(repo.props.get("name") or repo.name)
        if enhanced:
            if not any(filter_matches(f, name) for f in filters):
                report(
                    f"repository {name} matches no filter of the registry's enhanced scanning, "
                    "so it is not scanned at all",
                    repo.urn,
                )
        elif (repo.props.get("imageScanningConfiguration") or {}).get("scanOnPush") is not True:
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
        "Every repository's images are scanned: on push, or by an enhanced scanning filter "
        "that matches it.",
        frozenset({REPOSITORY, SCANNING}),
        ("CKV_AWS_163", "CIS-EKS-5.1.1"),
        Severity.HIGH,
        Level.MANDATORY,
        "Keep `registry.scanning` at onPush or enhanced; mlplat's enhanced rules scan its "
        "own and its teams' repositories continuously and every other one on push.",
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
