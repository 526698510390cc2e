import json

import pytest

from mlplat.components.platform_key import PlatformKey, PlatformKeyArgs


def _key(synth, protect=False):
    args = PlatformKeyArgs(
        alias="plat",
        account_id="111122223333",
        region="eu-west-1",
        partition="aws",
        protect=protect,
    )
    return synth(lambda: PlatformKey("plat", args))


def test_key_rotates_and_has_an_alias(synth) -> None:
    out = _key(synth)
    key = out.one("aws:kms/key:Key").inputs
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30.0
    assert "bypassPolicyLockoutSafetyCheck" not in key
    assert out.one("aws:kms/alias:Alias").inputs["name"] == "alias/plat"


def test_key_policy_names_the_account_and_the_services_that_need_it(synth) -> None:
    policy = json.loads(_key(synth).one("aws:kms/key:Key").inputs["policy"])
    principals = {json.dumps(s["Principal"], sort_keys=True) for s in policy["Statement"]}
    assert principals == {
        '{"AWS": "arn:aws:iam::111122223333:root"}',
        '{"AWS": "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/'
        'AWSServiceRoleForAutoScaling"}',
        '{"Service": "logs.eu-west-1.amazonaws.com"}',
        '{"Service": "logging.s3.amazonaws.com"}',
    }


@pytest.mark.parametrize("protect", [True, False])
def test_key_is_protected_and_retained_in_prod(synth, protect) -> None:
    options = _key(synth, protect).one("aws:kms/key:Key").options
    assert (options["protect"], options["retainOnDelete"]) == (protect, protect)


def test_key_waits_for_the_autoscaling_role_its_policy_names(synth) -> None:
    # KMS refuses a policy naming a role that does not exist (new accounts have none).
    out = _key(synth)
    role = out.one("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs["awsServiceName"] == "autoscaling.amazonaws.com"
    assert role.options["retainOnDelete"] is True  # account-wide; others may rely on it
    assert role.urn in out.one("aws:kms/key:Key").options["dependsOn"]


def test_accounts_that_have_the_role_do_not_create_it(synth) -> None:
    args = PlatformKeyArgs(
        alias="plat",
        account_id="111122223333",
        region="eu-west-1",
        partition="aws",
        create_autoscaling_role=False,
    )
    out = synth(lambda: PlatformKey("plat", args))
    assert out.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []
    assert out.one("aws:kms/key:Key").options["dependsOn"] == []
