"""`mlplat plan`: load the spec, run the very program `pulumi up` runs, under mocks."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from mlplat import config_secrets
from mlplat.build_teams import OUTPUT
from mlplat.plan.model import Plan, build_plan
from mlplat.plan.placeholders import PLACEHOLDER_SECRET_PREFIX, CloudContext
from mlplat.plan.policy_check import check
from mlplat.plan.runtime import PROJECT, run_program, without_cycle_collection
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
    with without_cycle_collection():
        run = run_program(
            functools.partial(main, spec),
            stack=stack,
            config=program_config(spec_path, spec),
            ctx=CloudContext(region=region, partition=partition(region), stack_outputs=references),
        )
        plan = build_plan(run, files)
        plan.policy = check((vars(r) for r in plan.resources), policy_config(spec))
    return plan


def program_config(spec_path: str, spec: AnySpec) -> dict[str, str]:
    """The stack config the program reads: its spec's path, and placeholders for the
    secret config a real stack holds (not readable offline)."""
    stand_ins = {}
    if not isinstance(spec, TeamStackSpec):
        stand_ins = {
            f"{config_secrets.NAMESPACE}:{key}": f"{PLACEHOLDER_SECRET_PREFIX}{key}"
            for key in config_secrets.needed(spec)
        }
    return {f"{PROJECT}:{SPEC_CONFIG_KEY}": spec_path, **stand_ins}
