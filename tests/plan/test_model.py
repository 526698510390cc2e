"""Masking what the program sent into plain plan data."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mlplat.plan.model import _RESOURCE_SIG, _SECRET_SIG, _SIG_KEY, _UNKNOWN, SECRET, mask

_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=15,
)


@given(_plain)
def test_plain_data_comes_back_unchanged(value: Any) -> None:
    assert mask(value) == value


@given(_plain, _plain)
def test_secrets_unknowns_and_resource_references_are_replaced_wherever_they_sit(
    secret: Any, plain: Any
) -> None:
    sent = {
        "nested": [{"password": {_SIG_KEY: _SECRET_SIG, "value": secret}}, plain],
        "vpcId": _UNKNOWN,
        "ref": {_SIG_KEY: _RESOURCE_SIG, "urn": "urn:pulumi:dev::mlplat::t::n"},
        "tuple": ("a", 1),
        7: "a key that is not a string",
    }
    assert mask(sent) == {
        "nested": [{"password": SECRET}, plain],
        "vpcId": "[unknown]",
        "ref": "urn:pulumi:dev::mlplat::t::n",
        "tuple": ["a", 1],
        "7": "a key that is not a string",
    }


def test_a_string_of_a_subclass_passes_and_a_value_that_is_not_json_becomes_its_text() -> None:
    class Tag(str):
        pass

    tag = Tag("x")
    assert mask(tag) is tag
    assert mask({"at": complex(1, 2)}) == {"at": "(1+2j)"}
