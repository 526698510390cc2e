"""The plan's stand-ins for SDK hot paths: in place in the pinned SDK, and changing nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Union

import pulumi
import pytest
from google.protobuf import json_format
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

    return loop.run_until_complete(asyncio.wait_for(read(), timeout=10))  # fail, never hang


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


_INPUTS = st.dictionaries(
    st.sampled_from(["name", "tags", "policy", "arn", "description"]),
    st.none() | st.text(max_size=3) | st.dictionaries(st.text(max_size=2), st.none() | _VALUES),
    max_size=5,
)


def _serialized(serialize: Any, inputs: Any) -> tuple[Any, dict[str, Any]]:
    """The struct and dependencies ``serialize`` makes of ``inputs``, or the error it raises
    (protobuf refuses NaN and infinities, whoever hands them over)."""
    loop = asyncio.new_event_loop()
    try:
        deps: dict[str, Any] = {}
        struct = loop.run_until_complete(serialize(inputs, deps))
        return json_format.MessageToDict(struct), deps
    except ValueError as error:
        return repr(error), deps
    finally:
        loop.close()


@settings(max_examples=200, deadline=None)
@given(_INPUTS)
def test_inputs_serialise_as_through_the_sdk(inputs: dict[str, Any]) -> None:
    ours = _serialized(sdk_speedups._serialize_set_properties, inputs)
    assert ours == _serialized(rpc.serialize_properties, inputs)
    if not isinstance(ours[0], str):
        assert set(ours[1]) == {k for k, v in inputs.items() if v is not None}


def test_inputs_are_read_as_serialisation_reaches_them() -> None:
    """The SDK reads each input only after serialising the ones before it: a value set
    meanwhile counts, as it does there."""

    def inputs() -> dict[str, Any]:
        later: dict[str, Any] = {"first": None, "second": "kept", "third": None}

        async def set_the_rest() -> str:
            later["third"] = "set while the first was serialised"
            later["second"] = None
            return "first"

        later["first"] = set_the_rest()
        return later

    ours = _serialized(sdk_speedups._serialize_set_properties, inputs())
    assert ours == _serialized(rpc.serialize_properties, inputs())
    assert ours[0] == {"first": "first", "third": "set while the first was serialised"}


def test_serialisation_options_reach_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    async def sdk(inputs: Any, deps: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((dict(inputs), deps, args, kwargs))
        return None

    monkeypatch.setattr(sdk_speedups, "_sdk_serialize_properties", sdk)
    deps: dict[str, Any] = {}
    options = {"keep_output_values": True, "exclude_resource_refs_from_deps": True}
    coroutine = sdk_speedups._serialize_set_properties({"a": 1}, deps, "res", str.upper, **options)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coroutine)
    finally:
        loop.close()
    assert calls == [({"a": 1}, deps, ("res", str.upper), options)]
    assert calls[0][1] is deps


def test_a_dict_subclass_is_serialised_whole_by_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    async def sdk(inputs: Any, deps: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(inputs)
        return await rpc.serialize_properties(inputs, deps, *args, **kwargs)

    monkeypatch.setattr(sdk_speedups, "_sdk_serialize_properties", sdk)
    labels = _OutputTypeLike(a=None, b="x")
    assert _serialized(sdk_speedups._serialize_set_properties, labels)[0] == {"b": "x"}
    assert seen == [labels] and seen[0] is labels
    _serialized(sdk_speedups._serialize_set_properties, {"a": None, "b": "x"})
    assert dict(seen[1]) == {"b": "x"}


@pytest.fixture(params=[True, False], ids=["stand-ins", "sdk"])
def run(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run a program as a plan does, with the stand-ins and without them."""
    from mlplat.plan.placeholders import CloudContext
    from mlplat.plan.runtime import run_program

    if not request.param:
        monkeypatch.setattr(sdk_speedups, "_STAND_INS", [])
    return lambda program: run_program(
        program, stack="dev", config={}, ctx=CloudContext(region="eu-west-1")
    )


# Property Outputs are not tracked: a fault must still fail the plan, as it does in the SDK.


def test_a_failed_read_still_fails_the_plan(run: Any) -> None:
    from mlplat.plan.placeholders import UnplannableCall

    applied: list[Any] = []

    def program() -> None:
        unknown_stack = pulumi.StackReference("org/platform/nowhere")
        unknown_stack.outputs.apply(applied.append)

    with pytest.raises(UnplannableCall, match="org/platform/nowhere"):
        run(program)
    assert applied == []


def test_a_failed_registration_still_fails_the_plan(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlplat.plan.runtime import PlaceholderMocks

    answer = PlaceholderMocks.new_resource

    def refuse(self: PlaceholderMocks, args: Any) -> Any:
        if args.typ == "test:index:Refused":
            raise RuntimeError("the monitor refused the registration")
        return answer(self, args)

    monkeypatch.setattr(PlaceholderMocks, "new_resource", refuse)
    applied: list[Any] = []

    def program() -> None:
        refused: Any = pulumi.CustomResource("test:index:Refused", "r", {"size": 1, "arn": None})
        refused.arn.apply(applied.append)
        pulumi.CustomResource("test:index:Fed", "f", {"size": refused.size})

    with pytest.raises(RuntimeError, match="refused the registration"):
        run(program)
    assert applied == []


def test_a_fault_in_an_apply_on_a_property_fails_the_plan(run: Any) -> None:
    def program() -> None:
        role: Any = pulumi.CustomResource("aws:iam/role:Role", "r", {"name": "r", "tags": None})
        role.name.apply(lambda name: 1 / len(name[:0]))

    with pytest.raises(ZeroDivisionError):
        run(program)


# Last: the slowest test, and the one a broken stand-in makes hang rather than fail.
@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_a_plan_is_the_same_without_the_stand_ins(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_them = render_json(plan_file(spec))
    monkeypatch.setattr(sdk_speedups, "_STAND_INS", [])
    assert render_json(plan_file(spec)) == with_them
