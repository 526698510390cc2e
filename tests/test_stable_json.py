"""The JSON writer: the standard library's text, faster, and never a refusal."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from mlplat import stable_json


def _standard(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Floats below 1e-4 and non-finite ones are the documented differences.
_floats = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda f: f == 0 or abs(f) >= 1e-4
)
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | _floats | st.text()
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_values)
def test_writes_what_the_standard_library_writes(value: object) -> None:
    assert stable_json.dumps(value) == _standard(value)


def test_a_value_orjson_refuses_is_written_by_the_standard_library() -> None:
    huge = {"b": 2**70, "a": "é"}
    assert stable_json.dumps(huge) == _standard(huge)
    assert stable_json.dumps({1: "x"}) == _standard({1: "x"})


def test_the_documented_differences_are_still_json_with_the_same_values() -> None:
    value = {"tiny": 1e-05, "nan": math.nan}
    text = stable_json.dumps(value)
    assert json.loads(text) == {"tiny": 1e-05, "nan": None}
    assert "0.00001" in text
