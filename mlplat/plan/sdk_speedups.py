"""Cheaper stand-ins for Pulumi SDK hot paths, in force only while a plan runs.

Each stand-in keeps the contract of the SDK function it replaces; a plan has no engine, so
the work the originals do for one (source positions) or do repeatedly (type unwrapping) buys
nothing offline. ``tests/plan/test_sdk_speedups.py`` plans every example stack with and
without them and requires the same plan, and fails when a hook or an SDK name used here is
gone. A hook a future SDK renames is left alone (plans run at the old speed); a renamed
``Output._from_data`` or ``_OutputData`` fails the import, and that test with it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pulumi import _types as pulumi_types
from pulumi.output import Output, _OutputData
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import source_pb2


def _no_stack_trace() -> source_pb2.StackTrace:
    """The SDK walks and formats the whole Python stack at every registration so the engine
    can point diagnostics at source lines; a plan records no source positions, and the walk
    cost about a fifth of a plan's run time."""
    return source_pb2.StackTrace()


def _single_future_properties(res: Any, props: Any, custom: bool) -> dict[str, Any]:
    """``rpc.transfer_properties`` with one future per property instead of four and a task.

    The SDK gives every property of a new resource (a typed resource declares all its output
    properties, set or not) four futures and a task that gathers them into the Output's
    state; its own ``resource_output`` (for ``urn`` and ``id``) already resolves a single
    future with that state, which is what this does for every property.
    """
    resolvers: dict[str, Callable[..., None]] = {}
    loop: asyncio.AbstractEventLoop | None = None
    for name in props:
        if name == "urn" or (name == "id" and custom):
            continue  # the SDK resolves these itself
        loop = loop or asyncio.get_event_loop()
        state: asyncio.Future[_OutputData[Any]] = loop.create_future()

        def resolve(
            value: Any,
            is_known: bool,
            is_secret: bool,
            deps: set[Any] | None,
            failed: Exception | None,
            state: asyncio.Future[_OutputData[Any]] = state,
        ) -> None:
            if failed is not None:
                state.set_exception(failed)
                return
            resources = set(deps) if deps else set()
            resources.add(res)
            state.set_result(_OutputData(resources, value, is_known, is_secret))

        resolvers[name] = resolve
        res.__dict__[name] = Output._from_data(state)
    return resolvers


_SCALARS = frozenset({str, int, float, bool, type(None)})
_sdk_contains_unknowns = rpc.contains_unknowns


def _contains_unknowns(value: Any) -> bool:
    """``rpc.contains_unknowns`` that steps over plain scalars, lists and dicts itself.

    The SDK checks every value an Output settles to for unknowns, element by element, with
    a call, an isinstance test and a set insertion for each string; the values here are
    whole Kubernetes objects and chart values. Anything else (an ``Unknown``, a dict
    subclass such as an output type, whose item access may have effects) goes to the SDK's
    own check, so the answer is the same.
    """
    return _walk(value, set())


def _walk(value: Any, seen: set[int]) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return False
    if kind is not dict and kind is not list:
        return _sdk_contains_unknowns(value)
    if id(value) in seen:
        return False  # already walked (a shared or cyclic value), as the SDK's check does
    seen.add(id(value))
    for item in value.values() if kind is dict else value:
        if type(item) not in _SCALARS and _walk(item, seen):
            return True
    return False


def _memoized(unwrap: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``unwrap`` (a pure function of a type annotation or a class) computed once per object.

    The SDK unwraps ``Optional[Input[T]]`` afresh for every property of every typed input it
    serialises; a plan asks about the same few hundred annotation objects thousands of
    times. Keyed by identity, not equality: ``Union[A, B] == Union[B, A]``, but unwrapping
    looks at the order of the arguments. Each entry keeps its annotation alive, so an id is
    never reused while it is cached.
    """
    cache: dict[int, tuple[Any, Any]] = {}

    def unwrap_once(annotation: Any) -> Any:
        entry = cache.get(id(annotation))
        if entry is None or entry[0] is not annotation:
            entry = cache[id(annotation)] = (annotation, unwrap(annotation))
        return entry[1]

    return unwrap_once


def _memoized_tables(table_of: Callable[[type], dict[str, Any]]) -> Callable[[type], Any]:
    """``table_of`` (a name or type table of a resource class) read once per class.

    The SDK reads a typed resource's property names and types from its class's annotations
    (resolving them with ``typing.get_type_hints``) at every registration of that class, and
    a plan registers the same few dozen classes hundreds of times. Each caller gets its own
    copy, so none can change what the next one reads.
    """
    once = _memoized(table_of)

    def copy_of_table(resource_class: type) -> dict[str, Any]:
        return dict(once(resource_class))

    return copy_of_table


_STAND_INS: list[tuple[Any, str, Callable[..., Any]]] = [
    (pulumi_resource, "_get_stack_trace", _no_stack_trace),
    (rpc, "transfer_properties", _single_future_properties),
    (rpc, "contains_unknowns", _contains_unknowns),
    (pulumi_types, "unwrap_type", _memoized(pulumi_types.unwrap_type)),
    (pulumi_types, "unwrap_optional_type", _memoized(pulumi_types.unwrap_optional_type)),
    *(
        (pulumi_types, name, _memoized_tables(getattr(pulumi_types, name)))
        for name in ("resource_types", "resource_pulumi_to_py_names", "resource_py_to_pulumi_names")
    ),
]
"""(module, attribute, stand-in) for each hook."""


@contextlib.contextmanager
def faster_sdk() -> Iterator[None]:
    """Put the stand-ins in place for the duration of the block (they nest).

    They are process-wide: plans run one at a time, as the SDK's own global settings
    require of any Pulumi program.
    """
    originals = []
    try:
        for module, attribute, stand_in in _STAND_INS:
            original = getattr(module, attribute, None)
            if original is None:
                continue
            originals.append((module, attribute, original))
            setattr(module, attribute, stand_in)
        yield
    finally:
        for module, attribute, original in reversed(originals):
            setattr(module, attribute, original)
