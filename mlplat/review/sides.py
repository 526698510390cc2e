"""One side of a review: a spec path, a saved plan JSON, or ``REF:PATH``.

``REF:PATH`` plans the spec files as they are in commit REF (PATH relative to the
repository's top, as ``git show REF:PATH`` reads it) **with the code checked out now**:
the diff then isolates what the spec change does. To review a change to mlplat's own code
as well, plan the base commit with its own code and pass that plan file (the pull-request
workflow does this: .github/workflows/review.yml). Only the spec files (``*.yaml``,
``*.yml``) of REF are extracted, into a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlplat.spec import AnySpec, TeamStackSpec, load_spec
from mlplat.spec.layering import resolve
from mlplat.spec.yaml_source import SourceDoc

PLAN_KIND = "mlplat.dev/plan"


class SideError(Exception):
    """A side that cannot be read or planned; reported as bad input (exit 2)."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass
class Side:
    label: str
    """How the side was given: a path, or REF:PATH."""
    plan: Mapping[str, Any]
    """The plan JSON document."""
    spec: AnySpec | None = None
    """The spec, when the side was planned here (or a plan's spec file could be read)."""
    source: SourceDoc | None = None
    """Where each spec value was written, for file:line references."""
    warnings: list[str] = field(default_factory=list)
    planned: Any = None
    """The Plan object, when the side was planned here (`mlplat render` takes it)."""


def load_side(arg: str, stack: str | None, platform: Mapping[str, Any] | None = None) -> Side:
    """Read or plan one side. ``stack`` names the stack for URNs (default: the spec's stem)."""
    path = Path(arg)
    if path.is_file():
        if path.suffix == ".json":
            return _saved_plan(path)
        return plan_side(arg, arg, stack, platform)
    ref, sep, spec_path = arg.partition(":")
    if sep and ref and spec_path:
        with checkout_specs(ref) as root, _cwd(root):
            side = plan_side(spec_path, arg, stack or Path(spec_path).stem, platform)
        side.source = None  # its locations point into a directory that no longer exists
        return side
    raise SideError(f"{arg}: no such file, and not REF:PATH (e.g. origin/main:stacks/prod.yaml)")


def plan_side(
    spec_path: str, label: str, stack: str | None, platform: Mapping[str, Any] | None
) -> Side:
    from mlplat.plan.offline import plan_spec
    from mlplat.plan.team_stub import stub_platform

    result = load_spec(spec_path)
    if result.spec is None:
        raise SideError(f"{label}: not a valid spec", [e.format() for e in result.errors])
    warnings = [w.format() for w in result.warnings]
    if isinstance(result.spec, TeamStackSpec) and platform is None:
        platform = stub_platform(result.spec)
        warnings.append(f"{label}: no --platform-plan; planned against the stub platform")
    plan = plan_spec(spec_path, result.spec, result.files, stack or Path(spec_path).stem, platform)
    return Side(label, plan.to_dict(), result.spec, _source(spec_path), warnings, plan)


def _saved_plan(path: Path) -> Side:
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SideError(f"{path}: cannot read the plan: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise SideError(f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    if not isinstance(plan, dict) or plan.get("kind") != PLAN_KIND:
        raise SideError(
            f"{path}: expected a plan from `mlplat plan --format json` (kind {PLAN_KIND})"
        )
    if not isinstance(plan.get("resources"), list):
        raise SideError(f"{path}: the plan has no resources[] list")
    side = Side(str(path), plan)
    files = plan.get("specFiles") or []
    if files and Path(files[0]).is_file():
        result = load_spec(files[0])
        if result.spec is not None:
            side.spec, side.source = result.spec, _source(files[0])
            side.warnings.append(
                f"{path}: a saved plan; its spec {files[0]} was re-read from the working tree "
                "for file:line references and acknowledgements"
            )
    return side


def _source(spec_path: str) -> SourceDoc | None:
    doc, _, errors = resolve(Path(spec_path))
    return None if errors else doc


@contextlib.contextmanager
def checkout_specs(ref: str) -> Iterator[Path]:
    """The YAML files of commit ``ref`` in a temporary directory (the repository's layout)."""
    top = _git("rev-parse", "--show-toplevel").strip()
    commit = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check_ref=ref).strip()
    names = [
        n
        for n in _git("ls-tree", "-r", "--name-only", "-z", commit, cwd=top).split("\0")
        if n.endswith((".yaml", ".yml"))
    ]
    with tempfile.TemporaryDirectory(prefix="mlplat-ref-") as tmp:
        if names:
            archive = subprocess.run(
                ["git", "archive", "--format=tar", commit, "--", *names],
                cwd=top,
                capture_output=True,
                check=True,
            ).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                _write_regular_files(tar, Path(tmp))
        yield Path(tmp)


def _write_regular_files(tar: tarfile.TarFile, root: Path) -> None:
    """Write the archive's regular files under ``root``; links are left out, so nothing
    is read or written outside it. (By hand: ``extractall(filter=...)`` needs 3.11.4+.)"""
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if not member.isfile() or Path(member.name).is_absolute() or ".." in parts:
            continue
        source = tar.extractfile(member)
        if source is None:
            continue
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read())


def _git(*args: str, cwd: str | None = None, check_ref: str | None = None) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise SideError("REF:PATH needs git, which is not installed") from None
    if done.returncode != 0:
        if check_ref is not None:
            raise SideError(f"{check_ref}: not a commit in this repository")
        raise SideError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    """Plan from inside the extracted tree, so its files read as the repository's paths."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
