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
    """prod.yaml with other teams (and, unless given, without its team stacks)."""
    doc = {"apiVersion": "mlplat.dev/v1", "kind": "Platform", "extends": str(STACKS / "prod.yaml")}
    doc |= {"teamStacks": [], **extra}
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


def test_teams_together_may_not_hold_more_than_the_pool(tmp_path):
    teams = [
        {"name": "a", "quota": {"gpus": [{"pool": "gpu-training", "gpus": 20}]}},
        {"name": "b", "quota": {"gpus": [{"pool": "gpu-training", "gpus": 12}]}},
    ]
    assert _platform(tmp_path, teams)[1].ok  # 20 + 12 = 32, the pool's capacity
    teams[1]["quota"]["gpus"][0]["gpus"] = 13
    errors = _platform(tmp_path, teams)[1].errors
    assert [(e.code, e.path[:2]) for e in errors] == [
        ("quota-exceeds-capacity", ("teams", 0)),
        ("quota-exceeds-capacity", ("teams", 1)),
    ]
    assert errors[1].message == (
        "team 'b' asks for 13 GPUs of pool 'gpu-training', but other teams already hold 20 "
        "of its 32 (a 20), which leaves 12"
    )
    assert errors[1].hint.startswith("lower gpus to at most 12")


def test_borrowing_is_how_teams_share_beyond_their_quota(tmp_path):
    teams = [
        {
            "name": "a",
            "quota": {"gpus": [{"pool": "gpu-training", "gpus": 16, "borrowingLimit": 16}]},
        },
        {
            "name": "b",
            "quota": {"gpus": [{"pool": "gpu-training", "gpus": 16, "borrowingLimit": 16}]},
        },
    ]
    assert _platform(tmp_path, teams)[1].ok


def _team_file(tmp_path: Path, name: str, gpus: list) -> str:
    path = tmp_path / f"team-{name}.yaml"
    doc = {
        "apiVersion": "mlplat.dev/v1",
        "kind": "Team",
        "platform": {"stack": "organization/mlplat/prod"},
        "team": {"name": name, "quota": {"gpus": gpus}},
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path.name


def test_team_stacks_quotas_count_with_the_platforms_teams(tmp_path):
    own = [{"name": "a", "quota": {"gpus": [{"pool": "gpu-inference", "gpus": 5}]}}]
    stacks = [
        _team_file(tmp_path, "b", [{"pool": "gpu-inference", "gpus": 2}]),
        _team_file(tmp_path, "c", [{"pool": "gpu-inference", "gpus": 2}]),
    ]
    _, result = _platform(tmp_path, own, teamStacks=stacks)
    errors = [e for e in result.errors if e.code == "quota-exceeds-capacity"]
    # 5 + 2 + 2 = 9 > 8: every team is told what the others leave it.
    assert {(e.location.file.rsplit("/", 1)[-1], e.path[:2]) for e in errors} == {
        ("spec.yaml", ("teams", 0)),
        ("team-b.yaml", ("team", "quota")),
        ("team-c.yaml", ("team", "quota")),
    }
    _, result = _platform(tmp_path, [], teamStacks=stacks)
    assert result.ok
    assert [t.name for t in result.spec.team_stack_teams] == ["b", "c"]


def test_team_stacks_are_checked_like_the_platforms_own_teams(tmp_path):
    stacks = [_team_file(tmp_path, "nlp", []), "missing.yaml"]
    _, result = _platform(tmp_path, [{"name": "nlp"}], teamStacks=stacks)
    assert sorted((e.code, e.location.file.rsplit("/", 1)[-1]) for e in result.errors) == [
        ("file-not-found", "spec.yaml"),
        ("namespace-taken", "team-nlp.yaml"),
        ("team-exists", "team-nlp.yaml"),
    ]


def test_team_stacks_need_tenancy(tmp_path):
    stacks = [_team_file(tmp_path, "b", [])]
    path = tmp_path / "spec.yaml"
    doc = {"extends": str(STACKS / "dev.yaml"), "teamStacks": stacks}
    path.write_text(yaml.safe_dump(doc))
    errors = load_spec(path).errors
    assert ("not-applicable", ("teamStacks",)) in [(e.code, e.path) for e in errors]
    # and the team, judged against this dev platform, says prod:
    assert "platform-mismatch" in [e.code for e in errors]


def test_a_team_stack_gets_what_the_other_teams_leave(tmp_path):
    path = tmp_path / _team_file(tmp_path, "fraud", [{"pool": "gpu-training", "gpus": 9}])
    facts = PlatformFacts(
        gpu_pools={"gpu-training": PoolCapacity(32, "8 a100 per node x maxSize 4")},
        gpu_quotas={"recsys": {"gpu-training": 24}, "fraud": {"gpu-training": 30}},
    )
    (error,) = load_spec(path, facts).errors
    assert error.code == "quota-exceeds-capacity"
    assert "other teams already hold 24 of its 32 (recsys 24), which leaves 8" in error.message


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
