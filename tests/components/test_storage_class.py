import pulumi
import pulumi_kubernetes as k8s
import pytest

from mlplat.components.storage_class import EbsStorageClass, EbsStorageClassArgs
from tests.components.fixtures import KEY


def _storage_class(synth, retain=False):
    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        EbsStorageClass(
            "plat",
            EbsStorageClassArgs(kms_key_arn=KEY, retain=retain),
            pulumi.ResourceOptions(providers=[provider]),
        )

    return synth(program)


def test_default_class_is_encrypted_gp3_on_the_csi_driver(synth) -> None:
    sc = _storage_class(synth).one("kubernetes:storage.k8s.io/v1:StorageClass").inputs
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc["provisioner"] == "ebs.csi.aws.com"
    assert sc["parameters"] == {"type": "gp3", "encrypted": "true", "kmsKeyId": KEY}
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"


@pytest.mark.parametrize(("retain", "policy"), [(True, "Retain"), (False, "Delete")])
def test_prod_volumes_outlive_their_claims(synth, retain, policy) -> None:
    sc = _storage_class(synth, retain).one("kubernetes:storage.k8s.io/v1:StorageClass")
    assert sc.inputs["reclaimPolicy"] == policy


def test_the_class_goes_to_the_cluster_of_the_components_provider(synth) -> None:
    sc = _storage_class(synth).one("kubernetes:storage.k8s.io/v1:StorageClass")
    assert sc.provider.endswith("::pulumi:providers:kubernetes::k8s")
