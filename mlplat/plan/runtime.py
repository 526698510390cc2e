"""Run the Pulumi program in-process under Pulumi's mock runtime and capture what it declares.

The mock runtime (``pulumi.runtime.set_mocks``) is the only way to run a Pulumi program
without the CLI and provider plugins. It reports nothing about resource options and does
not catch duplicate URNs, so the monitor below records every raw registration request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from mlplat.plan.placeholders import (
    CloudContext,
    UnplannableCall,
    call_result,
    resource_id,
    resource_state,
)
from mlplat.plan.sdk_speedups import faster_sdk

PROJECT = "mlplat"
"""Must equal Pulumi.yaml's name: config keys and URNs depend on it."""
STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
GET_RESOURCE = "pulumi:pulumi:getResource"


@dataclass
class Registration:
    """One resource registration exactly as the program sent it."""

    mock_urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    """Input name -> mock URNs its value came from."""
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    aliases: list[dict[str, Any]]


@dataclass
class ProgramRun:
    """What one run of the program declared."""

    project: str
    stack: str
    registrations: list[Registration]
    outputs: dict[str, tuple[Any, bool]]
    """Stack outputs: name -> (value, is_secret)."""
    log: list[str] = field(default_factory=list)
    """Warnings and errors the program logged."""


class PlaceholderMocks(pulumi.runtime.Mocks):
    """Answers registrations and data-source calls with deterministic placeholders."""

    def __init__(self, ctx: CloudContext) -> None:
        self.ctx = ctx

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE_TYPE:
            stack = args.resource_id or args.inputs.get("name", "")
            if stack not in self.ctx.stack_outputs:
                raise UnplannableCall(
                    f"the program reads stack {stack}, whose outputs the offline plan was not "
                    "given (mlplat plan --platform-plan)"
                )
            return stack, {"name": stack, "outputs": dict(self.ctx.stack_outputs[stack])}
        if not args.custom:
            return None, {}
        return resource_id(args.typ, args.name, args.inputs), resource_state(
            self.ctx, args.typ, args.name, args.inputs
        )

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return call_result(self.ctx, args.token, args.args)


class CapturingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that keeps each raw RegisterResourceRequest (options included).

    It answers registrations and calls itself rather than through the SDK's MockMonitor,
    whose answers go through the SDK's asynchronous serializer: placeholders are plain
    JSON values that protobuf takes directly, which saves about a quarter of a plan's time.
    """

    mocks: PlaceholderMocks

    def __init__(self, mocks: PlaceholderMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def Invoke(self, request: Any) -> Any:
        if request.tok == GET_RESOURCE:
            return super().Invoke(request)
        args = rpc.deserialize_properties(request.args)
        result = self.mocks.call(
            pulumi.runtime.MockCallArgs(token=request.tok, args=args, provider=request.provider)
        )
        return resource_pb2.ResourceInvokeResponse(**{"return": _struct(result)})

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = rpc.deserialize_properties(request.object)
        physical_id, state = self.mocks.new_resource(
            pulumi.runtime.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=bool(request.custom),
            )
        )
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(
            urn, physical_id or "", state
        )
        property_deps = {
            key: list(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns
        }
        self.registrations.append(
            Registration(
                mock_urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                inputs=inputs,
                dependencies=list(request.dependencies),
                property_dependencies=property_deps,
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=list(request.ignoreChanges),
                aliases=[_alias(a) for a in request.aliases],
            )
        )
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=physical_id or "", object=_struct(state)
        )


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """``values`` as the engine sends properties back to the program.

    Placeholders and echoed inputs are plain JSON values (secrets are still wrapped dicts at
    this point); anything else, such as a resource reference, takes the SDK's serializer.
    """
    struct = struct_pb2.Struct()
    try:
        struct.update({k: v for k, v in values.items() if v is not None})
    except ValueError:
        return _sync_await(rpc.serialize_properties(values, {}))
    return struct


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each call at once on the calling thread.

    The SDK hands every monitor call to the loop's default executor because a real monitor
    is a gRPC server in another process. The mock monitor answers at once, so the hop to a
    worker thread and back costs time and nothing else.
    """

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


def _alias(alias: Any) -> dict[str, Any]:
    if alias.HasField("urn"):
        return {"urn": alias.urn}
    spec = alias.spec
    fields = {"name": spec.name, "type": spec.type, "stack": spec.stack, "project": spec.project}
    out: dict[str, Any] = {k: v for k, v in fields.items() if v}
    if spec.noParent:
        out["noParent"] = True
    elif spec.parentUrn:
        out["parentUrn"] = spec.parentUrn
    return out


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname.lower()}: {record.getMessage()}")


_pauses = 0
"""How many without_cycle_collection blocks are open (they may nest or overlap)."""
_enable_after = False
"""Whether the collector was on when the first open block began."""


@contextlib.contextmanager
def without_cycle_collection() -> Any:
    """Keep Python's cycle collector from running while a plan is made.

    A plan allocates hundreds of thousands of short-lived objects (futures, Outputs,
    protobuf messages), and the collector runs every few hundred allocations, each time
    over everything young, and now and then over everything the process holds. Reference
    counting frees a plan's objects as it goes; the cycles it leaves are collected at the
    collector's first run after the last open block ends (about 35,000 objects, 1 MB, for
    a prod plan). `mlplat plan` already ran with the collector off (mlplat/cli.py); this
    does the same for every other caller, where a prod plan takes about 7% less time than
    with the heap frozen instead (a review, the benches). Like the SDK's own settings, the
    collector is process-wide: a thread that runs meanwhile runs without it too.
    """
    global _pauses, _enable_after
    if _pauses == 0:
        _enable_after = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _enable_after:
            gc.enable()


def run_program(
    program: Any,
    *,
    stack: str,
    config: dict[str, str],
    ctx: CloudContext,
    project: str = PROJECT,
) -> ProgramRun:
    """Run ``program`` (a no-argument callable) as stack ``stack`` of ``project`` (whose
    name is the default config namespace) and capture everything."""
    with faster_sdk(), without_cycle_collection():
        return _run(program, stack, config, ctx, project)


def _run(
    program: Any, stack: str, config: dict[str, str], ctx: CloudContext, project: str
) -> ProgramRun:
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_InlineExecutor())
    asyncio.set_event_loop(loop)
    collector = _LogCollector()
    logger = logging.getLogger(f"mlplat.plan.{stack}")
    logger.propagate = False
    logger.handlers[:] = [collector]
    mocks = PlaceholderMocks(ctx)
    monitor = CapturingMonitor(mocks)
    try:
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(config)
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger
        )
        pulumi.runtime.test(program)()
        root = pulumi_settings.get_root_resource()
        exported = {
            k: pulumi.Output.from_input(v) for k, v in (root.outputs if root else {}).items()
        }
        resolved = loop.run_until_complete(
            asyncio.gather(
                *(o.future() for o in exported.values()),
                *(o.is_secret() for o in exported.values()),
            )
        )
        values, secret = resolved[: len(exported)], resolved[len(exported) :]
        outputs = dict(zip(exported, zip(values, secret, strict=True), strict=True))
        return ProgramRun(project, stack, monitor.registrations, outputs, collector.lines)
    finally:
        pulumi.runtime.set_all_config({})
        pulumi_settings.ROOT.set(None)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)
