"""The replacement table covers every type the examples declare, under the SDK's names."""

from __future__ import annotations

import importlib
import re

import pytest
from pulumi._types import input_type_py_to_pulumi_names

from mlplat.review.replacements import ALL_INPUTS, RULES, replacing_paths
from tests.conftest import ALL_SPECS, planned


def _example_types() -> set[str]:
    return {r.type for spec in ALL_SPECS for r in planned(spec).resources if r.custom}


def test_every_type_in_the_example_plans_is_in_the_table() -> None:
    missing = _example_types() - set(RULES)
    assert not missing, f"add these to mlplat/review/replacements.py: {sorted(missing)}"


def _args_class(token: str) -> type:
    """The resource's own Args class (its module, not a same-named nested input type)."""
    module, resource = token.split(":")[1].split("/")[0], token.rsplit(":", 1)[-1]
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", resource).lower()
    found = importlib.import_module(f"pulumi_aws.{module}.{snake}")
    # Where a nested input type already took the name, the SDK calls it <Name>InitArgs.
    return getattr(found, f"{resource}InitArgs", None) or getattr(found, f"{resource}Args")


@pytest.mark.parametrize("token", sorted(t for t in RULES if t.startswith("aws:")))
def test_aws_paths_name_real_inputs_of_the_installed_sdk(token: str) -> None:
    inputs = set(input_type_py_to_pulumi_names(_args_class(token)).values())
    for path in RULES[token].paths:
        assert path.split(".")[0].removesuffix("[*]") in inputs, f"{token}: {path}"


def test_every_rule_names_its_source() -> None:
    for token, rule in RULES.items():
        assert rule.paths and rule.source, token


def test_a_forcing_path_is_found_only_when_its_value_changes() -> None:
    group = "aws:eks/nodeGroup:NodeGroup"
    old = {"instanceTypes": ["m7i.large"], "launchTemplate": {"id": "lt-1", "version": "1"}}
    assert replacing_paths(group, old, old) == []
    new = {**old, "launchTemplate": {"id": "lt-1", "version": "2"}}
    assert replacing_paths(group, old, new) == []
    new = {**old, "launchTemplate": {"id": "lt-2", "version": "1"}}
    assert replacing_paths(group, old, new) == ["launchTemplate.id"]
    assert replacing_paths("x:unknown:Type", old, new) == []


def test_kubernetes_names_and_all_input_rules() -> None:
    ns = "kubernetes:core/v1:Namespace"
    old = {"metadata": {"name": "a", "labels": {"x": "1"}}}
    assert replacing_paths(ns, old, {"metadata": {"name": "a", "labels": {"x": "2"}}}) == []
    assert replacing_paths(ns, old, {"metadata": {"name": "b"}}) == ["metadata.name"]
    password = "random:index/randomPassword:RandomPassword"
    assert replacing_paths(password, {"length": 32}, {"length": 40}) == [ALL_INPUTS]
