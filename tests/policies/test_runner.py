"""The in-process runner's own mechanics (the controls are tested in test_controls.py)."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from mlplat.policies.runner import UNKNOWN_MARKER, _call, wire

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


class _Labels(dict[str, Any]):
    """A mapping that is not a plain dict: it takes the general rules."""


class _Marker(str):
    """A string subclass, as enums of the SDK's are."""


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from([UNKNOWN_MARKER, _Marker(UNKNOWN_MARKER), "x", _Marker("y")])
    | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=2), inner, max_size=3)
        | st.builds(_Labels, st.dictionaries(st.text(max_size=2), inner, max_size=2))
    ),
    max_leaves=12,
)


def _engine_shape(value: Any) -> Any:
    """What the engine sends for a plan-JSON value, by the rules alone: mappings as dicts,
    sequences as lists, integers (not booleans) as floats, the unknown marker as the
    proxy's sentinel."""
    if isinstance(value, Mapping):
        return {k: _engine_shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_engine_shape(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return UNKNOWN_STRING_VALUE if value == UNKNOWN_MARKER else value


def _typed(value: Any) -> Any:
    """``value`` with each leaf's type next to it, so 1 and 1.0 and True differ."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value), value)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_wire_follows_the_engine_rules_for_plain_and_other_values(value: Any) -> None:
    assert _typed(wire(value)) == _typed(_engine_shape(value))
