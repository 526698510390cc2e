"""Storage: the platform's three buckets (artifacts, data, logs).

Names are ``<platform>-<purpose>-<account>-<region>``: globally unique without random
suffixes, so they are stable between plans and readable in the console. The artifacts
and data buckets send access logs to the logs bucket, which only S3 log delivery from
those two buckets may write to.
"""

from dataclasses import dataclass
from typing import Any, Self

import pulumi

from mlplat.components.args import coerce, spec_fields
from mlplat.components.bucket import AccessLogTarget, SecureBucket, SecureBucketArgs
from mlplat.spec.model import StorageSpec

LOG_VERSION_EXPIRY_DAYS = 30
"""Access logs are never overwritten; old versions only appear if something deletes them."""
DATA_BUCKETS = ("artifacts", "data")


@dataclass(frozen=True)
class StorageArgs:
    """Inputs of a Storage: whose buckets, where, and how long old data is kept."""

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
    noncurrent_version_expiry_days: int = 90
    """Days old object versions are kept in the artifacts and data buckets."""
    access_log_expiry_days: int = 365
    """Days access logs are kept."""

    @classmethod
    def from_spec(cls, spec: StorageSpec, **rest: Any) -> Self:
        """Args with the spec's storage section; ``rest`` gives the other fields."""
        return cls(**{**spec_fields(spec, cls), **rest})


class Storage(pulumi.ComponentResource):
    """The platform's artifacts, data and logs buckets, each a SecureBucket; the first two
    log their access into the third."""

    bucket_names: pulumi.Output[dict[str, str]]
    """Bucket name by purpose (artifacts, data, logs)."""

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(StorageArgs, args)
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
                expiry_days=args.access_log_expiry_days,
                log_sources=[
                    names[p].apply(lambda n: f"arn:{args.partition}:s3:::{n}") for p in DATA_BUCKETS
                ],
            ),
            child,
        )
        # Python callers only: resources of a component cannot cross to other languages.
        self.buckets: dict[str, SecureBucket] = {"logs": logs}
        for purpose in DATA_BUCKETS:
            self.buckets[purpose] = SecureBucket(
                f"{name}-{purpose}",
                SecureBucketArgs(
                    **common(purpose),
                    noncurrent_version_expiry_days=args.noncurrent_version_expiry_days,
                    access_logs=AccessLogTarget(bucket=logs.name, prefix=f"{purpose}/"),
                ),
                child,
            )
        self.bucket_names = pulumi.Output.all(
            **{purpose: bucket.name for purpose, bucket in sorted(self.buckets.items())}
        )
        self.register_outputs({"bucketNames": self.bucket_names})
