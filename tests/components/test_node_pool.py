import json

import pulumi
import pytest

from mlplat.components.node_pool import NODE_POLICIES, NodePool, NodePoolArgs
from mlplat.spec.model import (
    CapacityType,
    GpuSharing,
    GpuSharingSpec,
    NodeOs,
    NodePoolSpec,
    TaintEffect,
    TaintSpec,
)
from tests.components.fixtures import KEY
from tests.spec.tables import add_gpu_family, gpus_to_cpu

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
TEMPLATE_TAG = "k8s.io/cluster-autoscaler/node-template/"


def _pool(synth, **spec):
    spec = {"name": "system", "instance_types": ("m7i.large",), **spec}
    args = NodePoolArgs.from_spec(
        NodePoolSpec(**spec),
        cluster_name="plat",
        kubernetes_version="1.35",
        subnet_ids=["subnet-a"],
        partition="aws",
        kms_key_arn=KEY,
        cluster_security_group_id="sg-cluster",
    )
    return synth(lambda: NodePool("plat-system", args))


def _autoscaler_tags(out) -> dict:
    tags = [t.inputs["tag"] for t in out.of_type("aws:autoscaling/tag:Tag")]
    assert all(t["propagateAtLaunch"] is False for t in tags)
    return {t["key"].removeprefix(TEMPLATE_TAG): t["value"] for t in tags}


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
    assert mapping["deviceName"] == "/dev/xvda"
    assert mapping["ebs"] == {
        "deleteOnTermination": "true",
        "encrypted": "true",
        "kmsKeyId": KEY,
        "volumeSize": 120.0,
        "volumeType": "gp3",
    }


@pytest.mark.parametrize(
    ("instance", "os", "ami"),
    [
        ("m7i.large", NodeOs.AL2023, "AL2023_x86_64_STANDARD"),
        ("m7g.large", NodeOs.AL2023, "AL2023_ARM_64_STANDARD"),
        ("g6.xlarge", NodeOs.AL2023, "AL2023_x86_64_NVIDIA"),
        ("m7g.large", NodeOs.BOTTLEROCKET, "BOTTLEROCKET_ARM_64"),
        ("p5.48xlarge", NodeOs.BOTTLEROCKET, "BOTTLEROCKET_x86_64_NVIDIA"),
    ],
)
def test_ami_type_follows_os_architecture_and_gpu(synth, instance, os, ami) -> None:
    out = _pool(synth, instance_types=(instance,), os=os)
    assert out.one(NODE_GROUP).inputs["amiType"] == ami


def test_bottlerocket_sizes_its_data_volume_and_encrypts_both(synth) -> None:
    out = _pool(synth, os=NodeOs.BOTTLEROCKET, disk_size_gib=100)
    mappings = out.one(LAUNCH_TEMPLATE).inputs["blockDeviceMappings"]
    assert [m["deviceName"] for m in mappings] == ["/dev/xvda", "/dev/xvdb"]
    assert all(m["ebs"]["encrypted"] == "true" and m["ebs"]["kmsKeyId"] == KEY for m in mappings)
    assert "volumeSize" not in mappings[0]["ebs"]
    assert mappings[1]["ebs"]["volumeSize"] == 100.0


def test_gpu_pool_is_tainted_and_labelled_from_the_instance_table(synth) -> None:
    group = _pool(synth, instance_types=("g6e.12xlarge",)).one(NODE_GROUP).inputs
    assert group["taints"] == [
        {"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}
    ]
    assert group["labels"]["mlplat.dev/accelerator"] == "nvidia"
    assert group["labels"]["mlplat.dev/gpu-model"] == "l40s"


def test_cpu_pool_has_no_gpu_taint_or_labels(synth) -> None:
    group = _pool(synth).one(NODE_GROUP).inputs
    assert "taints" not in group
    assert "mlplat.dev/accelerator" not in group["labels"]


def test_gpu_sharing_pools_select_their_device_plugin_config(synth) -> None:
    sharing = GpuSharingSpec(strategy=GpuSharing.TIME_SLICING, replicas=4)
    labels = _pool(synth, instance_types=("g6.xlarge",), gpu_sharing=sharing).one(NODE_GROUP)
    assert labels.inputs["labels"]["nvidia.com/device-plugin.config"] == "system"
    bottlerocket = _pool(synth, instance_types=("g6.xlarge",), os=NodeOs.BOTTLEROCKET)
    assert "mlplat.dev/nvidia-device-plugin" not in bottlerocket.one(NODE_GROUP).inputs["labels"]


def test_user_taints_are_passed_in_eks_form(synth) -> None:
    taint = TaintSpec(key="example.com/dedicated", value="etl", effect=TaintEffect.NO_EXECUTE)
    group = _pool(synth, taints=(taint,)).one(NODE_GROUP).inputs
    assert group["taints"] == [
        {"effect": "NO_EXECUTE", "key": "example.com/dedicated", "value": "etl"}
    ]


def test_gpu_pool_scaling_from_zero_tells_the_autoscaler_what_a_node_looks_like(synth) -> None:
    out = _pool(synth, instance_types=("p4d.24xlarge",), min_size=0, max_size=2)
    tags = _autoscaler_tags(out)
    assert tags == {
        "label/mlplat.dev/pool": "system",
        "label/k8s.amazonaws.com/accelerator": "nvidia-tesla-a100",
        "label/mlplat.dev/accelerator": "nvidia",
        "label/mlplat.dev/gpu-model": "a100-40gb",
        "label/mlplat.dev/nvidia-device-plugin": "true",
        "taint/nvidia.com/gpu": "present:NoSchedule",
        "resources/nvidia.com/gpu": "8",
    }
    for tag in out.of_type("aws:autoscaling/tag:Tag"):
        assert tag.inputs["autoscalingGroupName"].startswith("eks-plat-system-ng-")


def test_gpu_nodes_carry_the_autoscalers_gpu_label(synth) -> None:
    # A node with this label but no allocatable GPUs yet counts as not ready, so the
    # autoscaler waits for the driver instead of adding nodes (cloudprovider/aws GPULabel).
    labels = _pool(synth, instance_types=("g6e.12xlarge",)).one(NODE_GROUP).inputs["labels"]
    assert labels["k8s.amazonaws.com/accelerator"] == "nvidia-l40s"
    assert "k8s.amazonaws.com/accelerator" not in _pool(synth).one(NODE_GROUP).inputs["labels"]


def test_a_time_sliced_template_advertises_what_its_nodes_advertise(synth) -> None:
    sharing = GpuSharingSpec(strategy=GpuSharing.TIME_SLICING, replicas=4)
    out = _pool(synth, instance_types=("g6.12xlarge",), gpu_sharing=sharing, min_size=0)
    assert _autoscaler_tags(out)["resources/nvidia.com/gpu"] == "16"  # 4 L4 x 4 replicas


def test_template_tags_keep_their_first_release_identities(synth) -> None:
    # The first release named tags by position in sorted key order; a new label must not
    # rename (and so delete) the others.
    out = _pool(synth, instance_types=("p4d.24xlarge",), min_size=0, max_size=2)
    first_release = sorted(
        [
            "label/mlplat.dev/pool",
            "label/mlplat.dev/accelerator",
            "label/mlplat.dev/gpu-model",
            "label/mlplat.dev/nvidia-device-plugin",
            "taint/nvidia.com/gpu",
            "resources/nvidia.com/gpu",
        ]
    )
    aliases = {
        t.inputs["tag"]["key"].removeprefix(TEMPLATE_TAG): t.options["aliases"]
        for t in out.of_type("aws:autoscaling/tag:Tag")
    }
    urn = "urn:pulumi:test::mlplat::mlplat:index:NodePool$aws:autoscaling/tag:Tag::"
    for position, key in enumerate(first_release):
        assert aliases[key] == [f"{urn}plat-system-ca-{position}"], key
    assert aliases["label/k8s.amazonaws.com/accelerator"] == []


def test_pools_that_never_reach_zero_get_no_template_tags(synth) -> None:
    assert _pool(synth, min_size=1).of_type("aws:autoscaling/tag:Tag") == []


@pytest.mark.parametrize(("instance", "cards"), [("p5.48xlarge", 32), ("p4d.24xlarge", 4)])
def test_efa_pool_gets_an_efa_per_network_card_and_a_cluster_placement_group(
    synth, instance, cards
) -> None:
    out = _pool(
        synth, instance_types=(instance,), efa=True, availability_zone="eu-west-1a", min_size=0
    )
    group = out.one("aws:ec2/placementGroup:PlacementGroup")
    assert group.inputs["strategy"] == "cluster"
    template = out.one(LAUNCH_TEMPLATE).inputs
    assert template["placement"] == {"groupName": group.name}
    interfaces = template["networkInterfaces"]
    assert [i["networkCardIndex"] for i in interfaces] == list(range(cards))
    assert [i["deviceIndex"] for i in interfaces] == [0] + [1] * (cards - 1)
    for interface in interfaces:
        assert interface["interfaceType"] == "efa"
        assert interface["securityGroups"] == ["sg-cluster"]
        assert "associatePublicIpAddress" not in interface
    assert out.one(NODE_GROUP).inputs["labels"]["mlplat.dev/efa"] == "true"
    # An empty pool scales up for a pod asking for EFA only if its template offers it.
    assert _autoscaler_tags(out)["resources/vpc.amazonaws.com/efa"] == str(cards)


def test_non_efa_pool_has_no_interfaces_or_placement(synth) -> None:
    template = _pool(synth).one(LAUNCH_TEMPLATE).inputs
    assert "networkInterfaces" not in template
    assert "placement" not in template


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


def test_node_role_has_no_cni_permissions(synth) -> None:
    # The VPC CNI has its own IRSA role; pods on the node must not inherit ENI rights.
    assert "AmazonEKS_CNI_Policy" not in NODE_POLICIES


def test_node_group_is_replaced_create_first(synth) -> None:
    group = _pool(synth).one(NODE_GROUP)
    assert "nodeGroupName" not in group.inputs  # auto-named, so a replacement can coexist
    assert group.options.get("deleteBeforeReplace") in (None, False)


def test_node_role_trusts_only_ec2(synth) -> None:
    policy = json.loads(_pool(synth).one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in policy["Statement"]] == [{"Service": "ec2.amazonaws.com"}]


def test_nodes_may_fill_the_pull_through_cache_under_its_prefixes_only(synth) -> None:
    cache = "arn:aws:ecr:eu-west-1:111122223333:repository/k8s/*"
    args = NodePoolArgs(
        name="system",
        instance_types=("m7i.large",),
        cluster_name="plat",
        kubernetes_version="1.35",
        subnet_ids=["subnet-a"],
        partition="aws",
        kms_key_arn=KEY,
        cluster_security_group_id="sg-cluster",
        pull_through_cache=[cache],
    )
    out = synth(lambda: NodePool("plat-system", args))
    policy = out.one("aws:iam/rolePolicy:RolePolicy")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Action"] == ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]
    assert statement["Resource"] == [cache]
    assert policy.urn in out.one(NODE_GROUP).options["dependsOn"]
    assert _pool(synth).of_type("aws:iam/rolePolicy:RolePolicy") == []


def test_a_capacity_reservation_pool_launches_into_its_reservation(synth) -> None:
    out = _pool(
        synth,
        instance_types=("p5.48xlarge",),
        capacity_type=CapacityType.CAPACITY_RESERVATION,
        capacity_reservation_id="cr-0123456789abcdef0",
        availability_zone="eu-west-1a",
    )
    template = out.one(LAUNCH_TEMPLATE).inputs
    assert template["capacityReservationSpecification"] == {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}
    }
    assert "instanceMarketOptions" not in template
    group = out.one(NODE_GROUP).inputs
    assert group["capacityType"] == "ON_DEMAND"
    assert group["instanceTypes"] == ["p5.48xlarge"]


def test_a_capacity_block_pool_names_its_block_market_and_type_in_the_template(synth) -> None:
    # EKS takes a Capacity Block only through a launch template with the capacity-block
    # market, the block's id and its instance type (and none on the node group).
    out = _pool(
        synth,
        instance_types=("p5.48xlarge",),
        capacity_type=CapacityType.CAPACITY_BLOCK,
        capacity_reservation_id="cr-0123456789abcdef0",
        availability_zone="eu-west-1a",
        min_size=0,
    )
    template = out.one(LAUNCH_TEMPLATE).inputs
    assert template["instanceMarketOptions"] == {"marketType": "capacity-block"}
    assert template["instanceType"] == "p5.48xlarge"
    assert template["capacityReservationSpecification"]["capacityReservationTarget"] == {
        "capacityReservationId": "cr-0123456789abcdef0"
    }
    group = out.one(NODE_GROUP).inputs
    assert group["capacityType"] == "CAPACITY_BLOCK"
    assert "instanceTypes" not in group


def test_on_demand_and_spot_pools_name_no_reservation(synth) -> None:
    for capacity in (CapacityType.ON_DEMAND, CapacityType.SPOT):
        template = _pool(synth, capacity_type=capacity).one(LAUNCH_TEMPLATE).inputs
        assert "capacityReservationSpecification" not in template


def test_the_efa_resource_pools_advertise_is_one_team_queues_admit() -> None:
    # Kueue refuses a workload asking for a resource its ClusterQueue does not cover,
    # unless Kueue leaves it out of quota; EFA comes with the GPU nodes the quota rations.
    from mlplat.components.tenancy.kueue import NOT_RATIONED
    from mlplat.spec.instances import EFA_RESOURCE

    assert any(EFA_RESOURCE.startswith(prefix) for prefix in NOT_RATIONED)


def test_the_node_group_follows_the_instance_table(synth, monkeypatch) -> None:
    add_gpu_family(monkeypatch)
    group = _pool(synth, instance_types=("zz9.xlarge",), min_size=0).one(NODE_GROUP).inputs
    assert group["amiType"] == "AL2023_x86_64_NVIDIA"
    assert group["labels"]["mlplat.dev/gpu-model"] == "x9"
    assert group["labels"]["k8s.amazonaws.com/accelerator"] == "nvidia-x9"
    assert group["taints"] == [
        {"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}
    ]
    gpus_to_cpu(monkeypatch, "g6")
    out = _pool(synth, instance_types=("g6.xlarge",), min_size=0)
    group = out.one(NODE_GROUP).inputs
    assert group["amiType"] == "AL2023_x86_64_STANDARD"
    assert "taints" not in group and "mlplat.dev/accelerator" not in group["labels"]
    assert "userData" not in out.one(LAUNCH_TEMPLATE).inputs
    assert _autoscaler_tags(out) == {"label/mlplat.dev/pool": "system"}


def test_the_node_group_is_built_from_the_pools_facts(synth) -> None:
    fields = {"instance_types": ("p4d.24xlarge",), "efa": True, "min_size": 0, "max_size": 2}
    out = _pool(synth, **fields)
    group = out.one(NODE_GROUP).inputs
    facts = NodePoolSpec(name="system", **fields).facts
    assert group["amiType"] == facts.ami_type
    assert group["labels"] == facts.labels
    assert [(t["key"], t["value"]) for t in group["taints"]] == [
        (t["key"], t["value"]) for t in facts.taints
    ]
    assert _autoscaler_tags(out) == facts.template_tags
    assert len(out.one(LAUNCH_TEMPLATE).inputs["networkInterfaces"]) == facts.efa_interfaces


def test_the_node_group_waits_for_what_the_pool_waits_for(synth) -> None:
    def program() -> None:
        cni = pulumi.CustomResource("test:index:Addon", "cni")
        args = NodePoolArgs(
            name="system",
            instance_types=("m7i.large",),
            cluster_name="plat",
            kubernetes_version="1.35",
            subnet_ids=["subnet-a"],
            partition="aws",
            kms_key_arn=KEY,
            cluster_security_group_id="sg-cluster",
        )
        NodePool("plat-system", args, pulumi.ResourceOptions(depends_on=[cni]))

    out = synth(program)
    cni = out.one("test:index:Addon").urn
    assert cni in out.one(NODE_GROUP).options["dependsOn"]
    assert cni not in out.one(LAUNCH_TEMPLATE).options["dependsOn"]
