"""The SDK's own analyzer service, configured the way the Pulumi CLI configures it."""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from mlplat.policies import PACK_NAME, policies
from mlplat.policies.runner import wire

LEVELS = {"mandatory": analyzer_pb2.MANDATORY, "advisory": analyzer_pb2.ADVISORY,
          "disabled": analyzer_pb2.DISABLED}  # fmt: skip


def servicer(config: dict[str, Any] | None = None) -> _PolicyAnalyzerServicer:
    """The pack's analyzer after a Configure call carrying ``config`` as the CLI sends a
    --policy-pack-config file: enforcementLevel apart, the other keys as properties."""
    service = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", policies(), EnforcementLevel.ADVISORY)
    policy_config = {}
    for name, entry in (config or {}).items():
        properties = struct_pb2.Struct()
        properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        policy_config[name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=LEVELS[entry["enforcementLevel"]], properties=properties
        )
    service.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config), None)
    return service


def analyze(service: _PolicyAnalyzerServicer, rtype: str, name: str, props: dict[str, Any],
            urn: str | None = None, parent: str | None = None,
            protect: bool = False) -> Any:  # fmt: skip
    struct = struct_pb2.Struct()
    struct.update(wire(props))
    request = analyzer_pb2.AnalyzeRequest(
        type=rtype,
        properties=struct,
        urn=urn or f"urn:pulumi:t::p::{rtype}::{name}",
        name=name,
        options=analyzer_pb2.AnalyzerResourceOptions(parent=parent or "", protect=protect),
    )
    return service.Analyze(request, None)
