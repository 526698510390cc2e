import json

import pulumi
import pytest

from mlplat.components.eks_cluster import EksCluster, EksClusterArgs, kubeconfig
from mlplat.spec.model import EndpointAccess
from tests.components.fixtures import KEY

ADMINS = ("arn:aws:iam::111122223333:role/platform-admin", "arn:aws:iam::111122223333:user/alice")


def _cluster(synth, *, protect=False, **spec):
    def program():
        cluster = EksCluster(
            "plat",
            EksClusterArgs(
                admins=ADMINS,
                **spec,
                cluster_name="plat",
                subnet_ids=["subnet-a", "subnet-b"],
                region="eu-west-1",
                partition="aws",
                kms_key_arn=KEY,
                protect=protect,
            ),
        )
        pulumi.export("kubeconfig", cluster.kubeconfig)

    return synth(program)


def test_private_endpoint_and_access_entries_only_by_default(synth) -> None:
    cluster = _cluster(synth).one("aws:eks/cluster:Cluster").inputs
    assert cluster["vpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in cluster["vpcConfig"]
    assert cluster["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }
    assert cluster["bootstrapSelfManagedAddons"] is False
    assert cluster["version"] == "1.35"
    assert cluster["name"] == "plat"


def test_public_endpoint_is_limited_to_the_listed_cidrs(synth) -> None:
    out = _cluster(
        synth, endpoint_access=EndpointAccess.BOTH, public_access_cidrs=("198.51.100.0/24",)
    )
    vpc = out.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["198.51.100.0/24"]


def test_each_admin_gets_an_access_entry_with_cluster_admin_policy(synth) -> None:
    out = _cluster(synth)
    entries = out.of_type("aws:eks/accessEntry:AccessEntry")
    grants = out.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert sorted(e.inputs["principalArn"] for e in entries) == sorted(ADMINS)
    for grant in grants:
        assert (
            grant.inputs["policyArn"]
            == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        )
        assert grant.inputs["accessScope"] == {"type": "cluster"}
    assert len(grants) == len(ADMINS)


def test_cluster_role_trusts_only_eks(synth) -> None:
    role = _cluster(synth).one("aws:iam/role:Role").inputs
    statement = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement == [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
        }
    ]


@pytest.mark.parametrize("protect", [True, False])
def test_protect_and_retain_follow_the_argument(synth, protect) -> None:
    options = _cluster(synth, protect=protect).one("aws:eks/cluster:Cluster").options
    assert options["protect"] is protect
    assert options["retainOnDelete"] is protect


def test_secrets_are_envelope_encrypted_with_the_platform_key(synth) -> None:
    out = _cluster(synth)
    cluster = out.one("aws:eks/cluster:Cluster")
    assert cluster.inputs["encryptionConfig"] == {
        "provider": {"keyArn": KEY},
        "resources": ["secrets"],
    }
    grant = json.loads(out.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert {s["Resource"] for s in grant["Statement"]} == {KEY}
    assert "kms:Decrypt" in grant["Statement"][0]["Action"]


def test_all_control_plane_logs_go_to_an_encrypted_group_with_retention(synth) -> None:
    out = _cluster(synth, log_retention_days=90)
    cluster = out.one("aws:eks/cluster:Cluster")
    assert cluster.inputs["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    group = out.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/aws/eks/plat/cluster"
    assert group.inputs["retentionInDays"] == 90.0
    assert group.inputs["kmsKeyId"] == KEY
    # The group must exist first, or EKS creates its own: unencrypted, kept forever.
    assert group.urn in cluster.options["dependsOn"]


def test_oidc_provider_trusts_the_cluster_issuer_for_sts_only(synth) -> None:
    provider = _cluster(synth).one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]


def test_no_addons_here(synth) -> None:
    assert _cluster(synth).of_type("aws:eks/addon:Addon") == []


def test_kubeconfig_is_a_secret_output(synth) -> None:
    assert _cluster(synth).outputs["kubeconfig"] == "[secret]"


def test_kubeconfig_uses_short_lived_tokens() -> None:
    config = json.loads(kubeconfig("plat", "https://example", "Q0E=", "eu-west-1"))
    user = config["users"][0]["user"]
    assert "token" not in user
    assert user["exec"]["command"] == "aws"
    assert user["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", "plat"]
    assert config["clusters"][0]["cluster"]["server"] == "https://example"


def test_private_access_cidrs_reach_the_api_through_the_cluster_security_group(synth) -> None:
    out = _cluster(synth, private_access_cidrs=("10.20.0.0/16",))
    (rule,) = out.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    cluster = out.one("aws:eks/cluster:Cluster")
    assert rule.inputs["securityGroupId"].startswith("sg-")
    assert (rule.inputs["cidrIpv4"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
        "10.20.0.0/16",
        443.0,
        443.0,
    )
    assert rule.inputs["ipProtocol"] == "tcp"
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False


def test_a_kubeconfig_proxy_reaches_a_private_endpoint_through_a_tunnel() -> None:
    config = json.loads(
        kubeconfig(
            "plat", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1", "socks5://127.0.0.1:1080"
        )
    )
    assert config["clusters"][0]["cluster"]["proxy-url"] == "socks5://127.0.0.1:1080"
    assert (
        "proxy-url"
        not in json.loads(kubeconfig("plat", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1"))[
            "clusters"
        ][0]["cluster"]
    )
