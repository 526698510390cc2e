"""The plan's stand-ins for SDK hot paths: in place in the pinned SDK, and changing nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Union

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import UNKNOWN
from pulumi.runtime import rpc

from mlplat.plan import sdk_speedups
from mlplat.plan.render import render_json
from tests.conftest import ALL_SPECS, plan_file


def test_every_hook_exists_in_the_pinned_sdk() -> None:
    """A renamed hook would be skipped silently and plans would only get slower: say so."""
    for module, attribute, _ in sdk_speedups._STAND_INS:
        assert callable(getattr(module, attribute, None)), f"{module.__name__}.{attribute}"


def test_the_hooks_are_restored_after_the_block() -> None:
    before = [getattr(module, attribute) for module, attribute, _ in sdk_speedups._STAND_INS]
    with sdk_speedups.faster_sdk(), sdk_speedups.faster_sdk():
        inside = [getattr(m, a) for m, a, _ in sdk_speedups._STAND_INS]
    assert inside == [stand_in for _, _, stand_in in sdk_speedups._STAND_INS]
    assert [getattr(m, a) for m, a, _ in sdk_speedups._STAND_INS] == before


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_a_plan_is_the_same_without_the_stand_ins(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_them = render_json(plan_file(spec))
    monkeypatch.setattr(sdk_speedups, "_STAND_INS", [])
    assert render_json(plan_file(spec)) == with_them


class _OutputTypeLike(dict):
    """A dict subclass, as generated output types are: the walk hands it to the SDK."""


class _Resource:
    """Enough of a resource for transfer_properties: it only sets attributes."""


def _state(output: pulumi.Output[Any], loop: asyncio.AbstractEventLoop) -> tuple[Any, ...]:
    async def read() -> tuple[Any, ...]:
        return (
            await output.future(),
            await output.is_known(),
            await output.is_secret(),
            await output.resources(),
        )

    return loop.run_until_complete(read())


_TRANSFERS = {
    "sdk": lambda: rpc.transfer_properties,
    "stand-in": lambda: sdk_speedups._single_future_properties,
}


@pytest.mark.parametrize("transfer", _TRANSFERS, ids=list(_TRANSFERS))
def test_properties_resolve_as_the_sdk_resolves_them(
    transfer: str, loop: asyncio.AbstractEventLoop
) -> None:
    dependency, res = _Resource(), _Resource()
    props = {"urn": None, "id": None, "arn": None, "tags": None}
    resolvers = _TRANSFERS[transfer]()(res, props, True)
    assert sorted(resolvers) == ["arn", "tags"]
    assert set(vars(res)) == {"arn", "tags"}
    resolvers["arn"]("arn:aws:x", True, True, {dependency}, None)
    resolvers["tags"](None, False, False, None, None)
    assert _state(vars(res)["arn"], loop) == ("arn:aws:x", True, True, {dependency, res})
    assert _state(vars(res)["tags"], loop) == (None, False, False, {res})


@pytest.mark.parametrize("transfer", _TRANSFERS, ids=list(_TRANSFERS))
def test_a_failed_registration_fails_the_properties(
    transfer: str, loop: asyncio.AbstractEventLoop
) -> None:
    res, failure = _Resource(), RuntimeError("refused")
    # Futures nobody awaits (the SDK's is-known and is-secret ones) would log the failure
    # again when collected: that is noise here, not the behaviour under test.
    loop.set_exception_handler(lambda _loop, _context: None)
    resolvers = _TRANSFERS[transfer]()(res, {"arn": None}, True)
    resolvers["arn"](None, False, False, None, failure)
    with pytest.raises(RuntimeError) as raised:
        _state(vars(res)["arn"], loop)
    assert raised.value is failure


def test_unwrapping_is_computed_once_per_annotation_and_agrees() -> None:
    from pulumi import _types

    annotation = pulumi.Input[pulumi.InputType[dict[str, str]]] | None
    calls: list[Any] = []

    def unwrap_type(value: Any) -> Any:
        calls.append(value)
        return _types.unwrap_type(value)

    unwrap = sdk_speedups._memoized(unwrap_type)
    assert unwrap(annotation) == unwrap(annotation) == _types.unwrap_type(annotation)
    assert calls == [annotation]
    unhashable: Any = [str]
    assert unwrap(unhashable) == _types.unwrap_type(unhashable)
    assert calls == [annotation, unhashable]


def test_unwrapping_tells_apart_annotations_that_compare_equal() -> None:
    """Union[int, None] == Union[None, int], but only the first is an Optional[int]."""
    from pulumi import _types

    # Spelt with Union on purpose (ruff prefers `int | None`): the order is the point.
    int_first, none_first = Union[int, None], Union[None, int]  # noqa: UP007
    assert int_first == none_first
    unwrap = sdk_speedups._memoized(_types.unwrap_optional_type)
    assert unwrap(int_first) is int
    with pytest.raises(AssertionError):
        _types.unwrap_optional_type(none_first)
    with pytest.raises(AssertionError):
        unwrap(none_first)


@pytest.mark.parametrize(
    "table", ["resource_types", "resource_pulumi_to_py_names", "resource_py_to_pulumi_names"]
)
def test_class_tables_are_read_once_and_each_caller_gets_its_own_copy(table: str) -> None:
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
    from pulumi import _types

    sdk_table = getattr(_types, table)
    calls: list[type] = []

    def counted(resource_class: type) -> dict[str, Any]:
        calls.append(resource_class)
        return sdk_table(resource_class)

    read = sdk_speedups._memoized_tables(counted)
    for resource_class in (aws.iam.Role, k8s.helm.v3.Release, pulumi.CustomResource):
        first = read(resource_class)
        assert first == read(resource_class) == sdk_table(resource_class)
        first.clear()
        assert read(resource_class) == sdk_table(resource_class)
    assert calls == [aws.iam.Role, k8s.helm.v3.Release, pulumi.CustomResource]
    assert read(aws.iam.Role), "a typed resource has a non-empty table"


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=3)
    | st.just(UNKNOWN),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=2), inner, max_size=3)
        | st.tuples(inner)
        | st.builds(_OutputTypeLike, st.dictionaries(st.text(max_size=2), inner, max_size=2))
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_unknowns_are_found_where_the_sdk_finds_them(value: Any) -> None:
    assert sdk_speedups._contains_unknowns(value) == rpc.contains_unknowns(value)


def test_shared_and_cyclic_values_end_the_walk() -> None:
    shared: dict[str, Any] = {"a": ["x"]}
    cyclic: list[Any] = [shared, shared]
    cyclic.append(cyclic)
    assert sdk_speedups._contains_unknowns(cyclic) is rpc.contains_unknowns(cyclic) is False
    cyclic.append({"late": [UNKNOWN]})
    assert sdk_speedups._contains_unknowns(cyclic) is rpc.contains_unknowns(cyclic) is True
