"""Cheaper stand-ins for Pulumi SDK hot paths, in force only while a plan runs.

Each stand-in keeps the contract of the SDK function it replaces; a plan has no engine, so
the work the originals do for one (source positions) or do repeatedly (type unwrapping) buys
nothing offline. ``tests/plan/test_sdk_speedups.py`` plans every example stack with and
without them and requires the same plan, and fails when a hook or an SDK name used here is
gone. A hook a future SDK renames is left alone (plans run at the old speed); a renamed
``_OutputData`` fails the import, and an Output that no longer keeps its state in ``_data``
fails that test.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import copyreg
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pulumi import _types as pulumi_types
from pulumi.output import Output, _OutputData
from pulumi.resource import ResourceOptions
from pulumi.resource_hooks import ResourceHookBinding
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import source_pb2


def _no_stack_trace() -> source_pb2.StackTrace:
    """The SDK walks and formats the whole Python stack at every registration so the engine
    can point diagnostics at source lines; a plan records no source positions, and the walk
    cost about a fifth of a plan's run time."""
    return source_pb2.StackTrace()


def _single_future_properties(res: Any, props: Any, custom: bool) -> dict[str, Any]:
    """``rpc.transfer_properties`` with one untracked future per property instead of four
    tracked futures and a task.

    The SDK gives every property of a new resource (a typed resource declares all its output
    properties, set or not) four futures and a task that gathers them into the Output's
    state; its own ``resource_output`` (for ``urn`` and ``id``) already resolves a single
    future with that state, which is what this does for every property. The SDK also enters
    each Output in the set of Outputs a program waits for at its end, so that a fault no
    later Output carries is still reported. A property's only fault is its registration's,
    and that is reported anyway: the RPC manager re-raises it, and the tracked ``urn``
    Output carries it. Tracking cost a lock, two set operations and a done-callback for each
    of the dozen or so properties of every typed resource.
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
        output: Output[Any] = object.__new__(Output)
        output._data = state  # what Output._from_data sets, without the tracking
        res.__dict__[name] = output
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


_sdk_serialize_properties = rpc.serialize_properties


async def _serialize_set_properties(
    inputs: Any, property_deps: Any, *args: Any, **kwargs: Any
) -> Any:
    """``rpc.serialize_properties`` over the inputs that are set.

    A typed resource hands over every input its class declares, most of them ``None``, and
    the SDK serialises each (a coroutine apiece) only to leave out what serialises to
    ``None``, which ``None`` always does, adding no dependency. The SDK reads each key only
    after serialising the ones before it, so the view below reads the dict as it goes too.
    A dict subclass, whose item access may differ from its ``items()``, goes to the SDK whole.
    """
    if type(inputs) is dict:
        inputs = _SetInputs(inputs)
    return await _sdk_serialize_properties(inputs, property_deps, *args, **kwargs)


class _SetInputs(Mapping[str, Any]):
    """A live view of the entries of a dict whose value is not ``None``."""

    def __init__(self, inputs: dict[str, Any]) -> None:
        self._inputs = inputs

    def __iter__(self) -> Iterator[str]:
        inputs = self._inputs
        return (key for key in inputs if inputs[key] is not None)

    def __getitem__(self, key: str) -> Any:
        return self._inputs[key]

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _customises_copying(cls: type) -> bool:
    """Whether ``copy.copy`` would do more for ``cls`` than copy its instance's attributes."""
    hooks = {
        *("__copy__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__"),
        *("__new__", "__getnewargs__", "__getnewargs_ex__", "__getattr__", "__slots__"),
    }
    own = [klass for klass in cls.__mro__ if klass is not object]
    return cls in copyreg.dispatch_table or any(hooks & vars(klass).keys() for klass in own)


_PLAIN_OPTIONS = frozenset(
    c for c in (ResourceOptions, ResourceHookBinding) if not _customises_copying(c)
)


def _shallow_copy(options: Any) -> Any:
    """``ResourceOptions._copy`` and ``ResourceHookBinding._copy`` (``copy.copy``) without the
    pickle protocol.

    Every typed resource merges the provider's default options into its own, which copies
    two option objects and two hook bindings; ``copy.copy`` of a plain object takes a new
    instance and its attribute dict through ``__reduce_ex__``, which is what this does
    directly. A subclass, or a class that customises copying, takes ``copy.copy``.
    """
    if type(options) not in _PLAIN_OPTIONS or type(options) in copyreg.dispatch_table:
        return copy.copy(options)
    twin = object.__new__(type(options))
    twin.__dict__.update(options.__dict__)
    return twin


_STAND_INS: list[tuple[Any, str, Callable[..., Any]]] = [
    (pulumi_resource, "_get_stack_trace", _no_stack_trace),
    (rpc, "transfer_properties", _single_future_properties),
    (rpc, "contains_unknowns", _contains_unknowns),
    (rpc, "serialize_properties", _serialize_set_properties),
    (ResourceOptions, "_copy", _shallow_copy),
    (ResourceHookBinding, "_copy", _shallow_copy),
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
