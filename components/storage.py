"""Storage: the platform's three buckets (artifacts, data, logs).

Names are ``<platform>-<purpose>-<account>-<region>``: globally unique without random
suffixes, so they are stable between plans and readable in the console. The artifacts
and data buckets send access logs to the logs bucket, which only S3 log delivery from
those two buckets may write to.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from mlplat.components.bucket import AccessLogTarget, SecureBucket, SecureBucketArgs
from mlplat.spec.model import StorageSpec

LOG_VERSION_EXPIRY_DAYS = 30
"""Access logs are never overwritten; old versions only appear if something deletes them."""
DATA_BUCKETS = ("artifacts", "data")


@dataclass(frozen=True)
class StorageArgs:
    spec: StorageSpec
    """The spec's storage section."""
    platform: str
    """Platform name, the bucket-name prefix."""
    region: str
    """Region, part of the bucket names."""
    partition: str
    """ARN partition (aws, aws-us-gov)."""
    account_id: pulumi.Input[str]
    """Account id, part of the bucket names."""
    kms_key_arn: pulumi.Input[str]
    """Key for default encryption."""
    protect: bool = False
    """Protect and retain the buckets (prod)."""


class Storage(pulumi.ComponentResource):
    buckets: dict[str, SecureBucket]
    bucket_names: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Storage", name, None, opts)
        names = {
            purpose: pulumi.Output.from_input(args.account_id).apply(
                lambda account, p=purpose: f"{args.platform}-{p}-{account}-{args.region}"
            )
            for purpose in (*DATA_BUCKETS, "logs")
        }

        def common(purpose: str) -> dict[str, object]:
            return {
                "bucket_name": names[purpose],
                "partition": args.partition,
                "account_id": args.account_id,
                "kms_key_arn": args.kms_key_arn,
                "protect": args.protect,
            }

        child = pulumi.ResourceOptions(parent=self)
        logs = SecureBucket(
            f"{name}-logs",
            SecureBucketArgs(
                **common("logs"),
                noncurrent_version_expiry_days=LOG_VERSION_EXPIRY_DAYS,
                expiry_days=args.spec.access_log_expiry_days,
                log_sources=[
                    names[p].apply(lambda n: f"arn:{args.partition}:s3:::{n}") for p in DATA_BUCKETS
                ],
            ),
            child,
        )
        self.buckets = {"logs": logs}
        for purpose in DATA_BUCKETS:
            self.buckets[purpose] = SecureBucket(
                f"{name}-{purpose}",
                SecureBucketArgs(
                    **common(purpose),
                    noncurrent_version_expiry_days=args.spec.noncurrent_version_expiry_days,
                    access_logs=AccessLogTarget(bucket=logs.name, prefix=f"{purpose}/"),
                ),
                child,
            )
        self.bucket_names = pulumi.Output.all(
            **{purpose: bucket.name for purpose, bucket in sorted(self.buckets.items())}
        )
        self.register_outputs({"bucketNames": self.bucket_names})
