import json

import pytest

from mlplat.components.storage import Storage, StorageArgs
from tests.components.fixtures import KEY

NAMES = {p: f"plat-{p}-111122223333-eu-west-1" for p in ("artifacts", "data", "logs")}


def _storage(synth, protect=False):
    args = StorageArgs(
        noncurrent_version_expiry_days=60,
        access_log_expiry_days=400,
        platform="plat",
        region="eu-west-1",
        partition="aws",
        account_id="111122223333",
        kms_key_arn=KEY,
        protect=protect,
    )
    return synth(lambda: Storage("plat", args))


def _side(out, typ):
    return {r.inputs["bucket"]: r.inputs for r in out.of_type(f"aws:s3/{typ}")}


def test_three_buckets_with_stable_names(synth) -> None:
    buckets = _storage(synth).of_type("aws:s3/bucket:Bucket")
    assert sorted(b.inputs["bucket"] for b in buckets) == sorted(NAMES.values())
    for bucket in buckets:  # no deprecated inline configuration on the bucket itself
        assert set(bucket.inputs) == {"bucket", "forceDestroy"}


def test_every_bucket_blocks_public_access_and_enforces_ownership(synth) -> None:
    out = _storage(synth)
    blocks = _side(out, "bucketPublicAccessBlock:BucketPublicAccessBlock")
    ownership = _side(out, "bucketOwnershipControls:BucketOwnershipControls")
    for name in NAMES.values():
        assert blocks[name] == {
            "bucket": name,
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        assert ownership[name]["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_every_bucket_is_sse_kms_with_a_bucket_key_and_versioned(synth) -> None:
    out = _storage(synth)
    encryption = _side(
        out,
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    versioning = _side(out, "bucketVersioning:BucketVersioning")
    for name in NAMES.values():
        assert encryption[name]["rules"] == [
            {
                "applyServerSideEncryptionByDefault": {
                    "kmsMasterKeyId": KEY,
                    "sseAlgorithm": "aws:kms",
                },
                "bucketKeyEnabled": True,
            }
        ]
        assert versioning[name]["versioningConfiguration"] == {"status": "Enabled"}


def test_bucket_policies_are_tls_only_and_logs_accept_only_our_buckets(synth) -> None:
    policies = _side(_storage(synth), "bucketPolicy:BucketPolicy")
    for name in NAMES.values():
        statements = json.loads(policies[name]["policy"])["Statement"]
        assert statements[0]["Sid"] == "DenyInsecureTransport"
    logs = json.loads(policies[NAMES["logs"]]["policy"])["Statement"]
    assert logs[1]["Condition"]["ArnLike"]["aws:SourceArn"] == [
        f"arn:aws:s3:::{NAMES['artifacts']}",
        f"arn:aws:s3:::{NAMES['data']}",
    ]
    assert len(json.loads(policies[NAMES["data"]]["policy"])["Statement"]) == 1


def test_data_buckets_log_to_the_logs_bucket(synth) -> None:
    logging = _side(_storage(synth), "bucketLogging:BucketLogging")
    assert set(logging) == {NAMES["artifacts"], NAMES["data"]}
    assert logging[NAMES["data"]]["targetBucket"] == NAMES["logs"]
    assert logging[NAMES["data"]]["targetPrefix"] == "data/"


def test_lifecycle_rules_follow_the_spec(synth) -> None:
    rules = {
        name: inputs["rules"][0]
        for name, inputs in _side(
            _storage(synth), "bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        ).items()
    }
    assert rules[NAMES["data"]]["noncurrentVersionExpiration"] == {"noncurrentDays": 60.0}
    assert "expiration" not in rules[NAMES["data"]]
    assert rules[NAMES["logs"]]["expiration"] == {"days": 400.0}
    for rule in rules.values():
        assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7.0}


@pytest.mark.parametrize("protect", [True, False])
def test_prod_buckets_are_protected_retained_and_never_force_destroyed(synth, protect) -> None:
    for bucket in _storage(synth, protect).of_type("aws:s3/bucket:Bucket"):
        assert bucket.inputs["forceDestroy"] is not protect
        assert (bucket.options["protect"], bucket.options["retainOnDelete"]) == (protect, protect)
