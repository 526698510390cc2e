"""The whole review of a prod change, as CI runs it: one `mlplat diff --render` process.

The change is the README's example (a larger training pool, a new team, a retired
repository). The process plans the base and the head, diffs them, renders the head's
Helm releases from ../shared/charts and checks them, prices both sides, draws the
diagram and writes the comment and the job summary. Then the same steps in one process,
timed one by one, to show where the time goes.

Target (issue #18): the whole review under 15 s (median). Exit status 1 past it.

    python bench/review_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "stacks" / "prod.yaml"
CHARTS = ROOT.parent / "shared" / "charts"
TARGET_S = 15.0


def head_spec(folder: Path) -> Path:
    """prod.yaml with the README example's change, next to copies of the other stacks."""
    sys.path.insert(0, str(ROOT))
    from tests.review.conftest import example_change, write_variant

    return write_variant(folder / "stacks", example_change)


def whole_process(head: Path, out: Path) -> float:
    mlplat = str(Path(sys.executable).parent / "mlplat")
    args = [mlplat, "diff", str(PROD), str(head), "--render", "--charts", str(CHARTS),
            "--no-pull", "--format", "markdown", "-o", str(out / "comment.md"),
            "--summary", str(out / "summary.md")]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return elapsed


def phases(head: Path) -> dict[str, float]:
    """Each step of the review in one process, in seconds."""
    import argparse as ap

    from mlplat.render.command import render_of
    from mlplat.review.comment import render_markdown
    from mlplat.review.report import build_review
    from mlplat.review.sides import load_side

    times: dict[str, float] = {}

    def timed(name: str, fn):
        started = time.perf_counter()
        value = fn()
        times[name] = time.perf_counter() - started
        return value

    base = timed("plan base", lambda: load_side(str(PROD), "prod"))
    side = timed("plan head", lambda: load_side(str(head), "prod"))
    options = ap.Namespace(charts=CHARTS, no_pull=True, kube_version=None)
    rendered = timed("render head", lambda: render_of(options, side.spec, side.planned))
    review = timed("diff, security, cost, diagram", lambda: build_review(base, side, rendered))
    timed("comment", lambda: render_markdown(review))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    if not CHARTS.is_dir():
        print(f"no chart packages at {CHARTS}: the render step would only report them missing")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        head = head_spec(folder)
        samples = [whole_process(head, folder) for _ in range(repeat)]
        median = statistics.median(samples)
        print(
            f"whole review of prod (mlplat diff --render, one process), {repeat} runs: "
            f"median {median:.2f} s, min {min(samples):.2f} s (target < {TARGET_S} s)"
        )
        comment = (folder / "comment.md").read_text()
        print(f"comment: {len(comment):,} characters (GitHub's limit 65,536)")
        phases(head)  # warm: imports and caches, as the whole process pays them once
        for name, seconds in phases(head).items():
            print(f"  {name:32} {seconds:6.2f} s")
    if median >= TARGET_S:
        print(f"target missed: {median:.2f} s")
        return 1
    print("target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
