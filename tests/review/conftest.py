"""Review fixtures: the prod example and real changes to it, each planned once."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mlplat.review.report import Review, build_review
from mlplat.review.sides import Side, load_side
from tests.conftest import STACKS

Edit = Callable[[dict[str, Any]], None]


def write_variant(
    folder: Path,
    edit: Edit,
    source: Path = STACKS / "prod.yaml",
    others: dict[str, Edit] | None = None,
) -> Path:
    """``source`` with ``edit`` applied, written as ``folder/<same name>`` next to copies of
    the other example files (so ``extends`` and ``teamStacks`` resolve and the stack name
    is unchanged); ``others`` edits those copies by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "base").exists():
        shutil.copytree(STACKS / "base", folder / "base")
    for other in STACKS.glob("*.yaml"):
        if other.name != source.name and not (folder / other.name).exists():
            shutil.copy(other, folder / other.name)
    for name, change in (others or {}).items():
        doc = yaml.safe_load((folder / name).read_text())
        change(doc)
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False))
    doc = yaml.safe_load(source.read_text())
    edit(doc)
    path = folder / source.name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def example_change(doc: dict[str, Any]) -> None:
    """The README's example (also bench/review_bench.py's): a bigger training pool, a new
    team, a repository retired."""
    pool(doc, "gpu-training")["maxSize"] = 6
    doc["teams"].append(
        {
            "name": "vision",
            "members": {"admins": ["arn:aws:iam::111122223333:role/vision-leads"]},
            "quota": {
                "cpu": "32",
                "memory": "128Gi",
                "gpus": [{"pool": "gpu-inference", "gpus": 2}],
            },
        }
    )
    doc["registry"]["repositories"] = [
        r for r in doc["registry"]["repositories"] if r["name"] != "models"
    ]
    doc["review"] = {
        "acknowledge": [
            {"resource": "mlplat-prod-models", "reason": "models now live in the artifacts bucket"}
        ]
    }


@cache
def example_side(name: str) -> Side:
    """An example stack planned once, as a review side."""
    return load_side(str(STACKS / f"{name}.yaml"), name)


def review_of(base: Side, head: Side) -> Review:
    return build_review(base, head)


def pool(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in doc["nodePools"] if p["name"] == name)
