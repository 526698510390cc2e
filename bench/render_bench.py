"""Benchmark `mlplat render` of an example stack against its floor, in one process run.

Runs, interleaved N times each:
- render: the whole `mlplat render SPEC --charts ../shared/charts` as a process (load,
  plan, Helm for every release in parallel, every check);
- helm: the same `helm template` commands alone, in parallel as render runs them (the
  part of a render that is Helm's, not mlplat's);
- floor: the slowest single `helm template` alone, which no parallelism can beat.

Target (issue #14): prod renders in under 10 s on this machine. Exit 1 when missed.
Usage: python bench/render_bench.py [--stack prod] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlplat.render.context import render_context  # noqa: E402
from mlplat.render.helm import chart_apis, chart_file, find_helm  # noqa: E402
from mlplat.render.run import releases_of  # noqa: E402
from mlplat.spec import load_spec  # noqa: E402
from tests.conftest import planned  # noqa: E402

CHARTS = ROOT.parent / "shared" / "charts"
TARGET_S = 10.0


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _helm_jobs(stack: str, scratch: Path) -> list[list[str]]:
    """The `helm template` commands a render of ``stack`` runs, values in ``scratch``."""
    spec_path = ROOT / "stacks" / f"{stack}.yaml"
    plan = planned(spec_path)
    spec = load_spec(spec_path).spec
    assert spec is not None
    ctx = render_context(spec, plan.outputs, {}, stack)
    helm = find_helm()
    releases = releases_of(vars(r) for r in plan.resources)
    charts = {r.name: chart_file(CHARTS, r.chart, r.version) for r in releases}
    apis = sorted({api for path in charts.values() for api, _ in chart_apis(path)})
    jobs = []
    for release in releases:
        values = scratch / f"{release.name}.json"
        values.write_text(json.dumps(release.values))
        command = [
            *(helm.path, "template", release.name, str(charts[release.name])),
            *("--namespace", release.namespace, "--values", str(values)),
            *("--kube-version", ctx.kube_version, "--include-crds", "--skip-tests"),
        ]
        for api in apis:
            command += ["--api-versions", api]
        jobs.append(command)
    return jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not CHARTS.is_dir():
        print(f"no chart packages at {CHARTS}", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="render-bench-"))
    jobs = _helm_jobs(args.stack, scratch)
    mlplat = str(Path(sys.executable).parent / "mlplat")
    spec = f"stacks/{args.stack}.yaml"

    def run(command: list[str]) -> None:
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)

    def render() -> None:
        run([mlplat, "render", spec, "--charts", str(CHARTS), "--no-pull"])

    def helm_parallel() -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(run, jobs))

    samples: dict[str, list[float]] = {"render": [], "helm": [], "floor": []}
    for _ in range(args.repeat):
        samples["render"].append(_timed(render))
        samples["helm"].append(_timed(helm_parallel))
        samples["floor"].append(max(_timed(lambda c=c: run(c)) for c in jobs))
    print(f"mlplat render {spec}: {len(jobs)} releases, {args.repeat} interleaved runs")
    print(f"{'':8} {'median s':>9} {'min s':>7}")
    for name, values in samples.items():
        print(f"{name:8} {statistics.median(values):9.2f} {min(values):7.2f}")
    median = statistics.median(samples["render"])
    overhead = median - statistics.median(samples["helm"])
    print(f"mlplat's own share (plan and checks): {overhead:.2f} s")
    if median >= TARGET_S:
        print(f"target missed: {median:.2f} s >= {TARGET_S} s", file=sys.stderr)
        return 1
    print(f"target met: {median:.2f} s < {TARGET_S} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
