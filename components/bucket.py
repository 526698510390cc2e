"""SecureBucket: one S3 bucket with every protection as its own pulumi-aws v7 resource.

Ownership enforced (ACLs off), all four public-access blocks, SSE-KMS with a bucket key,
versioning, a TLS-only bucket policy, lifecycle rules and, unless it is the log bucket
itself, server access logging. v7 removed the inline bucket arguments these used to be,
and policies can only see them as separate resources. Stateful: protected, retained
and never force-destroyed in prod.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from mlplat.components.args import coerce
from mlplat.components.iam import bucket_policy
from mlplat.components.options import stateful

ABORT_INCOMPLETE_UPLOAD_DAYS = 7


@dataclass(frozen=True)
class AccessLogTarget:
    """Where a bucket's server access logs go."""

    bucket: pulumi.Input[str]
    """Name of the bucket that receives the access logs."""
    prefix: str
    """Key prefix of this bucket's logs, ending in /."""


@dataclass(frozen=True)
class SecureBucketArgs:
    """Inputs of a SecureBucket: its name, owner, key and how long data is kept."""

    bucket_name: pulumi.Input[str]
    """Physical name, globally unique and stable between plans."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    account_id: pulumi.Input[str]
    """Owning account, which log delivery is pinned to."""
    kms_key_arn: pulumi.Input[str]
    """Key for default SSE-KMS encryption."""
    noncurrent_version_expiry_days: int
    """Days an overwritten or deleted version is kept."""
    expiry_days: int | None = None
    """Days current objects are kept; None keeps them."""
    access_logs: AccessLogTarget | None = None
    """Where this bucket's access logs go; None for the log bucket itself."""
    log_sources: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    """ARNs of buckets that may deliver access logs here (log bucket only)."""
    protect: bool = False
    """Protect and retain; never force-destroy (prod)."""


class SecureBucket(pulumi.ComponentResource):
    """An S3 bucket with ownership enforced, public access blocked, SSE-KMS, versioning,
    TLS-only access, lifecycle rules and access logging."""

    name: pulumi.Output[str]
    """Name of the bucket."""
    arn: pulumi.Output[str]
    """ARN of the bucket."""

    def __init__(
        self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(SecureBucketArgs, args)
        super().__init__("mlplat:index:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name,
            bucket=args.bucket_name,
            force_destroy=not args.protect,
            opts=stateful(self, args.protect),
        )
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": args.kms_key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
        )
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, args.account_id, *args.log_sources).apply(
                lambda v: bucket_policy(v[0], v[1], v[2:])
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        rule: dict[str, object] = {
            "id": "expire-old-versions-and-uploads",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "noncurrent_version_expiration": {
                "noncurrent_days": args.noncurrent_version_expiry_days
            },
            "abort_incomplete_multipart_upload": {
                "days_after_initiation": ABORT_INCOMPLETE_UPLOAD_DAYS
            },
        }
        if args.expiry_days is not None:
            rule["expiration"] = {"days": args.expiry_days}
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[rule],
            # Lifecycle rules on noncurrent versions need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        if args.access_logs is not None:
            aws.s3.BucketLogging(
                name,
                bucket=bucket.id,
                target_bucket=args.access_logs.bucket,
                target_prefix=args.access_logs.prefix,
                opts=child,
            )
        self.name = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
