"""Starting a spec: `mlplat schema` for editors, `mlplat init` for a commented starter.

`init` writes a starter spec and its stack config for a chosen shape (and a Pulumi
project running mlplat's program, in a folder that has none). Starters live in
mlplat/starters/ as YAML with ``$name``-style fields. The spec is validated before
anything is written, and existing files are never overwritten unless asked: a failed
init leaves the folder as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

import yaml

from mlplat import __version__
from mlplat.spec import load_spec
from mlplat.spec.versions import STANDARD_SUPPORT

SHAPES = {
    "laptop": "an existing cluster (kind on a laptop, on-prem): in-cluster stores, no cloud",
    "dev": "a small AWS platform: two zones, three CPU nodes, a small database",
    "prod": "a production AWS platform with a GPU pool, teams and quotas",
}
DEFAULT_REGION = "us-east-1"
PROJECT_FILE = "Pulumi.yaml"
PACK_FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt")
MAIN = (
    '"""Pulumi entry point (written by `mlplat init`)."""\n\n'
    "from mlplat.program import main\n\nmain()\n"
)


@dataclass(frozen=True)
class Starter:
    """What init writes: path → text, in order."""

    files: dict[Path, str]
    stack: str
    spec: Path


def add_scaffold_commands(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    schema = verbs.add_parser("schema", help="print a spec's JSON Schema (for editors)")
    schema.add_argument("--kind", choices=("Platform", "Team"), default="Platform")
    schema.set_defaults(run=run_schema)
    init = verbs.add_parser(
        "init",
        help="write a commented starter spec and its Pulumi stack config",
        description="\n".join(f"  {shape}: {what}" for shape, what in SHAPES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("shape", choices=tuple(SHAPES), help="what kind of platform")
    init.add_argument("--stack", help="the Pulumi stack name (default: the shape)")
    init.add_argument("--name", help="the platform's name (default: mlplat-<stack>)")
    init.add_argument(
        "--region",
        help=f"AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
    )
    init.add_argument(
        "--dir", type=Path, default=Path("stacks"), help="where the spec goes (default: stacks)"
    )
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.set_defaults(run=run_init)


def run_schema(args: argparse.Namespace) -> int:
    from mlplat.spec.schema import schema, team_schema

    print(json.dumps(team_schema() if args.kind == "Team" else schema(), indent=2))
    return 0


def starter(args: argparse.Namespace, root: Path) -> Starter:
    """The files init would write under ``root`` (the Pulumi project's folder)."""
    stack = args.stack or args.shape
    spec = args.dir / f"{stack}.yaml"
    region = (
        args.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )
    text = Template(files("mlplat.starters").joinpath(f"{args.shape}.yaml").read_text())
    written = {
        root / spec: text.substitute(
            name=args.name or f"mlplat-{stack}",
            region=region,
            kubernetes=STANDARD_SUPPORT[-1],
            path=spec.as_posix(),
            stack=stack,
        )
    }
    project = root / PROJECT_FILE
    config_dir = root
    if project.exists():
        config_dir = root / str(
            (yaml.safe_load(project.read_text()) or {}).get("stackConfigDir", ".")
        )
    else:
        config_dir = root / args.dir
        written[project] = yaml.safe_dump(
            {
                "name": "mlplat-platform",
                "description": "An MLOps platform from one YAML spec (mlplat).",
                "runtime": {
                    "name": "python",
                    "options": {"toolchain": "pip", "virtualenv": ".venv"},
                },
                "stackConfigDir": args.dir.as_posix(),
            },
            sort_keys=False,
        )
        if not (root / "__main__.py").exists():
            written[root / "__main__.py"] = MAIN
        if not (root / "requirements.txt").exists():  # what Pulumi installs into .venv
            written[root / "requirements.txt"] = f"mlplat=={__version__}\n"
        if not (root / "policies").exists():
            written.update(_policy_pack(root / "policies"))
    written[config_dir / f"Pulumi.{stack}.yaml"] = yaml.safe_dump(
        {"config": {"mlplat:spec": spec.as_posix()}}, sort_keys=False
    )
    return Starter(written, stack, spec)


def _policy_pack(folder: Path) -> dict[Path, str]:
    """mlplat's CrossGuard pack for `pulumi preview --policy-pack policies`: its entry point
    and settings as shipped; it runs in the project's .venv, where mlplat is installed."""
    pack = files("mlplat.policies")
    return {folder / name: pack.joinpath(name).read_text() for name in PACK_FILES}


def run_init(args: argparse.Namespace) -> int:
    root = Path.cwd()
    made = starter(args, root)
    existing = [p for p in made.files if p.exists()]
    if existing and not args.force:
        for path in existing:
            print(f"error: {path.relative_to(root)} exists; nothing was written", file=sys.stderr)
        print("hint: pass --force to overwrite, or --stack NAME for another stack", file=sys.stderr)
        return 2
    spec_text = made.files[root / made.spec]
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / made.spec.name
        trial.write_text(spec_text)
        errors = load_spec(trial).errors
    if errors:
        for error in errors:
            print(error.format().replace(str(trial), str(made.spec)), file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    for path, text in made.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(root)}")
    print(
        f"next: edit the lines marked 'replace', then `mlplat plan {made.spec.as_posix()}` "
        f"(offline) and `pulumi stack init {made.stack} && pulumi up -s {made.stack}`"
    )
    return 0
