"""Every bound the schema sets, at and just past its edge, in every example that can hold
it: past the edge is an out-of-range error at the field, at the edge is none, and
neither crashes. Fields come from the schema, so a new bounded field is covered as
soon as it is added."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
import yaml

from mlplat.spec import load_spec
from mlplat.spec.errors import render_path
from mlplat.spec.layering import resolve
from tests.conftest import ALL_SPECS
from tests.mutations import locations, root_schema

BOUNDS = (("minimum", -1), ("maximum", 1))


@cache
def _bounded() -> list[tuple[str, tuple, str, int]]:
    """(example, path, keyword, bound) for the first place each bounded field can take,
    in any example (team fields appear only in kind: Team documents)."""
    found, seen = [], set()
    for spec in ALL_SPECS:
        doc, _, _ = resolve(spec)
        for path, node, _ in locations(doc.data, root_schema(doc.data)):
            field = tuple("*" if isinstance(p, int) else p for p in path)
            for keyword, _ in BOUNDS:
                if keyword in node and (field, keyword) not in seen:
                    seen.add((field, keyword))
                    found.append((spec.stem, path, keyword, node[keyword]))
    return found


def _load_with(tmp_path: Path, example: str, path: tuple, value: int):
    doc, _, _ = resolve(next(s for s in ALL_SPECS if s.stem == example))
    data = copy.deepcopy(doc.data)
    parent = data
    for part in path[:-1]:
        parent = parent.setdefault(part, {}) if isinstance(parent, dict) else parent[part]
    parent[path[-1]] = value
    spec = tmp_path / f"{example}.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_spec(spec)


def test_the_examples_reach_the_bounded_fields():
    fields = {
        render_path(tuple(0 if isinstance(p, int) else p for p in path))
        for _, path, _, _ in _bounded()
    }
    assert {
        "network.availabilityZones",
        "nodePools[0].maxSize",
        "nodePools[0].diskSizeGiB",
        "database.backupRetentionDays",
        "services.mlflow.replicas",
        "services.monitoring.storageGiB",
        "team.quota.gpus[0].gpus",
    } <= fields


@pytest.mark.parametrize(
    ("example", "path", "keyword", "bound"),
    _bounded(),
    ids=[f"{e}:{render_path(p)}:{k}" for e, p, k, _ in _bounded()],
)
def test_a_bound_is_held_at_its_edge(tmp_path, example, path, keyword, bound):
    step = dict(BOUNDS)[keyword]
    past = _load_with(tmp_path, example, path, bound + step)
    assert ("out-of-range", path) in [(e.code, e.path) for e in past.errors]
    at = _load_with(tmp_path, example, path, bound)
    assert ("out-of-range", path) not in [(e.code, e.path) for e in at.errors]
