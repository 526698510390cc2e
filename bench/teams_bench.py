"""How `mlplat plan` grows with teams: 1, 10, 50 and 100 teams on the prod example.

Each run is a whole `mlplat plan` process (python -m mlplat.cli plan ... --format json), so
the figure is what a user waits for. The floor is the same process planning prod with
no teams key (no Kueue), measured in the same run; per-resource cost is the time above the
floor divided by the resources the teams add, and must stay flat as teams grow.

    python bench/teams_bench.py [--counts 1 10 50 100] [--repeat 3]
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


def spec_with(teams: int | None, folder: Path) -> Path:
    """prod.yaml with ``teams`` generated teams (None: no teams key at all)."""
    doc = yaml.safe_load(PROD.read_text())
    doc["extends"] = str(PROD.parent / doc["extends"])
    doc.pop("teams", None)
    if teams is not None:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for teams in [None, *args.counts]:
            spec = spec_with(teams, folder)
            runs = [timed_plan(spec) for _ in range(args.repeat)]
            rows.append((teams, statistics.median(t for t, _ in runs), runs[0][1]))
    floor_s, floor_n = rows[0][1], rows[0][2]
    print("| teams | resources | plan (s, median) | above floor (s) | ms per added resource |")
    print("|---|---|---|---|---|")
    print(f"| none (floor) | {floor_n} | {floor_s:.2f} | - | - |")
    for teams, seconds, count in rows[1:]:
        added = count - floor_n
        per = (seconds - floor_s) * 1000 / added if added else float("nan")
        print(f"| {teams} | {count} | {seconds:.2f} | {seconds - floor_s:.2f} | {per:.2f} |")


if __name__ == "__main__":
    main()
