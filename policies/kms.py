"""KMS keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import report_public_statements

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def _rotation(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    spec = (
        args.props.get("customerMasterKeySpec") or args.props.get("keySpec") or "SYMMETRIC_DEFAULT"
    )
    if spec == "SYMMETRIC_DEFAULT" and args.props.get("enableKeyRotation") is not True:
        report("automatic key rotation is off")


def _policy_safe(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.props.get("bypassPolicyLockoutSafetyCheck") is True:
        report("the policy lockout safety check is bypassed")
    report_public_statements(args.props, report)


CONTROLS = [
    Control(
        "kms-key-rotation",
        "Symmetric KMS keys rotate automatically.",
        frozenset({KEY}),
        ("CKV_AWS_7",),
        Severity.MEDIUM,
        Level.MANDATORY,
        "mlplat's platform key rotates; a key passed in `encryption.kmsKeyArn` must rotate too.",
        _rotation,
    ),
    Control(
        "kms-key-policy-safe",
        "Key policies keep the lockout check and never open the key to everyone.",
        frozenset({KEY, KEY_POLICY}),
        ("CKV_AWS_33", "CKV2_AWS_64"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Grant the account root and named roles; never Principal * without a condition.",
        _policy_safe,
    ),
]
