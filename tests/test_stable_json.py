"""The JSON writer: the standard library's text, faster, and never a refusal."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections import OrderedDict

import pytest
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


class _Name(str):
    pass


class _MaskedDict(dict):
    """A dict subclass that shows other values than it stores: the standard library asks it."""

    def items(self):  # type: ignore[override]
        return [(key, "***") for key in self]


@pytest.mark.parametrize(
    "value",
    [
        {"b": 2**70, "a": "é"},  # beyond 64 bits
        {1: "x"},  # a key that is not a string
        {_Name("b"): _Name("x"), "a": [_Name("y")]},
        _MaskedDict(a=1, b=2),
        OrderedDict([("b", 1), ("a", 2)]),
    ],
    ids=["big-int", "int-key", "str-subclass", "dict-subclass", "ordered-dict"],
)
def test_what_orjson_would_refuse_or_write_otherwise_is_written_by_the_standard_library(
    value: object,
) -> None:
    assert stable_json.dumps(value) == _standard(value)


@pytest.mark.parametrize(
    "value", [{"at": datetime.date(2026, 11, 25)}, [dataclasses.make_dataclass("D", ["z"])(1)]]
)
def test_what_the_standard_library_refuses_is_still_refused(value: object) -> None:
    with pytest.raises(TypeError):
        stable_json.dumps(value)


@given(st.floats(min_value=-1e-4, max_value=1e-4, allow_nan=False))
def test_small_floats_may_be_spelt_otherwise_but_read_back_the_same(value: float) -> None:
    assert json.loads(stable_json.dumps({"x": value})) == {"x": value}


def test_not_a_number_is_written_as_null() -> None:
    text = stable_json.dumps({"tiny": 1e-05, "nan": math.nan, "big": -math.inf})
    assert json.loads(text) == {"tiny": 1e-05, "nan": None, "big": None}
    assert "0.00001" in text
