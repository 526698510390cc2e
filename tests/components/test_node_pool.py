import json

import pytest

from components.node_pool import NODE_POLICIES, NodePool, NodePoolArgs
from mlplat.spec.model import CapacityType, NodePoolSpec


def _pool(synth, **spec):
    spec = {"name": "system", "instance_types": ("m7i.large",), **spec}
    args = NodePoolArgs(
        spec=NodePoolSpec(**spec),
        cluster_name="plat",
        kubernetes_version="1.35",
        subnet_ids=["subnet-a"],
        partition="aws",
    )
    return synth(lambda: NodePool("plat-system", args))


def test_launch_template_requires_imdsv2_with_hop_limit_one(synth) -> None:
    template = _pool(synth).one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpPutResponseHopLimit": 1.0,
        "httpTokens": "required",
    }
    assert "keyName" not in template


def test_root_volume_is_encrypted_gp3_of_the_requested_size(synth) -> None:
    (mapping,) = (
        _pool(synth, disk_size_gib=120)
        .one("aws:ec2/launchTemplate:LaunchTemplate")
        .inputs["blockDeviceMappings"]
    )
    assert mapping["ebs"] == {
        "deleteOnTermination": "true",
        "encrypted": "true",
        "volumeSize": 120.0,
        "volumeType": "gp3",
    }


@pytest.mark.parametrize(
    ("instance", "ami"),
    [("m7i.large", "AL2023_x86_64_STANDARD"), ("m7g.large", "AL2023_ARM_64_STANDARD")],
)
def test_ami_type_follows_the_cpu_architecture(synth, instance, ami) -> None:
    assert (
        _pool(synth, instance_types=(instance,))
        .one("aws:eks/nodeGroup:NodeGroup")
        .inputs["amiType"]
        == ami
    )


def test_node_group_scaling_update_and_placement(synth) -> None:
    out = _pool(
        synth, min_size=2, max_size=5, capacity_type=CapacityType.SPOT, labels={"team": "ml"}
    )
    group = out.one("aws:eks/nodeGroup:NodeGroup")
    assert group.inputs["scalingConfig"] == {"desiredSize": 2.0, "maxSize": 5.0, "minSize": 2.0}
    assert group.inputs["capacityType"] == "SPOT"
    assert group.inputs["updateConfig"] == {"maxUnavailablePercentage": 33.0}
    assert group.inputs["subnetIds"] == ["subnet-a"]
    assert group.inputs["labels"] == {"team": "ml", "mlplat.dev/pool": "system"}
    assert group.inputs["launchTemplate"]["id"].startswith("lt-")
    assert group.options["ignoreChanges"] == ["scalingConfig.desiredSize"]


def test_node_group_waits_for_its_role_policies(synth) -> None:
    out = _pool(synth)
    attachments = out.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert sorted(a.inputs["policyArn"].rsplit("/", 1)[-1] for a in attachments) == sorted(
        NODE_POLICIES
    )
    group = out.one("aws:eks/nodeGroup:NodeGroup")
    assert sorted(group.options["dependsOn"]) == sorted(a.urn for a in attachments)


def test_node_role_trusts_only_ec2(synth) -> None:
    policy = json.loads(_pool(synth).one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in policy["Statement"]] == [{"Service": "ec2.amazonaws.com"}]
