"""Benchmark `mlplat plan` against the floor of Pulumi's mock runtime, in one process run.

For each example stack: time the full in-process plan (load, validate, run the program
under mocks, render JSON), then the floor: the very same registrations replayed as bare
resources through the plan's runtime with no mlplat code. A registration is its type, name
and inputs, and also its parent, provider, options and the resources each input came from:
the replay reproduces all of them (it is checked against the plan before anything is
timed), because the SDK's work for each is part of what any program making these
registrations pays. The bare column replays types, names and inputs only (this bench's
floor until 2026-11-25), for comparison. The program column runs the same program through
that runtime without building, checking and rendering the plan, which splits the gap into
mlplat's plan machinery and the SDK's own cost for typed resources and output chains.
Then time whole processes: `mlplat plan stacks/dev.yaml` and `mlplat validate`, next to
their floor: a process that only imports the SDK modules the plan ends up importing (the
SDKs load service modules lazily, so each AWS service the program uses adds import time).

The policy column is the pack's own run over the plan (issue #5: the time the pack adds
to a plan); its import cost is measured apart, as the difference between two processes.

Plan and floor runs are interleaved; the last column is the ratio of their fastest runs,
which a busy machine disturbs least.

Targets (issue #2): plan/floor <= 1.5; dev plan < 2 s wall; validate < 0.3 s wall.
Exit status 1 when a target is missed. Usage: python bench/plan_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("dev", "prod", "local")
TARGET_RATIO, TARGET_PLAN_S, TARGET_VALIDATE_S = 1.5, 2.0, 0.3


def samples_of(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    return statistics.median(samples_of(fn, repeat))


def plan_once(stack: str):
    from mlplat.plan.offline import plan_spec
    from mlplat.plan.render import render_json
    from mlplat.spec import load_spec

    path = f"stacks/{stack}.yaml"
    result = load_spec(path)
    plan = plan_spec(path, result.spec, result.files, stack)
    render_json(plan)
    return plan


def replay(plan) -> None:
    """Make the plan's registrations again, as bare resources: the same types, names and
    inputs, under the same parents and providers, with the same options, and each input
    that came from other resources carrying those resources as its dependencies; the
    values the plan masks are sent as secrets again."""
    import asyncio

    import pulumi

    from mlplat.plan.model import SECRET

    def unmasked(value: object) -> object:
        if value == SECRET:
            return pulumi.Output.secret(SECRET)
        if isinstance(value, dict):
            return {k: unmasked(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unmasked(v) for v in value]
        return value

    def alias(urn: str, old: str) -> pulumi.Alias | str:
        """An old URN as the program most likely said it: only its type or name changed."""
        prefix, chain, name = urn.rsplit("::", 2)
        old_prefix, old_chain, old_name = old.rsplit("::", 2)
        parents, _, kind = chain.rpartition("$")
        old_parents, _, old_kind = old_chain.rpartition("$")
        if (prefix, parents) != (old_prefix, old_parents):
            return old
        if old_name == name:
            return pulumi.Alias(type_=old_kind)
        return pulumi.Alias(name=old_name) if old_kind == kind else old

    by_urn = {r.urn: r for r in plan.resources}
    made: dict[str, pulumi.Resource] = {}

    def settled(value: object) -> asyncio.Future:
        future = asyncio.get_event_loop().create_future()
        future.set_result(value)
        return future

    def make(urn: str) -> pulumi.Resource:
        if urn in made:
            return made[urn]
        r, options = by_urn[urn], by_urn[urn].options
        sources = {u: make(u) for us in r.propertyDependencies.values() for u in us}
        depends_on = [make(u) for u in options["dependsOn"]]
        opts = pulumi.ResourceOptions(
            parent=make(r.parent) if r.parent else None,
            provider=cast(pulumi.ProviderResource, make(r.provider)) if r.provider else None,
            depends_on=depends_on or None,
            protect=options["protect"] or None,
            retain_on_delete=options["retainOnDelete"] or None,
            ignore_changes=options["ignoreChanges"] or None,
            aliases=[alias(r.urn, old) for old in options["aliases"]] or None,
        )
        inputs = {key: unmasked(value) for key, value in r.inputs.items()}
        for key, urns in r.propertyDependencies.items():
            resources = {sources[u] for u in urns}
            inputs[key] = pulumi.Output(
                resources, settled(inputs.get(key)), settled(True), settled(False)
            )
        if r.type.startswith("pulumi:providers:"):
            package = r.type.removeprefix("pulumi:providers:")
            made[urn] = pulumi.ProviderResource(package, r.name, inputs, opts)
        elif r.custom:
            made[urn] = pulumi.CustomResource(r.type, r.name, inputs, opts)
        else:
            made[urn] = pulumi.ComponentResource(r.type, r.name, None, opts)
        return made[urn]

    for urn in by_urn:
        make(urn)


def replay_differences(plan, program: Callable[..., None] = replay) -> list[str]:
    """URNs whose registration by ``program`` differs from the plan's (none: a faithful floor)."""
    from mlplat.plan.model import SECRET, build_plan

    run = floor_once(plan, program)
    replayed = {r.urn: vars(r) for r in build_plan(run, plan.spec_files).resources}
    planned = {r.urn: vars(r) for r in plan.resources}
    differ = {u for u in planned.keys() | replayed.keys() if planned.get(u) != replayed.get(u)}
    # The plan masks a secret and a string "[secret]" alike; the replay must send secrets.
    plain = {r.name for r in run.registrations if SECRET in _plain_strings(r.inputs)}
    return sorted(differ | {f"{name}: a secret sent in plain text" for name in plain})


def _plain_strings(value: object) -> set[str]:
    """The strings in a registration's raw inputs that are not inside a secret."""
    from mlplat.plan.model import _SECRET_SIG, _SIG_KEY

    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return set()
        return set().union(*(_plain_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_plain_strings(v) for v in value))
    return {value} if isinstance(value, str) else set()


def bare_replay(plan) -> None:
    """The plan's types, names and inputs only: no parents, providers, options or
    dependencies (the floor this bench used before, kept for comparison)."""
    import pulumi

    for r in plan.resources:
        if r.custom:
            pulumi.CustomResource(r.type, r.name, dict(r.inputs))
        else:
            pulumi.ComponentResource(r.type, r.name)


def floor_once(plan, program: Callable[..., None] = replay):
    """Run ``program(plan)`` through the plan's own runtime, with no mlplat code."""
    from mlplat.plan.placeholders import CloudContext
    from mlplat.plan.runtime import run_program

    return run_program(
        lambda: program(plan), stack=plan.stack, config={}, ctx=CloudContext(region="eu-west-1")
    )


def program_once(stack: str) -> None:
    """The same program through the same runtime: no plan model, policy run or render."""
    from mlplat.plan.offline import program_config
    from mlplat.plan.placeholders import CloudContext
    from mlplat.plan.runtime import run_program
    from mlplat.program import main
    from mlplat.spec import load_spec

    path = f"stacks/{stack}.yaml"
    spec = load_spec(path).spec
    region = spec.cloud.region or "us-east-1"
    config = program_config(path, spec)
    run_program(main, stack=stack, config=config, ctx=CloudContext(region=region))


def sdk_modules() -> list[str]:
    """The pulumi* modules a dev plan imports, as the whole-process floor imports them."""
    plan_once("dev")
    prefixes = ("pulumi", "pulumi_aws", "pulumi_kubernetes")
    return sorted(m for m in sys.modules if m.split(".")[0] in prefixes)


def import_floor_seconds(modules: list[str], repeat: int) -> float:
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    code += "import os\nos._exit(0)\n"  # skip teardown, as the mlplat console script does

    def run() -> None:
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)

    return median_seconds(run, repeat)


def process_seconds(args: list[str], repeat: int) -> float:
    mlplat = str(Path(sys.executable).parent / "mlplat")

    def run() -> None:
        subprocess.run([mlplat, *args], cwd=ROOT, check=True, capture_output=True)

    return median_seconds(run, repeat)


def policy_once(plan) -> None:
    from mlplat.plan.policy_check import check

    check((vars(r) for r in plan.resources), plan.policy.config)


def policy_import_seconds(repeat: int) -> float:
    """What importing the pack adds to a process that already has the Pulumi SDK."""
    base = [sys.executable, "-c", "import pulumi, pulumi_aws"]
    with_pack = [sys.executable, "-c", "import pulumi, pulumi_aws, mlplat.policies"]
    return median_seconds(lambda: subprocess.run(with_pack, check=True), repeat) - (
        median_seconds(lambda: subprocess.run(base, check=True), repeat)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    repeat = parser.parse_args().repeat

    started = time.perf_counter()
    plans = {stack: plan_once(stack) for stack in EXAMPLES}  # warm-up: imports, caches
    print(f"warm-up (imports + first plans): {time.perf_counter() - started:.2f} s")
    for stack, plan in plans.items():
        differences = replay_differences(plan)
        if differences:
            print(f"the floor does not replay {stack}'s registrations: {differences[:3]}")
            return 1
    print(
        f"{'stack':<7} {'resources':>9} {'plan ms':>9} {'floor ms':>9} {'ratio':>6} "
        f"{'bare ms':>8} {'ratio':>6} {'program ms':>11} {'policy ms':>10} "
        f"{'ratio of mins':>14}"
    )
    missed = []
    for stack, plan in plans.items():
        plans_s, floors_s, bares_s = [], [], []
        for _ in range(repeat):  # interleaved, so a busy moment hits every column
            plans_s += samples_of(lambda s=stack: plan_once(s), 1)
            floors_s += samples_of(lambda p=plan: floor_once(p), 1)
            bares_s += samples_of(lambda p=plan: floor_once(p, bare_replay), 1)
        plan_s, floor_s = statistics.median(plans_s), statistics.median(floors_s)
        bare_s = statistics.median(bares_s)
        program_s = median_seconds(lambda s=stack: program_once(s), repeat)
        policy_s = median_seconds(lambda p=plan: policy_once(p), repeat)
        ratio = plan_s / floor_s
        count = len(plan.resources)
        print(
            f"{stack:<7} {count:>9} {plan_s * 1000:>9.1f} {floor_s * 1000:>9.1f} {ratio:>6.2f} "
            f"{bare_s * 1000:>8.1f} {plan_s / bare_s:>6.2f} "
            f"{program_s * 1000:>11.1f} {policy_s * 1000:>10.1f} "
            f"{min(plans_s) / min(floors_s):>14.2f}"
        )
        if ratio > TARGET_RATIO:
            missed.append(f"{stack}: plan/floor {ratio:.2f} > {TARGET_RATIO}")

    plan_wall = process_seconds(
        ["plan", "stacks/dev.yaml", "--format", "json", "-o", "/dev/null"], repeat
    )
    validate_wall = process_seconds(["validate", "stacks/dev.yaml"], repeat)
    floor_wall = import_floor_seconds(sdk_modules(), repeat)
    print(
        f"whole process, median of {repeat}: mlplat plan stacks/dev.yaml {plan_wall:.2f} s "
        f"(target < {TARGET_PLAN_S}; SDK-import floor {floor_wall:.2f} s, "
        f"mlplat's share {plan_wall - floor_wall:.2f} s); "
        f"mlplat validate {validate_wall:.3f} s (target < {TARGET_VALIDATE_S})"
    )
    if plan_wall >= TARGET_PLAN_S:
        missed.append(f"plan wall {plan_wall:.2f} s")
    if validate_wall >= TARGET_VALIDATE_S:
        missed.append(f"validate wall {validate_wall:.3f} s")
    print(f"policy pack import, on top of the SDK: {policy_import_seconds(repeat) * 1000:.0f} ms")
    print("targets met" if not missed else "targets missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
