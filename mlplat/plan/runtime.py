"""Run the Pulumi program in-process under Pulumi's mock runtime and capture what it declares.

The mock runtime (``pulumi.runtime.set_mocks``) is the only way to run a Pulumi program
without the CLI and provider plugins. It reports nothing about resource options and does
not catch duplicate URNs, so the monitor below records every raw registration request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import source_pb2

from mlplat.plan.placeholders import (
    CloudContext,
    UnplannableCall,
    call_result,
    resource_id,
    resource_state,
)

PROJECT = "mlplat"
"""Must equal Pulumi.yaml's name: config keys and URNs depend on it."""
STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


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
        self.last = threading.local()

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        self.last.inputs = args.inputs  # read back by CapturingMonitor on this same thread
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
    """A mock monitor that keeps each raw RegisterResourceRequest (options included)."""

    mocks: PlaceholderMocks

    def __init__(self, mocks: PlaceholderMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()
        """Loops the SDK opened in executor threads (and never closes); closed after the run."""

    def _note_thread_loop(self) -> None:
        # A thread that never needed a loop (e.g. the root stack's registration) has none.
        with contextlib.suppress(RuntimeError):
            self.thread_loops.add(asyncio.get_event_loop_policy().get_event_loop())

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        finally:
            self._note_thread_loop()

    def RegisterResource(self, request: Any) -> Any:
        try:
            response = super().RegisterResource(request)
        finally:
            self._note_thread_loop()
        if request.type == STACK_TYPE:
            return response
        property_deps = {
            key: list(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns
        }
        self.registrations.append(
            Registration(
                mock_urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                inputs=self.mocks.last.inputs,
                dependencies=list(request.dependencies),
                property_dependencies=property_deps,
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=list(request.ignoreChanges),
                aliases=[_alias(a) for a in request.aliases],
            )
        )
        return response


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


@contextlib.contextmanager
def _without_stack_traces() -> Any:
    """Skip the SDK's per-resource stack capture while the plan runs.

    The SDK walks and formats the whole Python stack for every registration so the
    engine can point diagnostics at source lines. A plan has no engine and records no
    source positions, and the walk costs about a fifth of a plan's run time. If a future
    SDK renames the hook, plans simply run at the old speed.
    """
    original = getattr(pulumi_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    pulumi_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        pulumi_resource._get_stack_trace = original


def run_program(
    program: Any, *, stack: str, config: dict[str, str], ctx: CloudContext
) -> ProgramRun:
    """Run ``program`` (a no-argument callable) as stack ``stack`` and capture everything."""
    with _without_stack_traces():
        return _run(program, stack, config, ctx)


def _run(program: Any, stack: str, config: dict[str, str], ctx: CloudContext) -> ProgramRun:
    loop = asyncio.new_event_loop()
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
            mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor, logger=logger
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
        return ProgramRun(PROJECT, stack, monitor.registrations, outputs, collector.lines)
    finally:
        pulumi.runtime.set_all_config({})
        pulumi_settings.ROOT.set(None)
        loop.run_until_complete(loop.shutdown_default_executor())
        for thread_loop in monitor.thread_loops - {loop}:
            thread_loop.close()
        loop.close()
        asyncio.set_event_loop(None)
