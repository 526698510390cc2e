"""The in-process runner's own mechanics (the controls are tested in test_controls.py)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from mlplat.policies.runner import _call

OPEN_FILES = Path("/proc/self/fd")


@pytest.mark.skipif(not OPEN_FILES.is_dir(), reason="counts open files through Linux's /proc")
def test_an_async_rule_runs_to_its_end_and_leaves_no_event_loop_open() -> None:
    reported: list[str] = []

    async def validate(args: Any, report: Any) -> None:
        report(f"checked {args}")

    gc.disable()  # as during a plan: an unclosed loop would keep its file handles
    try:
        before = len(list(OPEN_FILES.iterdir()))
        for n in range(20):
            _call(validate, n, reported.append)
        after = len(list(OPEN_FILES.iterdir()))
    finally:
        gc.enable()
    assert reported == [f"checked {n}" for n in range(20)]
    assert after <= before, "each unclosed loop keeps three file handles"  # others may close
