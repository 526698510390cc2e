"""The plan's mock monitor: its shortcuts must answer exactly as the SDK's own path would."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format
from pulumi.runtime import rpc

from mlplat.plan.runtime import _InlineExecutor, _struct, without_cycle_collection

SECRET = rpc.wrap_rpc_secret("s3cr3t")


pytestmark = pytest.mark.usefixtures("loop")


def _sdk_struct(values: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_event_loop()
    return json_format.MessageToDict(loop.run_until_complete(rpc.serialize_properties(values, {})))


@pytest.mark.parametrize(
    "values",
    [
        {"name": "a", "replicas": 3, "ratio": 0.5, "on": True, "off": False},
        {"metadata": {"labels": {"x": "y"}, "annotations": None}, "gone": None},
        {"rules": [{"verbs": ["get", "list"], "apiGroups": [""]}, None, []], "empty": {}},
        {"password": SECRET, "nested": {"token": SECRET}},
    ],
    ids=["scalars", "nulls", "lists", "secrets"],
)
def test_plain_values_become_the_same_struct_as_through_the_sdk(values: dict[str, Any]) -> None:
    assert json_format.MessageToDict(_struct(values)) == _sdk_struct(values)


def test_values_protobuf_cannot_take_go_through_the_sdk() -> None:
    values = {"code": pulumi.StringAsset("print(1)"), "name": "fn"}
    struct = json_format.MessageToDict(_struct(values))
    assert struct == _sdk_struct(values)
    assert struct["code"]["text"] == "print(1)"


def test_the_inline_executor_runs_on_the_calling_thread() -> None:
    executor = _InlineExecutor()
    assert executor.submit(threading.get_ident).result() == threading.get_ident()
    assert executor.submit(lambda a, *, b: a + b, 1, b=2).result() == 3


def test_the_inline_executor_hands_errors_to_the_future() -> None:
    def fail() -> None:
        raise RuntimeError("monitor said no")

    future = _InlineExecutor().submit(fail)
    with pytest.raises(RuntimeError, match="monitor said no"):
        future.result()


def test_the_cycle_collector_is_off_inside_and_restored_by_the_outermost_block() -> None:
    assert gc.isenabled()
    with without_cycle_collection():
        with without_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner block must not turn the collector back on"
    assert gc.isenabled()
    gc.disable()
    try:
        with without_cycle_collection():
            pass
        assert not gc.isenabled(), "a collector that was off stays off"
    finally:
        gc.enable()


def test_blocks_that_overlap_without_nesting_still_turn_the_collector_back_on() -> None:
    first, second = without_cycle_collection(), without_cycle_collection()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()
