"""`mlplat plan`: load the spec, run the very program `pulumi up` runs, under mocks."""

from __future__ import annotations

from mlplat.plan.model import Plan, build_plan
from mlplat.plan.placeholders import CloudContext
from mlplat.plan.policy_check import check
from mlplat.plan.runtime import PROJECT, run_program
from mlplat.policy_config import policy_config
from mlplat.program import SPEC_CONFIG_KEY, main
from mlplat.spec import PlatformSpec
from mlplat.spec.aws_regions import partition


def plan_spec(spec_path: str, spec: PlatformSpec, files: list[str], stack: str) -> Plan:
    """Plan an already-validated spec as stack ``stack``."""
    region = spec.cloud.region or "us-east-1"
    run = run_program(
        main,
        stack=stack,
        config={f"{PROJECT}:{SPEC_CONFIG_KEY}": spec_path},
        ctx=CloudContext(region=region, partition=partition(region)),
    )
    plan = build_plan(run, files)
    plan.policy = check((vars(r) for r in plan.resources), policy_config(spec))
    return plan
