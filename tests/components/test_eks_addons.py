import json

import pulumi

from mlplat.components.eks_addons import EksAddons, EksAddonsArgs
from tests.components.fixtures import IDENTITY, KEY


def _addons(synth, moved=False):
    def program():
        old = pulumi.ComponentResource("mlplat:index:EksCluster", "plat") if moved else None
        addons = EksAddons("plat", EksAddonsArgs(cluster=IDENTITY, kms_key_arn=KEY, moved_from=old))
        node = pulumi.CustomResource(
            "test:index:Node",
            "node",
            {},
            opts=pulumi.ResourceOptions(depends_on=addons.node_prerequisites),
        )
        addons.install_after_nodes([node])

    return synth(program)


def _by_name(out):
    return {a.inputs["addonName"]: a for a in out.of_type("aws:eks/addon:Addon")}


def test_every_managed_addon_is_installed(synth) -> None:
    assert set(_by_name(_addons(synth))) == {
        "vpc-cni",
        "kube-proxy",
        "coredns",
        "eks-pod-identity-agent",
        "aws-ebs-csi-driver",
    }


def test_only_addons_that_run_deployments_wait_for_nodes(synth) -> None:
    out = _addons(synth)
    node = out.one("test:index:Node")
    waits = {name for name, a in _by_name(out).items() if a.options["dependsOn"] == [node.urn]}
    assert waits == {"coredns", "aws-ebs-csi-driver"}


def test_nodes_wait_for_the_networking_addons_and_nothing_waits_in_a_cycle(synth) -> None:
    out = _addons(synth)
    node = out.one("test:index:Node")
    addons = _by_name(out)
    assert sorted(node.options["dependsOn"]) == sorted(
        addons[name].urn for name in ("vpc-cni", "kube-proxy")
    )
    for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        assert addons[name].options["dependsOn"] == [], name


def test_vpc_cni_enforces_network_policy_with_its_own_role(synth) -> None:
    out = _addons(synth)
    cni = _by_name(out)["vpc-cni"]
    assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    role = out.one("aws:iam/role:Role", "plat-vpc-cni-role")
    assert cni.inputs["serviceAccountRoleArn"].endswith("/plat-vpc-cni-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    sub = trust["Condition"]["StringEquals"]["oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub"]
    assert sub == "system:serviceaccount:kube-system:aws-node"


def test_ebs_csi_role_may_grant_only_the_platform_key(synth) -> None:
    out = _addons(synth)
    csi = _by_name(out)["aws-ebs-csi-driver"]
    assert csi.inputs["serviceAccountRoleArn"].endswith("/plat-aws-ebs-csi-driver-role")
    policy = json.loads(out.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert {s["Resource"] for s in policy["Statement"]} == {KEY}
    managed = {
        a.inputs["policyArn"].rsplit("/", 1)[-1]
        for a in out.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert managed == {"AmazonEKS_CNI_Policy", "AmazonEBSCSIDriverPolicy"}


def test_addons_from_the_first_release_keep_their_old_urns_as_aliases(synth) -> None:
    out = _addons(synth, moved=True)
    addons = _by_name(out)
    old = "urn:pulumi:test::mlplat::mlplat:index:EksCluster$aws:eks/addon:Addon::plat-coredns"
    assert addons["coredns"].options["aliases"] == [old]
    assert addons["eks-pod-identity-agent"].options["aliases"] == []
