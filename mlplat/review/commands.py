"""The review verbs of the `mlplat` command: diff, cost, prices.

Exit codes as in mlplat/cli.py: 0 ok; 1 the change should not merge as is (a mandatory
policy failure in the head plan, or a destructive change the head spec does not
acknowledge); 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BLOCKED, EXIT_BAD_INPUT = 0, 1, 2


def add_review_commands(verbs: Any, platform_option: Any) -> None:
    from mlplat.render.command import add_render_options

    diff = verbs.add_parser(
        "diff",
        help="review a change: what BASE -> HEAD creates, updates, replaces, deletes, opens "
        "up and costs (each side a spec, a plan JSON, or REF:PATH)",
    )
    diff.add_argument("base", metavar="BASE", help="spec path, plan JSON, or REF:PATH")
    diff.add_argument("head", metavar="HEAD", help="spec path, plan JSON, or REF:PATH")
    diff.add_argument("--stack", help="stack name for URNs (default: each spec file's stem)")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    diff.add_argument("--output", "-o", type=Path, help="write the review here, not stdout")
    diff.add_argument(
        "--summary",
        type=Path,
        help="markdown: also write the full review here (it may exceed a comment's limit; "
        "CI appends it to the job summary)",
    )
    diff.add_argument(
        "--render",
        action="store_true",
        help="also render the head's Helm releases and check what would run (`mlplat "
        "render`); HEAD must be a spec or REF:PATH",
    )
    add_render_options(diff)
    platform_option(diff)
    diff.set_defaults(run=_diff)

    cost = verbs.add_parser(
        "cost", help="monthly cost estimate of a spec or plan JSON, per component and team"
    )
    cost.add_argument("source", metavar="SPEC|PLAN")
    cost.add_argument("--stack", help="stack name for URNs (default: the spec file's stem)")
    cost.add_argument("--format", choices=("text", "json"), default="text")
    platform_option(cost)
    cost.set_defaults(run=_cost)

    prices = verbs.add_parser("prices", help="the price table cost estimates use")
    actions = prices.add_subparsers(required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print the shipped table's as-of date and regions")
    show.set_defaults(run=_prices_show)
    refresh = actions.add_parser(
        "refresh",
        help="rebuild the table from AWS's Price List bulk API offer files (needs network, "
        "or --offers with files downloaded elsewhere)",
    )
    refresh.add_argument("--region", action="append", required=True, help="repeatable")
    refresh.add_argument(
        "--offers", type=Path, metavar="DIR", help="read DIR/<offer>/<region>.csv instead"
    )
    refresh.add_argument("--output", "-o", type=Path, required=True, metavar="FILE")
    refresh.set_defaults(run=_prices_refresh)


def _bad(message: str, details: list[str] | None = None) -> int:
    print(f"error[bad-input] {message}", file=sys.stderr)
    for line in details or []:
        print(f"  {line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _platform(args: argparse.Namespace) -> dict[str, Any] | None:
    from mlplat.cli import _platform as platform

    return platform(args)


def _diff(args: argparse.Namespace) -> int:
    from mlplat.cli import BadInput
    from mlplat.review.comment import render_markdown
    from mlplat.review.report import build_review
    from mlplat.review.sides import SideError, load_side
    from mlplat.review.text import render_text

    if args.render and importlib.util.find_spec("kubernetes_validate") is None:
        return _bad("rendering needs Kubernetes' schemas: pip install 'mlplat[render]'")
    try:
        platform = _platform(args)
        head = load_side(args.head, args.stack, platform)
        if args.render and head.planned is None:
            raise SideError(f"{head.label}: --render needs HEAD as a spec or REF:PATH, not a plan")
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Helm renders the head while the base is planned: the two overlap.
            rendering = pool.submit(_render_head, args, head) if args.render else None
            base = load_side(args.base, args.stack, platform)
            render = rendering.result() if rendering else None
    except SideError as error:
        return _bad(str(error), error.details)
    except BadInput as error:
        return _bad(str(error))
    if base.plan.get("stack") != head.plan.get("stack"):
        return _bad(
            f"the sides plan different stacks ({base.plan.get('stack')} and "
            f"{head.plan.get('stack')}), so no URN would match: pass --stack"
        )
    review = build_review(base, head, render)
    if args.format == "markdown":
        text, summary = render_markdown(review)
        if args.summary:
            args.summary.write_text(summary, encoding="utf-8")
    elif args.format == "json":
        text = json.dumps(review_json(review), indent=2, sort_keys=True) + "\n"
    else:
        text = render_text(review)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for item in review.unacknowledged:
        print(
            f"error[destructive] {item.change.action} {item.change.urn}: {item.why}; "
            "acknowledge it in the head spec's review.acknowledge if intended",
            file=sys.stderr,
        )
    if review.policy_failed:
        print("error[policy] the head plan fails a mandatory policy control", file=sys.stderr)
    if review.render_failed:
        from mlplat.render.command import render_failed

        render_failed(review.render)
    return EXIT_BLOCKED if review.blocked else EXIT_OK


def _render_head(args: argparse.Namespace, head: Any) -> Any:
    from mlplat.render.command import render_of

    return render_of(args, head.spec, head.planned)


def review_json(review: Any) -> dict[str, Any]:
    """The review as data: for bots and for tests of the pieces."""
    return {
        "kind": "mlplat.dev/review",
        "stack": review.stack,
        "base": review.base.label,
        "head": review.head.label,
        "blocked": review.blocked,
        "policyFailed": review.policy_failed,
        "render": None if review.render is None else {"failed": review.render_failed},
        "counts": review.diff.counts(),
        "teams": review.teams,
        "changes": [
            {
                "action": str(c.action),
                "urn": c.urn,
                "type": c.type,
                "renamedFrom": c.renamed_from,
                "paths": [
                    {"path": p.path, "old": p.old, "new": p.new, "replaces": p.replaces}
                    for p in c.paths
                ],
                "note": c.note,
                "hint": c.hint,
            }
            for c in review.diff.changes
        ],
        "destructive": [
            {
                "urn": d.change.urn,
                "action": str(d.change.action),
                "why": d.why,
                "acknowledged": d.acknowledged.reason if d.acknowledged else None,
            }
            for d in review.destructive
        ],
        "security": [vars(r) for r in review.security],
        "cost": {
            "asOf": review.cost_head.as_of,
            "region": review.cost_head.region,
            "base": {"min": review.cost_base.total(), "max": review.cost_base.total(True)},
            "head": {"min": review.cost_head.total(), "max": review.cost_head.total(True)},
            "unknown": sorted({i.price.item for i in review.cost_head.unknown}),
        },
    }


def _cost(args: argparse.Namespace) -> int:
    from mlplat.cli import BadInput
    from mlplat.review.cost import estimate
    from mlplat.review.markdown import money
    from mlplat.review.sides import SideError, load_side

    try:
        side = load_side(args.source, args.stack, _platform(args))
    except SideError as error:
        return _bad(str(error), error.details)
    except BadInput as error:
        return _bad(str(error))
    cost = estimate(side.plan)
    if args.format == "json":
        data = {
            "asOf": cost.as_of,
            "region": cost.region,
            "min": cost.total(),
            "max": cost.total(True),
            "gpuHoursMax": cost.gpu_hours_max,
            "components": {
                k: {"min": v[0], "max": v[1], "unknownItems": v[2]}
                for k, v in cost.by_component().items()
            },
            "teams": {k: {"quota": v[0], "withBorrowing": v[1]} for k, v in cost.by_team().items()},
            "items": [
                {
                    "component": i.component,
                    "what": i.what,
                    "price": i.price.value,
                    "category": i.price.category,
                    "item": i.price.item,
                    "source": i.price.source,
                    "min": i.monthly_min,
                    "max": i.monthly_max,
                    "note": i.note,
                    "reason": i.price.reason,
                    "usageBased": i.usage_based,
                }
                for i in cost.items
            ],
        }
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return EXIT_OK
    print(f"monthly estimate, USD; prices as of {cost.as_of}; region {cost.region or 'none'}")
    for name, (low, high, unknown) in cost.by_component().items():
        extra = f"  (+{unknown} unknown)" if unknown else ""
        print(f"  {name:48} {money(low):>12} .. {money(high):>12}{extra}")
    print(
        f"  {'total (known prices)':48} {money(cost.total()):>12} .. {money(cost.total(True)):>12}"
    )
    if cost.gpu_hours_max:
        print(f"  GPU-hours/month at max: {cost.gpu_hours_max:,.0f}")
    for team, (quota, borrowing) in cost.by_team().items():
        print(f"  team {team}: GPU quota in full use {money(quota)} ({money(borrowing)} borrowing)")
    for item in cost.unknown:
        print(f"  unknown: {item.what}: {item.price.reason}")
    return EXIT_OK


def _prices_show(args: argparse.Namespace) -> int:
    from mlplat.review.prices import shipped

    table = shipped()
    print(f"mlplat price table, as of {table.as_of}: regions {', '.join(table.regions())}")
    print(table.document.get("note", ""))
    return EXIT_OK


def _prices_refresh(args: argparse.Namespace) -> int:
    from urllib.error import URLError

    from mlplat.review.prices import refresh

    try:
        table = refresh(args.region, args.offers)
    except URLError as error:
        return _bad(
            f"cannot reach AWS's price list ({error.reason}); without network, download "
            "the offer files elsewhere and pass --offers DIR"
        )
    args.output.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    counts = {r: sum(len(v) for v in t.values()) for r, t in table["regions"].items()}
    print(f"wrote {args.output}: {counts} prices as of {table['asOf']}")
    return EXIT_OK
