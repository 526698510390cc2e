"""The `mlplat` command: validate, plan, render, check, policy-config; schema and init
(mlplat/scaffold.py); and the review verbs diff, cost and prices (mlplat/review/commands.py).

Exit codes, the same for every command, so CI can tell the outcomes apart:
- 0: ok (a spec is valid; a plan, render or check passed its checks).
- 1: a check failed: a mandatory policy control (`plan`, `check`), or an error-level
  finding in what would run (`render`, `plan --render`).
- 2: bad input: an invalid spec, plan or config file, a bad command line.
- 3: an internal error, i.e. a bug in mlplat: one line asks for a bug report; the
  traceback is printed only with `--debug`. A crash never exits 1 or 2.

Pulumi is imported only by `plan`, `render`, `check` and `policy-config`, so `validate` stays fast
enough for editors and pre-commit hooks.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from mlplat import __version__
from mlplat.render.command import add_render_options, render_failed, render_of, report_render
from mlplat.review.commands import add_review_commands
from mlplat.scaffold import add_scaffold_commands
from mlplat.spec import LoadResult, TeamStackSpec, load_spec

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def run() -> None:
    """Console-script entry: run, flush, and exit without interpreter teardown.

    Tearing down the thousands of classes the Pulumi SDKs define costs ~0.5 s, a quarter
    of a plan; the process holds nothing that needs a clean shutdown once output is flushed.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug in mlplat, whatever the input: exit 3, not 1
        return _internal_error(error, args.debug)


def _internal_error(error: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    summary = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    print(
        f"mlplat: internal error ({summary}). This is a bug in mlplat, not in your input: "
        "please report it with the input"
        + (" and this output" if debug else " and the output of the same command with --debug"),
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlplat", description="An MLOps platform from one YAML spec."
    )
    parser.add_argument("--version", action="version", version=f"mlplat {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    verbs = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = verbs.add_parser("validate", help="check specs without running the program")
    validate.add_argument("specs", nargs="+", metavar="SPEC")
    _platform_plan_option(validate)
    validate.set_defaults(run=_validate)

    plan = verbs.add_parser(
        "plan", help="offline plan: run the program under Pulumi's mock runtime"
    )
    plan.add_argument("spec", metavar="SPEC")
    plan.add_argument("--stack", help="stack name for URNs (default: the spec file's stem)")
    plan.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    plan.add_argument(
        "--output", "-o", type=Path, help="write the plan to this file instead of stdout"
    )
    plan.add_argument(
        "--render",
        action="store_true",
        help="also render every Helm release and check what would run (see `mlplat render`)",
    )
    add_render_options(plan)
    _platform_plan_option(plan)
    plan.set_defaults(run=_plan)

    render = verbs.add_parser(
        "render",
        help="render every Helm release of the plan with `helm template` and check what would run",
    )
    render.add_argument("spec", metavar="SPEC")
    render.add_argument("--stack", help="stack name for URNs (default: the spec file's stem)")
    render.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    render.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="DIR",
        help="write the report (report.<format>) and each release's rendered manifests "
        "(<release>.yaml) into this folder",
    )
    add_render_options(render)
    _platform_plan_option(render)
    render.set_defaults(run=_render, render=True)

    check = verbs.add_parser(
        "check", help="run the policy pack over a plan JSON file (from `plan --format json`)"
    )
    check.add_argument("plan_file", metavar="PLAN", type=Path)
    check.add_argument(
        "--policy-config",
        type=Path,
        help="pack config JSON (default: the config recorded in the plan)",
    )
    check.add_argument("--format", choices=("text", "json", "markdown", "sarif"), default="text")
    check.set_defaults(run=_check)

    config = verbs.add_parser(
        "policy-config",
        help="print the policy pack config for a spec (for pulumi --policy-pack-config)",
    )
    config.add_argument("spec", metavar="SPEC")
    config.set_defaults(run=_policy_config)

    add_scaffold_commands(verbs)
    add_review_commands(verbs, _platform_plan_option)
    for verb in verbs.choices.values():  # also accepted after the command
        verb.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
    return parser


_DEBUG_HELP = "on an internal error (exit 3), also print the traceback"


def _platform_plan_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform-plan",
        type=Path,
        metavar="PLAN",
        help="for a kind: Team spec, the platform's plan JSON (`mlplat plan PLATFORM --format "
        "json`): its teamPlatform output stands in for the platform stack's; without it a "
        "documented stub is used and GPU capacity is not checked",
    )


def _platform(args: argparse.Namespace) -> dict[str, Any] | None:
    """The teamPlatform output of ``--platform-plan``, or None; BadInput when unusable."""
    if args.platform_plan is None:
        return None
    from mlplat.build_teams import OUTPUT
    from mlplat.components.tenancy.outputs import ContractError, PlatformOutputs

    plan = _read_json(args.platform_plan, "platform plan")
    outputs = plan.get("outputs") if isinstance(plan, dict) else None
    if not isinstance(outputs, dict) or OUTPUT not in outputs:
        raise BadInput(
            f"{args.platform_plan}: no {OUTPUT} output; plan a platform spec that has a "
            "teams: section (`mlplat plan SPEC --format json`)"
        )
    try:
        PlatformOutputs.from_dict(outputs[OUTPUT])
    except ContractError as error:
        raise BadInput(f"{args.platform_plan}: {error}") from None
    return outputs[OUTPUT]


def _load(path: str, platform: dict[str, Any] | None) -> LoadResult:
    """Load a spec; a team spec is checked against ``platform`` when there is one."""
    facts = None
    if platform is not None:
        from mlplat.components.tenancy.outputs import PlatformOutputs
        from mlplat.team_stack import facts_of_outputs

        facts = facts_of_outputs(PlatformOutputs.from_dict(platform))
    result = load_spec(path, facts)
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)
    return result


def _report(result: LoadResult) -> None:
    for error in result.errors:
        print(error.format(), file=sys.stderr)
    count = len(result.errors)
    print(
        f"{count} error{'s' if count != 1 else ''}; nothing was planned or applied", file=sys.stderr
    )


def _validate(args: argparse.Namespace) -> int:
    try:
        platform = _platform(args)
    except BadInput as error:
        print(f"error[bad-input] {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = EXIT_OK
    for path in args.specs:
        result = _load(path, platform)
        if result.ok:
            extra = f" (extends {', '.join(result.files[1:])})" if len(result.files) > 1 else ""
            print(f"ok: {path}{extra}")
            if result.unchecked:
                print(
                    "  not checked without the platform's outputs (--platform-plan PLAN): "
                    + "; ".join(result.unchecked)
                )
        else:
            _report(result)
            status = EXIT_BAD_INPUT
    return status


def _plan(args: argparse.Namespace) -> int:
    return _with_plan(args, _report_plan)


def _render(args: argparse.Namespace) -> int:
    return _with_plan(args, report_render)


def _with_plan(args: argparse.Namespace, report: Any) -> int:
    """Load the spec, plan it offline, and hand the plan to ``report``; exit 2 on bad input."""
    if args.render and importlib.util.find_spec("kubernetes_validate") is None:
        print(
            "error[bad-input] rendering needs Kubernetes' schemas: pip install 'mlplat[render]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        platform = _platform(args)
    except BadInput as error:
        print(f"error[bad-input] {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = _load(args.spec, platform)
    if result.spec is None:
        _report(result)
        return EXIT_BAD_INPUT
    if isinstance(result.spec, TeamStackSpec) and platform is None:
        from mlplat.plan.team_stub import stub_platform

        platform = stub_platform(result.spec)
        print(
            "note: no --platform-plan; planning against the stub platform (mlplat/plan/"
            "team_stub.py), so GPU capacity, teams and access entries are not checked",
            file=sys.stderr,
        )
    from mlplat.plan.offline import plan_spec  # imports Pulumi: only here

    stack = args.stack or Path(args.spec).stem
    # Cyclic GC passes while the SDKs define their classes are pure overhead for a
    # short-lived plan (~10% of its time); reference counting still frees memory.
    gc.disable()
    try:
        plan = plan_spec(args.spec, result.spec, result.files, stack, platform)
        rendered = render_of(args, result.spec, plan) if args.render else None
        return int(report(args, plan, rendered))
    finally:
        gc.enable()


def _report_plan(args: argparse.Namespace, plan: Any, rendered: Any) -> int:
    from mlplat.plan.render import render

    plan.rendered = rendered
    text = render(plan, args.format)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"error[bad-input] cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    if plan.duplicate_urns:  # the real engine would refuse: mlplat's bug, not the spec's
        urns = ", ".join(plan.duplicate_urns)
        raise AssertionError(f"the program declared these URNs more than once: {urns}")
    status = EXIT_OK
    if plan.policy and plan.policy.failed:
        _policy_failed(len(plan.policy.verdict.mandatory_failures))
        status = EXIT_CHECK_FAILED
    if rendered is not None and rendered.failed:
        render_failed(rendered)
        status = EXIT_CHECK_FAILED
    return status


def _policy_failed(count: int) -> None:
    print(
        f"error[policy] {count} mandatory control violation{'s' if count != 1 else ''}; "
        "see the Policy section",
        file=sys.stderr,
    )


def _read_json(path: Path, what: str) -> Any:
    """A JSON file, or a one-line error (exit 2) naming the file and what was wrong."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(f"{path}: cannot read the {what}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise BadInput(
            f"{path}:{error.lineno}:{error.colno}: the {what} is not JSON: {error.msg}"
        ) from None


class BadInput(Exception):
    """A user-supplied file that cannot be used; reported without a traceback."""


def _check(args: argparse.Namespace) -> int:
    from mlplat.plan.policy_check import check, config_problems
    from mlplat.plan.render_policy import render_policy_markdown, render_policy_text

    try:
        plan = _read_json(args.plan_file, "plan")
        resources = plan.get("resources") if isinstance(plan, dict) else None
        if plan.get("kind") != "mlplat.dev/plan" or not isinstance(resources, list):
            raise BadInput(
                f"{args.plan_file}: expected a plan from `mlplat plan --format json` "
                "(kind mlplat.dev/plan with resources[])"
            )
        config = (
            _read_json(args.policy_config, "policy config")
            if args.policy_config
            else (plan.get("policy") or {}).get("config", {})
        )
        source = args.policy_config or f"{args.plan_file} (its policy.config)"
        if not isinstance(config, dict):
            raise BadInput(f"{source}: expected a JSON object of control configs")
        if problems := config_problems(config):
            raise BadInput(f"{source}: not a config of the policy pack: " + "; ".join(problems))
        report = check(resources, config)
    except BadInput as error:
        print(f"error[bad-input] {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyError, TypeError, AttributeError) as error:
        print(f"error[bad-input] {args.plan_file}: malformed plan: {error!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        text = json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"
    elif args.format == "sarif":
        from mlplat.review.sarif import sarif_of_plan

        text = json.dumps(sarif_of_plan(report, plan), indent=2) + "\n"
    elif args.format == "markdown":
        text = "\n".join(render_policy_markdown(report)) + "\n"
    else:
        text = "\n".join(render_policy_text(report)) + "\n"
    sys.stdout.write(text)
    if report.failed:
        _policy_failed(len(report.verdict.mandatory_failures))
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _policy_config(args: argparse.Namespace) -> int:
    result = load_spec(args.spec)
    if result.spec is None:
        _report(result)
        return EXIT_BAD_INPUT
    from mlplat.policy_config import policy_config

    print(json.dumps(policy_config(result.spec), indent=2, sort_keys=True))
    return EXIT_OK


if __name__ == "__main__":
    run()
