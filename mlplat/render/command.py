"""The `render` options and reports of the command line (`mlplat render`, `plan --render`).

Kept apart from mlplat.cli so the command's entry stays light: nothing here imports Helm
machinery or Pulumi until a render is asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_render_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--charts",
        type=Path,
        metavar="DIR",
        help="chart cache of Helm packages <name>-<version>.tgz (default: $MLPLAT_CHARTS, "
        "else ~/.cache/mlplat/charts); missing charts are pulled into it when the network "
        "allows",
    )
    parser.add_argument(
        "--no-pull",
        action="store_true",
        help="never pull a missing chart (it is then reported as not rendered)",
    )
    parser.add_argument(
        "--kube-version",
        metavar="X.Y",
        help="the cluster's Kubernetes version for rendering (default: the spec's; on an "
        "existing cluster, the newest EKS standard-support version)",
    )


def render_of(args: argparse.Namespace, spec: Any, plan: Any) -> Any:
    from mlplat.render.context import render_context
    from mlplat.render.run import RenderOptions, render_plan

    policy = plan.policy.config if plan.policy else {}
    ctx = render_context(spec, plan.outputs, policy, plan.stack, args.kube_version)
    options = RenderOptions(charts=args.charts, pull=not args.no_pull)
    return render_plan([vars(r) for r in plan.resources], ctx, options)


def report_render(args: argparse.Namespace, plan: Any, rendered: Any) -> int:
    from mlplat.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
    from mlplat.render.report import render_report

    text = render_report(rendered, args.format)
    if args.output:
        suffix = {"text": "txt", "json": "json", "markdown": "md"}[args.format]
        try:
            args.output.mkdir(parents=True, exist_ok=True)
            (args.output / f"report.{suffix}").write_text(text, encoding="utf-8")
            for release, manifest in sorted(rendered.manifests.items()):
                (args.output / f"{release}.yaml").write_text(manifest, encoding="utf-8")
        except OSError as error:
            print(f"error[bad-input] cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    if rendered.failed:
        render_failed(rendered)
        return EXIT_CHECK_FAILED
    return EXIT_OK


def render_failed(rendered: Any) -> None:
    errors = len(rendered.errors)
    print(
        f"error[render] {errors} error-level finding{'s' if errors != 1 else ''} in what "
        "would run; see the Rendered releases section",
        file=sys.stderr,
    )
