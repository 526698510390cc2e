"""Team validation: names, namespaces, members, and GPU quotas against pool capacity.

The prod example's pools: gpu-inference (1 L4 x maxSize 8 = 8), gpu-notebooks (1 L4 x 4
time-slicing replicas x maxSize 4 = 16), gpu-training (8 A100 x maxSize 4 = 32).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlplat.spec import load_spec
from mlplat.spec.capacity import PlatformFacts, PoolCapacity
from tests.conftest import STACKS

ADMIN = "arn:aws:iam::111122223333:role/fraud-ml"


def _platform(tmp_path: Path, teams: list | None, **extra: object) -> tuple[Path, list]:
    doc = {"apiVersion": "mlplat.dev/v1", "kind": "Platform", "extends": str(STACKS / "prod.yaml")}
    doc |= extra
    if teams is not None:
        doc["teams"] = teams
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = load_spec(path)
    return path, result


def _codes(result) -> list[str]:
    return [e.code for e in result.errors]


def test_the_prod_example_fits_its_pools():
    result = load_spec(STACKS / "prod.yaml")
    assert result.ok and result.warnings == []
    assert [t.name for t in result.spec.teams] == ["recsys", "nlp"]


def test_a_quota_above_the_pool_is_refused_with_the_arithmetic(tmp_path):
    _, result = _platform(
        tmp_path, [{"name": "a", "quota": {"gpus": [{"pool": "gpu-training", "gpus": 40}]}}]
    )
    (error,) = result.errors
    assert error.code == "quota-exceeds-capacity"
    assert error.path == ("teams", 0, "quota", "gpus", 0, "gpus")
    assert error.message == (
        "team 'a' asks for 40 GPUs of pool 'gpu-training', which holds at most 32 "
        "(8 a100-40gb per p4d.24xlarge node x maxSize 4)"
    )
    assert error.hint == "lower gpus to at most 32, or raise the pool's maxSize"
    assert error.location is not None and error.location.file.endswith("spec.yaml")


def test_time_slicing_replicas_count_towards_capacity(tmp_path):
    ok = [{"name": "a", "quota": {"gpus": [{"pool": "gpu-notebooks", "gpus": 16}]}}]
    assert _platform(tmp_path, ok)[1].ok
    over = [{"name": "a", "quota": {"gpus": [{"pool": "gpu-notebooks", "gpus": 17}]}}]
    (error,) = _platform(tmp_path, over)[1].errors
    assert "x 4 time-slicing replicas x maxSize 4" in error.message


def test_borrowing_beyond_the_pool_is_refused(tmp_path):
    teams = [
        {
            "name": "a",
            "quota": {"gpus": [{"pool": "gpu-inference", "gpus": 6, "borrowingLimit": 3}]},
        }
    ]
    (error,) = _platform(tmp_path, teams)[1].errors
    assert error.code == "quota-exceeds-capacity"
    assert error.path[-1] == "borrowingLimit"
    assert error.hint == "lower borrowingLimit to at most 2"


@pytest.mark.parametrize(
    ("pool", "says"),
    [
        ("gpu-trainng", "the platform offers no such pool; Kueue deactivates"),
        ("general", "it has no NVIDIA GPUs"),
    ],
)
def test_a_quota_names_a_gpu_pool(tmp_path, pool, says):
    teams = [{"name": "a", "quota": {"gpus": [{"pool": pool, "gpus": 1}]}}]
    (error,) = _platform(tmp_path, teams)[1].errors
    assert error.code == "quota-pool-invalid"
    assert says in error.message


def test_a_typo_in_a_pool_gets_a_suggestion(tmp_path):
    teams = [{"name": "a", "quota": {"gpus": [{"pool": "gpu-trainng", "gpus": 1}]}}]
    (error,) = _platform(tmp_path, teams)[1].errors
    assert error.hint == "did you mean 'gpu-training'?"


def test_oversubscription_is_a_warning_not_an_error(tmp_path):
    teams = [
        {"name": "a", "quota": {"gpus": [{"pool": "gpu-training", "gpus": 20}]}},
        {"name": "b", "quota": {"gpus": [{"pool": "gpu-training", "gpus": 20}]}},
    ]
    _, result = _platform(tmp_path, teams)
    assert result.ok
    (warning,) = result.warnings
    assert warning.code == "quota-oversubscribed" and warning.warning
    assert "add up to 40, more than its 32" in warning.message
    assert warning.format().split("] ")[0].endswith("warning[quota-oversubscribed")


def test_names_are_dns_labels_and_unique(tmp_path):
    teams = [{"name": "Fraud_Team"}, {"name": "nlp"}, {"name": "nlp"}]
    codes = _codes(_platform(tmp_path, teams)[1])
    assert codes.count("invalid-name") == 1 and codes.count("duplicate-name") == 1


def test_namespaces_are_the_teams_own(tmp_path):
    teams = [
        {"name": "a", "namespaces": ["a", "monitoring"]},
        {"name": "b", "namespaces": ["a"]},
    ]
    result = _platform(tmp_path, teams)[1]
    messages = [e.message for e in result.errors if e.code == "namespace-taken"]
    assert messages == [
        "namespace 'monitoring' belongs to the platform or to Kubernetes",
        "namespace 'a' already belongs to team 'a'",
    ]


@pytest.mark.parametrize(
    ("arn", "code", "says"),
    [
        ("arn:aws:iam::111122223333:group/fraud", "member-not-principal", "IAM group"),
        ("fraud-ml", "member-not-principal", "expected an IAM role or user ARN"),
        ("arn:aws:iam::111122223333:role/platform-admin", "member-has-access", "already has"),
    ],
)
def test_members_are_iam_roles_or_users_without_an_entry(tmp_path, arn, code, says):
    teams = [{"name": "a", "members": {"admins": [arn]}}]
    (error,) = _platform(tmp_path, teams)[1].errors
    assert (error.code, error.path) == (code, ("teams", 0, "members", "admins", 0))
    assert says in error.message


def test_irsa_teams_need_the_sts_endpoint(tmp_path):
    _, result = _platform(tmp_path, [{"name": "a"}], network={"interfaceEndpoints": ["ecr"]})
    assert _codes(result) == ["team-needs-endpoint"]


def test_a_team_stack_is_checked_against_its_platform(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "mlplat.dev/v1",
                "kind": "Team",
                "platform": {"stack": "acme/mlplat/prod", "workloadIdentity": "podIdentity"},
                "team": {
                    "name": "nlp",
                    "members": {"admins": [ADMIN]},
                    "quota": {"gpus": [{"pool": "gpu-training", "gpus": 9}]},
                },
            }
        )
    )
    assert load_spec(path).ok  # without the platform's facts, nothing to check against
    facts = PlatformFacts(
        gpu_pools={"gpu-training": PoolCapacity(8, "8 a100 per node x maxSize 1")},
        teams=frozenset({"nlp"}),
        principals=frozenset({ADMIN}),
        reference={"environment": "prod", "provider": "aws", "workloadIdentity": "irsa"},
    )
    result = load_spec(path, facts)
    assert sorted(_codes(result)) == [
        "member-has-access",
        "platform-mismatch",
        "quota-exceeds-capacity",
        "team-exists",
    ]
