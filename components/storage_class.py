"""EbsStorageClass: the cluster's default StorageClass, encrypted gp3 on the EBS CSI driver.

EKS 1.30+ ships no default StorageClass, and the legacy gp2 class is unencrypted; every
PersistentVolume the platform creates lands here instead: gp3, encrypted with the
platform key, bound in the zone of the pod that first uses it. In prod a released
volume is retained, so deleting a claim never deletes data.
"""

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.args import coerce

CLASS_NAME = "gp3-encrypted"
EBS_CSI_PROVISIONER = "ebs.csi.aws.com"


@dataclass(frozen=True)
class EbsStorageClassArgs:
    """Inputs of an EbsStorageClass. The target cluster is the Kubernetes provider in the
    component's resource options (``providers``)."""

    kms_key_arn: pulumi.Input[str]
    """Key that encrypts the volumes."""
    retain: bool = False
    """Keep volumes after their claim is deleted (prod)."""


class EbsStorageClass(pulumi.ComponentResource):
    """The cluster's default StorageClass: gp3 on the EBS CSI driver, encrypted with the
    platform key, bound in the zone of the pod that first uses it."""

    name: pulumi.Output[str]
    """Name of the StorageClass."""

    def __init__(
        self, name: str, args: EbsStorageClassArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(EbsStorageClassArgs, args)
        super().__init__("mlplat:index:EbsStorageClass", name, None, opts)
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-gp3",
            metadata={
                "name": CLASS_NAME,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner=EBS_CSI_PROVISIONER,
            parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": args.kms_key_arn},
            reclaim_policy="Retain" if args.retain else "Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = storage_class.metadata.name
        self.register_outputs({"name": self.name})
