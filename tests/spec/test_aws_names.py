"""Physical names: every one in every example plan, and in specs at the limits validate
accepts, fits AWS's limit (computed as the engine names it); one character more is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlplat.spec import load_spec
from mlplat.spec.aws_names import (
    AUTONAME_SUFFIX,
    NAME_PREFIX_SUFFIX,
    PHYSICAL_NAMES,
    UNNAMED,
)
from mlplat.spec.errors import render_path
from tests.conftest import ALL_SPECS, STACKS, plan_file, planned

ADMIN = "arn:aws:iam::111122223333:role/platform-admin"
LABEL_KEY = "example.com/" + "l" * 63
"""The longest label key a scale-from-zero pool may carry: its tag key is 46 + 75 = 121."""


def _dig(values: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(values, dict):
            return None
        values = values.get(part)
    return values


def physical_names(plan) -> list[tuple[str, str, int]]:
    """(URN, physical name as AWS would see it, AWS's limit) of every named AWS resource."""
    found = []
    for resource in plan.resources:
        if not resource.type.startswith("aws:"):
            continue
        rule = PHYSICAL_NAMES.get(resource.type)
        if rule is None:
            assert resource.type in UNNAMED, f"{resource.type}: add it to aws_names"
            continue
        name = _dig(resource.inputs, rule.field)
        prefix = resource.inputs.get(rule.prefix_field) if rule.prefix_field else None
        if name is None and prefix is not None:
            name = prefix + "x" * NAME_PREFIX_SUFFIX
        elif name is None:
            assert rule.autonamed, f"{resource.urn} has no {rule.field}"
            name = resource.name + "-" + "x" * (AUTONAME_SUFFIX - 1)
        found.append((resource.urn, str(name), rule.limit))
    return found


def _over(plan) -> list[str]:
    return [
        f"{urn}: {len(n)} > {limit}" for urn, n, limit in physical_names(plan) if len(n) > limit
    ]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_every_physical_name_in_the_examples_fits(spec) -> None:
    assert _over(planned(spec)) == []


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _team(name: str, repositories: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "members": {"admins": [f"arn:aws:iam::111122223333:role/{name[:20]}"]},
        "quota": {"cpu": "8", "memory": "32Gi"},
        "repositories": repositories,
    }


def _on_prod(platform: str, pool: str, team: str) -> dict[str, Any]:
    """prod.yaml (every service, Feast's ElastiCache included) renamed at the limits."""
    return {
        "apiVersion": "mlplat.dev/v1",
        "kind": "Platform",
        "extends": str(STACKS / "prod.yaml"),
        "metadata": {"name": platform},
        "registry": {"scopeTeamRepositories": True},
        "nodePools": [
            {"name": pool, "instanceTypes": ["m7i.xlarge"], "minSize": 2, "maxSize": 4},
            {
                "name": "t" + pool[1:],
                "instanceTypes": ["p4d.24xlarge"],
                "minSize": 0,
                "maxSize": 2,
                "efa": True,
                "availabilityZone": "eu-west-1a",
                "labels": {LABEL_KEY: "v"},
                "taints": [{"key": LABEL_KEY, "value": "v", "effect": "NoSchedule"}],
            },
        ],
        "teams": [_team(team, ["r" * 200])],
        "teamStacks": [],  # prod's team stack names prod's pools, renamed here
    }


def _cloud_only(platform: str, pool: str, team: str) -> dict[str, Any]:
    """A 24-character platform (the most validate accepts) with no Feast online store."""
    return {
        "apiVersion": "mlplat.dev/v1",
        "kind": "Platform",
        "metadata": {"name": platform, "environment": "prod", "owner": "platform-team"},
        "cloud": {"provider": "aws", "region": "eu-west-1"},
        "network": {"interfaceEndpoints": ["ecr", "sts"]},
        "cluster": {"admins": [ADMIN]},
        "nodePools": [{"name": pool, "instanceTypes": ["m7i.large"], "minSize": 0}],
        "registry": {
            "scanning": "enhanced",
            "repositories": [{"name": "m" * 200}],
            "pullThroughCache": [{"prefix": "c" * 30, "upstream": "registry.k8s.io"}],
        },
        "services": {"autoscaling": {}, "monitoring": {}},
        "teams": [_team(team, ["r" * 200])],
    }


LIMITS = {
    # platform + pool <= 45 (the node role), platform + team <= 36 (the team role), and
    # with Feast's ElastiCache a platform of at most 19 (its replication group id).
    "prod-at-the-limits": (_on_prod, 19, 26, 17),
    "cloud-at-the-limits": (_cloud_only, 24, 21, 12),
}


def _name(first: str, length: int) -> str:
    return first + "a" * (length - 1)


def _at_limits(case: str, tmp: Path) -> Path:
    build, platform, pool, team = LIMITS[case]
    document = build(_name("p", platform), _name("q", pool), _name("t", team))
    return _write(tmp / f"{case}.yaml", document)


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_specs_at_the_limits_validate_and_every_physical_name_fits(case, tmp_path) -> None:
    path = _at_limits(case, tmp_path)
    result = load_spec(path)
    assert result.spec is not None, [e.format() for e in result.errors]
    plan = plan_file(path, stack="prod")
    assert _over(plan) == []
    lengths = {urn.rsplit("::", 1)[-1]: len(n) for urn, n, _ in physical_names(plan)}
    assert max(lengths.values()) > 60  # the names really are long


@pytest.mark.parametrize(
    ("case", "grow", "path"),
    [
        ("prod-at-the-limits", "pool", "nodePools[0].name"),
        ("prod-at-the-limits", "team", "teams[0].name"),
        ("prod-at-the-limits", "platform", "metadata.name"),
        ("cloud-at-the-limits", "pool", "nodePools[0].name"),
        ("cloud-at-the-limits", "team", "teams[0].name"),
    ],
)
def test_one_character_more_is_refused_with_the_arithmetic(case, grow, path, tmp_path) -> None:
    build, platform, pool, team = LIMITS[case]
    sizes = {"platform": platform, "pool": pool, "team": team}
    sizes[grow] += 1
    document = build(
        _name("p", sizes["platform"]), _name("q", sizes["pool"]), _name("t", sizes["team"])
    )
    result = load_spec(_write(tmp_path / "longer.yaml", document))
    errors = [e for e in result.errors if e.code == "name-too-long"]
    assert errors, [e.format() for e in result.errors]
    assert render_path(errors[0].path) == path
    assert "Pulumi's random suffix" in errors[0].message
    assert "AWS allows" in errors[0].message


def test_a_label_key_too_long_for_a_template_tag_is_refused(tmp_path) -> None:
    document = _cloud_only(_name("p", 10), _name("q", 10), _name("t", 10))
    # 46 characters of template prefix + an 85-character key = 131 > 128.
    document["nodePools"][0]["labels"] = {"a" * 40 + ".com/" + "l" * 40: "v"}
    result = load_spec(_write(tmp_path / "label.yaml", document))
    # One error for one problem (tag_checks), not a second one from the name table.
    (error,) = result.errors
    assert error.code == "tag-invalid" and "Auto Scaling group tag" in error.message
