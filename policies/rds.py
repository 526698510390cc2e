"""The metadata database (RDS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
DATABASES = frozenset({INSTANCE, CLUSTER})


def _encrypted(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.props.get("storageEncrypted") is not True:
        report("storage is not encrypted")


def _not_public(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.props.get("publiclyAccessible") is True:
        report("the database is publicly accessible")


def _backups(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    days = args.props.get("backupRetentionPeriod")
    if days is None or float(days) < float(settings["minDays"]):
        report(
            f"backups are kept {days if days is not None else 'the default'} days, "
            f"under {settings['minDays']:g}"
        )


def _managed_password(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    field = "password" if args.resource_type == INSTANCE else "masterPassword"
    if args.props.get(field) and args.props.get("manageMasterUserPassword") is not True:
        report(
            f"{field} is set by the program and lands in state; let RDS manage it "
            "in Secrets Manager"
        )


def _deletion_protection(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.props.get("deletionProtection") is not True:
        report("deletion protection is off")


def _enhanced_monitoring(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    interval = float(args.props.get("monitoringInterval") or 0)
    most = float(settings["maxIntervalSeconds"])
    if interval == 0:
        report("Enhanced Monitoring is off: no OS-level metrics of the database host")
    elif interval > most:
        report(f"Enhanced Monitoring samples every {interval:g} s, above {most:g} s")
    elif not args.props.get("monitoringRoleArn"):
        report("Enhanced Monitoring has no monitoringRoleArn to publish through")


CONTROLS = [
    Control(
        "rds-storage-encrypted",
        "Database storage is encrypted.",
        DATABASES,
        ("CKV_AWS_16", "CKV_AWS_96", "CKV_AWS_327"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's Database encrypts with the platform key; set storageEncrypted.",
        _encrypted,
    ),
    Control(
        "rds-not-public",
        "Databases are not publicly accessible.",
        frozenset({*DATABASES, CLUSTER_INSTANCE}),
        ("CKV_AWS_17",),
        Severity.CRITICAL,
        Level.MANDATORY,
        "mlplat's Database lives in private subnets and admits only the cluster; remove "
        "publiclyAccessible.",
        _not_public,
    ),
    Control(
        "rds-backup-retention",
        "Automated backups are kept for at least the configured number of days.",
        DATABASES,
        ("CKV_AWS_133",),
        Severity.MEDIUM,
        Level.MANDATORY,
        "Raise `database.backupRetentionDays`.",
        _backups,
        settings={"minDays": {"type": "number", "minimum": 1, "default": 7}},
    ),
    Control(
        "rds-managed-master-password",
        "RDS manages the master password in Secrets Manager; the program never holds it.",
        DATABASES,
        ("CKV_AWS_161", "RDS-Secrets-Manager-integration"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's Database sets manageMasterUserPassword; remove password/masterPassword.",
        _managed_password,
    ),
    Control(
        "rds-deletion-protection",
        "Databases cannot be deleted without first turning protection off.",
        DATABASES,
        ("CKV_AWS_293", "CKV_AWS_139"),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's Database turns this on when `metadata.environment` is prod.",
        _deletion_protection,
        prod_level=Level.MANDATORY,
    ),
    Control(
        "rds-enhanced-monitoring",
        "Databases publish OS metrics through Enhanced Monitoring.",
        frozenset({INSTANCE, CLUSTER_INSTANCE}),
        ("CKV_AWS_118",),
        Severity.MEDIUM,
        Level.ADVISORY,
        "mlplat's Database turns this on (every 60 s) when `metadata.environment` is prod; "
        "set `database.monitoringIntervalSeconds`.",
        _enhanced_monitoring,
        settings={"maxIntervalSeconds": {"type": "number", "minimum": 1, "default": 60}},
        prod_level=Level.MANDATORY,
    ),
]
