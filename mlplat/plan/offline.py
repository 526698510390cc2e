"""`mlplat plan`: load the spec, run the very program `pulumi up` runs, under mocks."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from mlplat.build_teams import OUTPUT
from mlplat.plan.model import Plan, build_plan
from mlplat.plan.placeholders import CloudContext
from mlplat.plan.policy_check import check
from mlplat.plan.runtime import PROJECT, run_program
from mlplat.policy_config import policy_config
from mlplat.program import SPEC_CONFIG_KEY, main
from mlplat.spec import AnySpec, TeamStackSpec
from mlplat.spec.aws_regions import partition
from mlplat.team_stack import KUBECONFIG_OUTPUT


def plan_spec(
    spec_path: str,
    spec: AnySpec,
    files: list[str],
    stack: str,
    platform: Mapping[str, Any] | None = None,
) -> Plan:
    """Plan an already-validated spec as stack ``stack``.

    A team spec reads its platform's ``teamPlatform`` output from ``platform`` (a platform
    plan's, or the stub's).
    """
    if isinstance(spec, TeamStackSpec):
        assert platform is not None, "a team spec is planned against its platform's outputs"
        region = str(platform.get("region") or "us-east-1")
        references = {spec.platform.stack: {OUTPUT: platform, KUBECONFIG_OUTPUT: "[stub]"}}
    else:
        region = spec.cloud.region or "us-east-1"
        references = {}
    run = run_program(
        functools.partial(main, spec),
        stack=stack,
        config={f"{PROJECT}:{SPEC_CONFIG_KEY}": spec_path},
        ctx=CloudContext(region=region, partition=partition(region), stack_outputs=references),
    )
    plan = build_plan(run, files)
    plan.policy = check((vars(r) for r in plan.resources), policy_config(spec))
    return plan
