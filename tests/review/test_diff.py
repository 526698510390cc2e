"""The diff on real changes to the prod example, each planned by the real program."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mlplat.cli import main
from mlplat.review.diff import Action, changed_paths, diff_plans
from mlplat.review.report import build_review
from mlplat.review.sides import Side, load_side
from tests.review.conftest import example_side, pool, write_variant

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory):
    """name -> head side, planned once per module."""
    made: dict[str, Side] = {}

    def get(name: str, edit, others=None) -> Side:
        if name not in made:
            path = write_variant(tmp_path_factory.mktemp(name), edit, others=others)
            made[name] = load_side(str(path), "prod")
        return made[name]

    return get


def _one(review, action: Action, name: str):
    found = [c for c in review.diff.of(action) if c.name == name]
    assert len(found) == 1, [(c.action, c.name) for c in review.diff.changes]
    return found[0]


def test_the_same_spec_changes_nothing() -> None:
    prod = example_side("prod")
    review = build_review(prod, prod)
    assert review.diff.changes == []
    assert review.diff.unchanged == len([r for r in prod.plan["resources"] if r["custom"]])
    assert not review.blocked and not review.security and not review.diagram


def test_resizing_a_gpu_pool_updates_it_in_place_and_moves_its_gpu_hours(variants) -> None:
    head = variants("resize", lambda d: pool(d, "gpu-training").update(maxSize=6))
    review = build_review(example_side("prod"), head)
    assert review.diff.counts() == {"create": 0, "update": 1, "replace": 0, "delete": 0}
    change = _one(review, Action.UPDATE, "mlplat-prod-gpu-training-ng")
    assert [(p.path, p.old, p.new, p.replaces) for p in change.paths] == [
        ("scalingConfig.maxSize", 4.0, 6.0, False)
    ]
    # 2 more p4d.24xlarge nodes of 8 A100s each, all month.
    added = review.cost_head.gpu_hours_max - review.cost_base.gpu_hours_max
    assert added == 2 * 8 * 730
    training = next(i for i in review.cost_head.items if "gpu-training: 0-6" in i.what)
    assert training.monthly_max is None and "June 2025" in training.price.reason
    assert not review.destructive and not review.blocked
    assert "n_NodePool_mlplat_prod_gpu_training" in review.diagram


def test_a_new_instance_type_replaces_the_node_group_without_destroying_state(variants) -> None:
    head = variants("itype", lambda d: pool(d, "general").update(instanceTypes=["m7g.4xlarge"]))
    review = build_review(example_side("prod"), head)
    change = _one(review, Action.REPLACE, "mlplat-prod-general-ng")
    (path,) = change.paths
    assert (path.path, path.replaces) == ("instanceTypes", True)
    assert path.new == ["m7g.4xlarge"]
    assert review.diff.counts()["replace"] == 1
    assert review.destructive == [] and not review.blocked


def test_a_new_team_is_created_and_named_among_the_teams_affected(variants) -> None:
    team = {
        "name": "vision",
        "members": {"admins": ["arn:aws:iam::111122223333:role/vision-leads"]},
        "quota": {"cpu": "32", "memory": "128Gi", "gpus": [{"pool": "gpu-inference", "gpus": 2}]},
    }
    head = variants("team", lambda d: d["teams"].append(team))
    review = build_review(example_side("prod"), head)
    counts = review.diff.counts()
    assert counts["create"] > 10 and counts["delete"] == 0 and counts["replace"] == 0
    assert review.teams == ["vision"]
    created = {c.type for c in review.diff.of(Action.CREATE)}
    assert {
        "kubernetes:core/v1:Namespace",
        "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue",
        "aws:eks/accessEntry:AccessEntry",
        "aws:iam/role:Role",
    } <= created
    widened = {(r.kind, r.scope) for r in review.widened}
    assert ("rbac-binding", "vision") in widened
    assert ("eks-access", "EKS cluster") in widened
    assert ("trust", "role mlplat-prod-team-vision-workload-role") in widened
    assert "team vision" in review.diagram and "|2 GPUs|" in review.diagram


def test_widening_a_trust_policy_is_reported_as_widened_and_nothing_narrowed(variants) -> None:
    def second_namespace(doc) -> None:
        nlp = next(t for t in doc["teams"] if t["name"] == "nlp")
        nlp["namespaces"] = ["nlp", "nlp-serving"]

    review = build_review(example_side("prod"), variants("iam", second_namespace))
    rows = [r for r in review.security if r.scope == "role mlplat-prod-team-nlp-workload-role"]
    assert [r.direction for r in rows] == ["widened"]
    assert "system:serviceaccount:nlp-serving:workload" in rows[0].detail
    assert "sts:AssumeRoleWithWebIdentity" in rows[0].detail
    assert not [r for r in review.security if r.direction == "narrowed"]


def test_opening_a_network_policy_is_reported_per_namespace(variants) -> None:
    def team_stack(doc) -> None:  # prod's team stack must say what its platform does
        doc["platform"]["workloadIdentity"] = "podIdentity"

    head = variants(
        "netpol",
        lambda d: d["cluster"].update(workloadIdentity="podIdentity"),
        {"team-fraud.yaml": team_stack},
    )
    review = build_review(example_side("prod"), head)
    opened = [r for r in review.widened if r.kind == "netpol"]
    # Teams and every platform namespace whose pods hold an AWS identity.
    assert {r.scope for r in opened} == {
        "namespace nlp",
        "namespace recsys",
        "namespace recsys-batch",
        "namespace airflow",
        "namespace mlflow",
        "namespace feast",
        "namespace platform",
    }
    assert all("to 169.254.170.23/32 on TCP 80" in r.detail for r in opened)
    # The IRSA trust is gone and the Pod Identity trust is new: one row each way.
    trust = [r for r in review.security if r.kind == "trust"]
    assert {r.direction for r in trust} == {"widened", "narrowed"}


def _without_database(plan: dict) -> dict:
    head = copy.deepcopy(plan)
    head["resources"] = [r for r in head["resources"] if "mlplat:index:Database" not in r["urn"]]
    return head


def test_deleting_the_database_is_destructive_first_and_blocks(tmp_path: Path) -> None:
    prod = example_side("prod")
    head = Side("head-plan.json", _without_database(prod.plan), prod.spec, prod.source)
    review = build_review(prod, head)
    database = [d for d in review.destructive if d.change.type == "aws:rds/instance:Instance"]
    assert len(database) == 1
    assert database[0].change.action is Action.DELETE
    assert database[0].protected and database[0].retained
    assert review.blocked and review.unacknowledged
    assert not any(d.change.type == "aws:rds/subnetGroup:SubnetGroup" for d in review.destructive)


def test_the_cli_exits_1_on_an_unacknowledged_delete_and_0_once_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = example_side("prod")
    base_file, head_file = tmp_path / "base.json", tmp_path / "head.json"
    base_file.write_text(json.dumps(prod.plan))
    head_plan = _without_database(prod.plan)
    head_file.write_text(json.dumps(head_plan))
    assert main(["diff", str(base_file), str(head_file)]) == 1
    err = capsys.readouterr().err
    assert "error[destructive] delete urn:pulumi:prod::mlplat::mlplat:index:Database$" in err

    # The head plan's spec acknowledges it: read again from the plan's specFiles.
    spec = write_variant(
        tmp_path / "acked",
        lambda d: d.setdefault("review", {}).update(
            acknowledge=[
                {"resource": "mlplat-prod-db", "reason": "moving to Aurora (ticket DB-12)"},
                {"resource": "mlplat-prod-db-logs", "reason": "its logs go with it"},
            ]
        ),
    )
    head_plan["specFiles"] = [str(spec)]
    head_file.write_text(json.dumps(head_plan))
    assert main(["diff", str(base_file), str(head_file), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "✅ moving to Aurora (ticket DB-12)" in out


def test_removing_a_protected_repository_in_the_spec_is_destructive(variants) -> None:
    def drop_models(doc) -> None:
        doc["registry"]["repositories"] = [
            r for r in doc["registry"]["repositories"] if r["name"] != "models"
        ]

    review = build_review(example_side("prod"), variants("repo", drop_models))
    (item,) = [d for d in review.destructive if d.change.type == "aws:ecr/repository:Repository"]
    assert item.change.name == "mlplat-prod-models" and item.acknowledged is None
    assert review.blocked


def test_an_aliased_rename_is_an_update_not_a_replacement() -> None:
    """The add-ons that moved under EksAddons answer to their old URNs through aliases:
    a base plan holding them at those URNs diffs as renames, with nothing recreated."""
    prod = example_side("prod")
    aliased = [
        r
        for r in prod.plan["resources"]
        if r["custom"] and r["options"]["aliases"] and r["type"].startswith("aws:")
    ]
    assert aliased, "the prod example declares aliased resources"
    base = copy.deepcopy(prod.plan)
    moved = {r["urn"]: r["options"]["aliases"][0] for r in aliased}
    for resource in base["resources"]:
        if resource["urn"] in moved:
            resource["urn"] = moved[resource["urn"]]
    review = build_review(Side("base.json", base), prod)
    assert review.diff.counts() == {
        "create": 0,
        "update": len(aliased),
        "replace": 0,
        "delete": 0,
    }
    assert {c.renamed_from for c in review.diff.changes} == set(moved.values())
    assert all(c.paths == [] for c in review.diff.changes)
    assert not review.destructive


def test_a_move_without_an_alias_is_a_delete_and_create_with_a_hint() -> None:
    prod = example_side("prod")
    base = copy.deepcopy(prod.plan)
    key = next(r for r in base["resources"] if r["type"] == "aws:kms/key:Key")
    key["urn"] = key["urn"].replace("mlplat:index:PlatformKey$", "mlplat:index:OldKey$")
    review = build_review(Side("base.json", base), prod)
    assert review.diff.counts()["create"] == review.diff.counts()["delete"] == 1
    (create,) = review.diff.of(Action.CREATE)
    assert "add aliases=" in create.hint and "OldKey" in create.hint
    (destroyed,) = review.destructive
    assert destroyed.change.action is Action.DELETE and destroyed.protected


def test_changed_paths_mask_secrets_and_sensitive_keys() -> None:
    old = {"authToken": "a", "values": {"password": "x", "user": "u"}, "data": "[secret]"}
    new = {"authToken": "b", "values": {"password": "y", "user": "v"}, "data": "changed"}
    assert list(changed_paths(old, new)) == [
        ("authToken", "[secret]", "[secret]"),
        ("data", "[secret]", "[secret]"),
        ("values.password", "[secret]", "[secret]"),
        ("values.user", "u", "v"),
    ]


def test_an_unknown_type_is_said_to_be_unknown() -> None:
    def plan(value: str) -> dict:
        resource = {
            "urn": "urn:pulumi:s::p::x:y:Z::a",
            "type": "x:y:Z",
            "name": "a",
            "custom": True,
            "inputs": {"k": value},
            "options": {},
        }
        return {"resources": [resource]}

    (change,) = diff_plans(plan("1"), plan("2")).changes
    assert change.action is Action.UPDATE
    assert "not in mlplat/review/replacements.py" in change.note


def test_locate_maps_the_namespaces_kubernetes_base_creates() -> None:
    from mlplat.components.services import airflow, feast, mlflow
    from mlplat.review.locate import SERVICE_NAMESPACES

    assert set(SERVICE_NAMESPACES) == {airflow.NAMESPACE, mlflow.NAMESPACE, feast.NAMESPACE}
