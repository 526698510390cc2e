"""Component Args from the plain values another language sends through the plugin.

A Python program passes a component its Args dataclass. A TypeScript, Go, C# or YAML
program reaches the same component through the plugin (``provider/``), whose host hands
``args`` over as a dict: snake_case keys, nested types as dicts, enums as members,
integers inside lists still as the floats the wire carries them as. ``coerce`` turns that
dict into the Args dataclass by the class's own annotations, so each component's body
sees one shape. Annotations are read unevaluated (``inspect.get_annotations``), as the
SDK's schema analyzer reads them: ``pulumi.Input[T]`` holds a forward reference that
cannot be evaluated outside the SDK.
"""

import collections.abc
import dataclasses
import enum
import functools
import inspect
import types
import typing
from typing import Any, TypeVar

import pulumi

T = TypeVar("T")
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.MutableSequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


class ArgsError(TypeError):
    """A value that does not fit the component's Args; the message names the field."""


def coerce(cls: type[T], value: T | collections.abc.Mapping[str, Any]) -> T:
    """``value`` as an instance of the Args dataclass ``cls``.

    An instance passes through unchanged; a mapping is converted field by field (nested
    dataclasses, enums, lists and dicts of them), with the defaults of the fields it
    leaves out. Unresolved inputs (Outputs, awaitables) are kept as they are.
    """
    if isinstance(value, cls):
        return value
    if not isinstance(value, collections.abc.Mapping):
        raise ArgsError(
            f"{cls.__name__}: expected a {cls.__name__} or a mapping of its fields, "
            f"found {type(value).__name__}"
        )
    return _dataclass(cls, value, cls.__name__)


@functools.cache
def annotations(cls: type) -> dict[str, Any]:
    """The fields' annotations over the class and its bases, unevaluated.

    A string annotation (``from __future__ import annotations``) is refused: neither this
    module nor the SDK's analyzer can read it.
    """
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        found.update(inspect.get_annotations(klass))
    strings = sorted(name for name, hint in found.items() if isinstance(hint, str))
    if strings:
        raise ArgsError(
            f"{cls.__qualname__}: annotations {strings} are strings; the module must not use "
            "`from __future__ import annotations`"
        )
    return found


def _dataclass(cls: type[T], value: collections.abc.Mapping[str, Any], path: str) -> T:
    if not dataclasses.is_dataclass(cls):
        raise ArgsError(f"{path}: {cls.__name__} is not a dataclass")
    hints = annotations(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(str(key) for key in value if key not in fields)
    if unknown:
        raise ArgsError(f"{path}: unknown fields {unknown}; {cls.__name__} has {sorted(fields)}")
    kwargs = {
        name: _value(hints[name], item, f"{path}.{name}")
        for name, item in value.items()
        if item is not None or _optional(hints[name])
    }
    missing = [
        name
        for name, f in fields.items()
        if name not in kwargs
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ArgsError(f"{path}: missing required fields {missing}")
    return cls(**kwargs)


def _optional(hint: Any) -> bool:
    return _is_union(hint) and types.NoneType in typing.get_args(hint)


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _plain_members(hint: Any) -> list[Any]:
    """A union's members other than None and the Awaitable/Output halves of an Input."""
    return [
        arg
        for arg in typing.get_args(hint)
        if arg is not types.NoneType
        and not isinstance(arg, typing.ForwardRef)
        and typing.get_origin(arg) not in (collections.abc.Awaitable, pulumi.Output)
    ]


def _value(hint: Any, value: Any, path: str) -> Any:
    if hint is Any or isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return value
    if _is_union(hint):
        if value is None:
            return None
        plain = _plain_members(hint)
        return _value(plain[0], value, path) if len(plain) == 1 else value
    origin = typing.get_origin(hint)
    if origin in _SEQUENCES:
        return _sequence(hint, origin, value, path)
    if origin in _MAPPINGS:
        return _mapping(hint, value, path)
    if isinstance(hint, type):
        return _scalar(hint, value, path)
    return value


def _sequence(hint: Any, origin: Any, value: Any, path: str) -> Any:
    if isinstance(value, str | bytes) or not isinstance(value, collections.abc.Sequence):
        raise ArgsError(f"{path}: expected a list, found {type(value).__name__}")
    (item,) = typing.get_args(hint) or (Any,)
    items = [_value(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    # Sequence fields keep the frozen Args hashable; list fields get a list.
    return items if origin is list else tuple(items)


def _mapping(hint: Any, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, collections.abc.Mapping):
        raise ArgsError(f"{path}: expected a mapping, found {type(value).__name__}")
    _, item = typing.get_args(hint) or (str, Any)
    return {key: _value(item, v, f"{path}.{key}") for key, v in value.items()}


def _scalar(hint: type, value: Any, path: str) -> Any:
    if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    if issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = [member.value for member in hint]
            raise ArgsError(f"{path}: expected one of {allowed}, found {value!r}") from None
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, collections.abc.Mapping):
            raise ArgsError(f"{path}: expected a {hint.__name__} or a mapping of its fields")
        return _dataclass(hint, value, path)
    if hint is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool):
        raise ArgsError(f"{path}: expected {hint.__name__}, found {type(value).__name__}")
    return value


def spec_fields(section: Any, into: type) -> dict[str, Any]:
    """The fields of a spec section that the Args class ``into`` carries under their names."""
    names = {f.name for f in dataclasses.fields(into)}
    return {
        f.name: getattr(section, f.name) for f in dataclasses.fields(section) if f.name in names
    }
