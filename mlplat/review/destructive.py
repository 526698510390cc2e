"""Changes that lose data or state: shown first, and fatal unless the spec acknowledges them.

A change is destructive when it replaces or deletes a resource that holds state (the
types below) or that the base plan protects (``protect``: the engine would refuse the
delete anyway, and the review says so before anyone tries). ``retainOnDelete`` leaves
the cloud resource behind, unmanaged; that is reported, not excused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlplat.review.diff import Action, Change
from mlplat.spec.review import AcknowledgementSpec

STATEFUL: dict[str, str] = {
    "aws:kms/key:Key": "a KMS key: everything it encrypts becomes unreadable once it is deleted",
    "aws:eks/cluster:Cluster": "the EKS cluster: every workload and in-cluster volume on it",
    "aws:rds/instance:Instance": "a database: its data (a final snapshot is kept only if set)",
    "aws:s3/bucket:Bucket": "an S3 bucket: its objects",
    "aws:s3/bucketV2:BucketV2": "an S3 bucket: its objects",
    "aws:ecr/repository:Repository": "an ECR repository: its images and model artifacts",
    "aws:elasticache/replicationGroup:ReplicationGroup": "a Redis store: its online features",
    "aws:ebs/volume:Volume": "an EBS volume: its data",
    "aws:efs/fileSystem:FileSystem": "an EFS file system: its data",
    "aws:cloudwatch/logGroup:LogGroup": "a log group: its retained logs",
    "kubernetes:core/v1:PersistentVolumeClaim": "a persistent volume claim: its volume",
    "kubernetes:core/v1:Namespace": "a namespace: every object and volume claim in it",
    "kubernetes:apps/v1:StatefulSet": "a stateful set: its pods and, by its policy, volumes",
}
"""Types whose replacement or deletion loses what they hold, and what that is."""


@dataclass(frozen=True)
class Destructive:
    change: Change
    why: str
    acknowledged: AcknowledgementSpec | None = None

    @property
    def protected(self) -> bool:
        return bool(self.change.old and (self.change.old.get("options") or {}).get("protect"))

    @property
    def retained(self) -> bool:
        return bool(
            self.change.old and (self.change.old.get("options") or {}).get("retainOnDelete")
        )


def destructive_changes(
    changes: Sequence[Change], acknowledgements: Sequence[AcknowledgementSpec] = ()
) -> list[Destructive]:
    """Replacements and deletions of stateful or protected resources, each with its
    acknowledgement when the spec has one (matched on resource name or URN)."""
    found = []
    for change in changes:
        if change.action not in (Action.REPLACE, Action.DELETE):
            continue
        protected = bool(change.old and (change.old.get("options") or {}).get("protect"))
        why = STATEFUL.get(change.type) or ("a protected resource" if protected else "")
        if not why:
            continue
        ack = next((a for a in acknowledgements if a.resource in (change.name, change.urn)), None)
        found.append(Destructive(change, why, ack))
    return found
