"""How `mlplat plan` grows with teams: 1, 10, 50 and 100 teams on the prod example.

Each run is a whole `mlplat plan` process (python -m mlplat.cli plan ... --format json), so
the figure is what a user waits for. The floor is the same process planning prod with
no teams key (no Kueue), measured in the same run; per-resource cost is the time above the
floor divided by the resources the teams add, and must stay flat as teams grow. The
last line is the SDK's own price per registration (a bare ConfigMap through the plan's
runtime), to read that per-resource cost against.

Exit status 1 when 100 teams take 15 s or more (median).

    python bench/teams_bench.py [--counts 1 10 50 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "stacks" / "prod.yaml"
GPUS_PER_TRAINING_NODE = 8
"""prod's gpu-training pool: p4d.24xlarge, 8 A100s each."""
TARGET_TEAMS, TARGET_S = 100, 15.0
"""Issue #6: 100 teams on one platform plan in under 15 s (median)."""


def spec_with(teams: int | None, folder: Path) -> Path:
    """prod.yaml with ``teams`` generated teams (None: no teams key at all), without its
    team stacks (they need the tenancy the floor leaves out). The training pool grows to
    hold one GPU per team, as quota validation requires."""
    doc = yaml.safe_load(PROD.read_text())
    doc["extends"] = str(PROD.parent / doc["extends"])
    doc.pop("teams", None)
    doc.pop("teamStacks", None)
    if teams is not None:
        pool = next(p for p in doc["nodePools"] if p["name"] == "gpu-training")
        pool["maxSize"] = max(pool["maxSize"], -(-teams // GPUS_PER_TRAINING_NODE))
        doc["teams"] = [
            {
                "name": f"team-{i:03d}",
                "members": {"admins": [f"arn:aws:iam::111122223333:role/team-{i:03d}-admins"]},
                "quota": {
                    "cpu": "8",
                    "memory": "32Gi",
                    "gpus": [{"pool": "gpu-training", "gpus": 1}],
                },
            }
            for i in range(teams)
        ]
    path = folder / f"teams-{teams}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def timed_plan(spec: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mlplat.cli", "plan", str(spec), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return elapsed, len(json.loads(done.stdout)["resources"])


def sdk_floor_ms(count: int = 500) -> float:
    """Milliseconds per bare ConfigMap registered through the plan's own runtime.

    This is what the SDK charges for the smallest Kubernetes object, so a team object's
    cost can be read against it.
    """
    import pulumi
    import pulumi_kubernetes as k8s

    from mlplat.plan.placeholders import CloudContext
    from mlplat.plan.runtime import run_program

    def program() -> None:
        provider = k8s.Provider("floor")
        for i in range(count):
            k8s.core.v1.ConfigMap(
                f"floor-{i}",
                metadata={"name": f"floor-{i}", "namespace": "floor"},
                data={"key": "value"},
                opts=pulumi.ResourceOptions(provider=provider),
            )

    ctx = CloudContext(region="us-east-1")
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        run_program(program, stack="floor", config={}, ctx=ctx)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples[1:]) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    counts: list[int | None] = [None, *args.counts]
    with tempfile.TemporaryDirectory() as tmp:
        specs = {teams: spec_with(teams, Path(tmp)) for teams in counts}
        runs: dict[int | None, list[tuple[float, int]]] = {teams: [] for teams in counts}
        for _ in range(args.repeat):  # round-robin, so drift in machine speed hits every row
            for teams in counts:
                runs[teams].append(timed_plan(specs[teams]))
    seconds = {teams: statistics.median(t for t, _ in samples) for teams, samples in runs.items()}
    fastest = {teams: min(t for t, _ in samples) for teams, samples in runs.items()}
    resources = {teams: samples[0][1] for teams, samples in runs.items()}
    floor_s, floor_n = seconds[None], resources[None]
    print(f"whole `mlplat plan` processes, {args.repeat} runs each, interleaved")
    print(
        "| teams | resources | plan (s, median) | plan (s, min) | above floor (s) "
        "| ms per added resource |"
    )
    print("|---|---|---|---|---|---|")
    print(f"| none (floor) | {floor_n} | {floor_s:.2f} | {fastest[None]:.2f} | - | - |")
    for teams in args.counts:
        added = resources[teams] - floor_n
        above = seconds[teams] - floor_s
        per = above * 1000 / added if added else float("nan")
        print(
            f"| {teams} | {resources[teams]} | {seconds[teams]:.2f} | {fastest[teams]:.2f} "
            f"| {above:.2f} | {per:.2f} |"
        )
    print(f"SDK floor: {sdk_floor_ms():.2f} ms per bare ConfigMap through the plan runtime")
    largest = max(args.counts)
    if largest >= TARGET_TEAMS and seconds[largest] >= TARGET_S:
        print(f"target missed: {largest} teams plan in {seconds[largest]:.2f} s (< {TARGET_S} s)")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
