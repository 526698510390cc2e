"""The pull-request comment: its marker, headline and order, its size limit at 100 teams,
and the README's example, regenerated here so it cannot drift."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mlplat.review.comment import GITHUB_LIMIT, MARKER, render_markdown
from mlplat.review.report import Review, build_review
from mlplat.review.sides import load_side
from mlplat.review.text import render_text
from tests.conftest import ROOT
from tests.review.conftest import example_change, example_side, write_variant

README = ROOT / "README.md"
START, END = "<!-- review-example:start -->", "<!-- review-example:end -->"


def _example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Review:
    write_variant(tmp_path / "stacks", example_change)
    base = example_side("prod")
    monkeypatch.chdir(tmp_path)  # so the head's files read as stacks/..., as in CI
    head = load_side("stacks/prod.yaml", "prod")
    base.label = "origin/main:stacks/prod.yaml"
    return build_review(base, head)


def _example_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    comment, _ = render_markdown(_example(tmp_path, monkeypatch))
    return comment


def test_the_readme_example_is_the_comment_mlplat_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set MLPLAT_UPDATE_EXAMPLES=1 to rewrite the README's example after a change."""
    comment = _example_comment(tmp_path, monkeypatch)
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(START + "\n", 1)
    _, after = rest.split(END, 1)
    fresh = f"{before}{START}\n{comment}{END}{after}"
    if os.environ.get("MLPLAT_UPDATE_EXAMPLES") == "1" and fresh != text:
        README.write_text(fresh, encoding="utf-8")
        text = fresh
    assert fresh == text, "README example is stale: rerun with MLPLAT_UPDATE_EXAMPLES=1"


def test_the_comment_leads_with_its_marker_headline_and_the_urgent_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = _example(tmp_path, monkeypatch)
    comment, _ = render_markdown(review)
    assert comment.startswith(MARKER.format(stack="prod") + "\n")
    headline = comment.splitlines()[3]
    assert "✅ ready to merge" in headline and "policy passed" in headline
    counts = review.diff.counts()
    assert counts["update"] == 2 and counts["delete"] == 2 and counts["replace"] == 0
    assert f"+{counts['create']} create · ~2 update · ±0 replace · -2 delete" in headline
    assert "teams affected: vision" in headline and "/month at min" in headline
    order = [
        comment.index(s)
        for s in (
            "Destructive",
            "Security",
            "Policy findings",
            "Cost",
            "What changed",
            f"All {len(review.diff.changes)} changes",
        )
    ]
    assert order == sorted(order)
    assert "```mermaid" in comment and "classDef added" in comment


def _hundred_teams(doc: dict) -> None:
    """prod's teams replaced by 100 (GPU quota for the first 24: the training pool holds 32)."""
    doc["teams"] = [
        {
            "name": f"team-{i:03d}",
            "members": {"admins": [f"arn:aws:iam::111122223333:role/team-{i:03d}-admins"]},
            "quota": {
                "cpu": "8",
                "memory": "32Gi",
                "gpus": [{"pool": "gpu-training", "gpus": 1}] if i < 24 else [],
            },
        }
        for i in range(100)
    ]


def test_a_hundred_teams_fit_one_comment_and_the_summary_keeps_every_row(
    tmp_path: Path,
) -> None:
    head = load_side(str(write_variant(tmp_path, _hundred_teams)), "prod")
    review = build_review(example_side("prod"), head)
    assert len(review.teams) == 102 and review.diff.counts()["create"] >= 1500
    comment, summary = render_markdown(review)
    assert len(comment) < GITHUB_LIMIT
    assert "job summary" in comment
    assert len(summary) > len(comment)
    for i in (0, 57, 99):
        assert f"namespace team-{i:03d}" in summary
    # Removing recsys and nlp deletes their namespaces: destructive, unacknowledged.
    assert review.blocked and "❌ blocked" in comment
    assert re.search(r"Destructive changes: \d+ \(\d+ unacknowledged\)", comment)
    assert len(render_text(review)) > 0


def test_text_output_says_what_blocks() -> None:
    prod = example_side("prod")
    text = render_text(build_review(prod, prod))
    assert text.startswith("mlplat diff: stack prod:")
    assert "ready to merge" in text and "+0 create" in text
