"""S3 buckets. In pulumi-aws v7 each protection is its own resource, so most checks
correlate those side resources with their bucket through the `bucket` input's dependency."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKETS = frozenset({BUCKET, BUCKET_V2})
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
SSE_TYPES = frozenset({SSE, SSE_V2})
V2_ALIASES = frozenset(
    f"aws:s3/bucket{name}V2:Bucket{name}V2"
    for name in (
        "", "AccelerateConfiguration", "Acl", "CorsConfiguration", "LifecycleConfiguration",
        "Logging", "ObjectLockConfiguration", "RequestPaymentConfiguration",
        "ServerSideEncryptionConfiguration", "Versioning", "WebsiteConfiguration",
    )
)  # fmt: skip
"""The deprecated aliases pulumi-aws 7.51.1 still registers."""
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
PUBLIC_GROUPS = ("AllUsers", "AuthenticatedUsers")
BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
INLINE_INPUTS = (
    "acl", "grants", "policy", "serverSideEncryptionConfiguration", "versioning", "logging",
    "lifecycleRules", "corsRules", "website", "replicationConfiguration", "accelerationStatus",
    "objectLockConfiguration", "requestPayer",
)  # fmt: skip
KMS_ALGORITHMS = {"aws:kms", "aws:kms:dsse"}


def _per_bucket(
    args: Any,
    report: Report,
    side_types: frozenset[str],
    check: Callable[[Any], str | None],
    missing: str,
) -> None:
    """Report each bucket whose side resources all fail ``check`` (or that has none)."""
    sides = [r for r in args.resources if r.resource_type in side_types]
    for bucket in (r for r in args.resources if r.resource_type in BUCKETS):
        mine = [s for s in sides if bucket in s.property_dependencies.get("bucket", [])]
        if not mine:
            report(missing, bucket.urn)
            continue
        problems = [check(side.props) for side in mine]
        if all(problems):
            report(str(problems[0]), bucket.urn)


def _public_access_block(props: Any) -> str | None:
    off = [b for b in BLOCKS if props.get(b) is not True]
    return f"public access block leaves off: {', '.join(off)}" if off else None


def _sse_kms(props: Any) -> str | None:
    algorithms = {
        (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
        for rule in as_list(props.get("rules"))
    }
    return (
        None
        if algorithms & KMS_ALGORITHMS
        else f"default encryption is {sorted(map(str, algorithms))}, not SSE-KMS"
    )


def _versioning(props: Any) -> str | None:
    status = (props.get("versioningConfiguration") or {}).get("status")
    return None if status == "Enabled" else f"versioning is {status}"


def _block(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    _per_bucket(
        args,
        report,
        frozenset({PUBLIC_ACCESS_BLOCK}),
        _public_access_block,
        "no public access block",
    )


def _kms(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    _per_bucket(args, report, SSE_TYPES, _sse_kms, "no default encryption configuration (SSE-KMS)")


def _versioned(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    _per_bucket(
        args,
        report,
        frozenset({VERSIONING, VERSIONING_V2}),
        _versioning,
        "versioning is not enabled",
    )


def _no_public_acl(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    props = args.props
    if args.resource_type == OWNERSHIP:
        ownership = (props.get("rule") or {}).get("objectOwnership")
        if ownership == "ObjectWriter":
            report("object ownership ObjectWriter keeps ACLs in force; use BucketOwnerEnforced")
        return
    if props.get("acl") in PUBLIC_ACLS:
        report(f"canned ACL {props.get('acl')} makes objects public")
    policy = props.get("accessControlPolicy") or {}
    for grant in as_list(policy.get("grants")) + as_list(props.get("grants")):
        uri = str((grant.get("grantee") or {}).get("uri") or grant.get("uri") or "")
        if uri.endswith(PUBLIC_GROUPS):
            report(f"an ACL grant goes to the public group {uri.rsplit('/', 1)[-1]}")


def _no_inline(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    if args.resource_type.endswith("V2"):
        report(f"{args.resource_type} is a deprecated alias in pulumi-aws v7; use the v7 name")
    if args.resource_type in BUCKETS and (used := [k for k in INLINE_INPUTS if args.props.get(k)]):
        report(
            f"deprecated inline bucket inputs hide settings from the S3 controls: {', '.join(used)}"
        )


CONTROLS = [
    Control(
        "s3-public-access-block",
        "Every bucket has all four public access blocks on.",
        frozenset({*BUCKETS, PUBLIC_ACCESS_BLOCK}),
        ("CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "mlplat's SecureBucket adds the block to every bucket; add a "
        "BucketPublicAccessBlock with all four flags true.",
        _block,
        stack=True,
    ),
    Control(
        "s3-sse-kms",
        "Every bucket encrypts by default with KMS.",
        frozenset({*BUCKETS, *SSE_TYPES}),
        ("CKV_AWS_145", "CKV_AWS_19", "EKS-BPG-AIML-s3-kms"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's SecureBucket uses the platform key (`encryption.kmsKeyArn` to bring your "
        "own); add a BucketServerSideEncryptionConfiguration with aws:kms.",
        _kms,
        stack=True,
    ),
    Control(
        "s3-versioning",
        "Every bucket keeps object versions.",
        frozenset({*BUCKETS, VERSIONING, VERSIONING_V2}),
        ("CKV_AWS_21",),
        Severity.MEDIUM,
        Level.MANDATORY,
        "mlplat's SecureBucket enables versioning; `storage.noncurrentVersionExpiryDays` "
        "bounds what old versions cost.",
        _versioned,
        stack=True,
    ),
    Control(
        "s3-no-public-acl",
        "No bucket ACL or ownership setting makes objects public.",
        frozenset({ACL, ACL_V2, *BUCKETS, OWNERSHIP}),
        ("CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_65"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Use BucketOwnerEnforced ownership (ACLs off) and grant access with policies.",
        _no_public_acl,
    ),
    Control(
        "s3-no-legacy-inline-config",
        "Buckets use the separate v7 resources, not deprecated inline inputs or V2 aliases.",
        frozenset({BUCKET, *V2_ALIASES}),
        ("pulumi-aws-v7-upgrade-guide",),
        Severity.LOW,
        Level.ADVISORY,
        "Move inline settings to their own resources (BucketVersioning, "
        "BucketServerSideEncryptionConfiguration, ...), as mlplat's SecureBucket does.",
        _no_inline,
    ),
]
