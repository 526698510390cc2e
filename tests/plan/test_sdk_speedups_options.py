"""The plan's stand-in for copying resource options: the same copies as ``copy.copy``, and
the same merged options."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from mlplat.plan import sdk_speedups


def _options() -> list[Any]:
    parent = pulumi.ComponentResource.__new__(pulumi.ComponentResource)
    hook: Any = object()  # a stand-in: a real ResourceHook registers itself with the engine
    return [
        pulumi.ResourceOptions(),
        pulumi.ResourceOptions(
            parent=parent,
            protect=True,
            ignore_changes=["tags"],
            aliases=[pulumi.Alias(name="old")],
            hooks=pulumi.ResourceHookBinding(before_create=[hook]),
        ),
        pulumi.ResourceHookBinding(after_delete=[hook]),
    ]


@pytest.mark.parametrize("options", _options(), ids=["empty", "set", "hooks"])
def test_options_copy_as_copy_copies_them(options: Any) -> None:
    twin, sdk_twin = sdk_speedups._shallow_copy(options), copy.copy(options)
    assert type(twin) is type(sdk_twin) is type(options) and twin is not options
    assert vars(twin) == vars(sdk_twin) == vars(options)
    twin.protect = "changed"
    assert vars(options) == vars(sdk_twin), "the copy is a new object, not a view"


def test_options_merge_the_same_with_the_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi_aws

    defaults = pulumi_aws._utilities.get_resource_opts_defaults()

    options = _options()[:2]

    def merged() -> list[dict[str, Any]]:
        return [
            {**vars(merged), "hooks": vars(merged.hooks)}
            for merged in (pulumi.ResourceOptions.merge(defaults, o) for o in options)
        ]

    with sdk_speedups.faster_sdk():
        ours = merged()
    assert ours == merged()
    assert ours[1]["protect"] is True and ours[1]["version"] == defaults.version


@pytest.mark.parametrize("cls", [pulumi.ResourceOptions, pulumi.ResourceHookBinding])
def test_the_sdk_copies_options_with_copy_copy_alone(cls: type) -> None:
    """The stand-in replaces the SDK's ``_copy`` whole: work a future SDK adds there must
    not be skipped silently."""
    import ast
    import inspect
    import textwrap

    function = ast.parse(textwrap.dedent(inspect.getsource(cls._copy))).body[0]
    assert isinstance(function, ast.FunctionDef)
    body = [s for s in function.body if not isinstance(s, ast.Expr)]  # without the docstring
    expected = ast.parse("out = copy.copy(self)\nreturn out").body
    assert [ast.dump(s) for s in body] == [ast.dump(s) for s in expected]


def test_options_that_customise_copying_take_copy_copy() -> None:
    class Counted(pulumi.ResourceOptions):
        def __copy__(self) -> str:
            return "copied by its own hook"

    assert sdk_speedups._customises_copying(Counted)
    assert not sdk_speedups._customises_copying(pulumi.ResourceOptions)
    assert sdk_speedups._shallow_copy(Counted()) == "copied by its own hook"
    plain = {pulumi.ResourceOptions, pulumi.ResourceHookBinding}
    assert plain == sdk_speedups._PLAIN_OPTIONS
