"""The pre-commit hook (.pre-commit-hooks.yaml): validate the specs a commit touches.

pre-commit passes the changed YAML files. A stack spec is validated as it is. A fragment
(a file other specs ``extends``, such as those under ``stacks/base/``) is not a stack on
its own, so the stacks that extend it, directly or through another fragment, are
validated instead: a change to a base is checked where it lands. Files that are neither
(Pulumi stack configs, unrelated YAML) are skipped. Imports nothing from Pulumi.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from mlplat.spec import load_spec

KINDS = ("Platform", "Team")


def _header(path: Path) -> dict[str, object]:
    """The top-level keys of a YAML file (empty when it is not a mapping or not YAML)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _extends(path: Path) -> Path | None:
    target = _header(path).get("extends")
    return (path.parent / target).resolve() if isinstance(target, str) and target else None


def stacks_to_check(changed: Iterable[str], root: Path) -> list[Path]:
    """The stack specs to validate for ``changed`` files (paths relative to ``root``)."""
    root = root.resolve()
    specs = [p for p in root.rglob("*.y*ml") if not set(p.parts) & {".venv", ".git"}]
    parents = {spec: _extends(spec) for spec in specs}
    stacks = {
        s for s in specs if _header(s).get("kind") in KINDS and not _fragment(s, root, parents)
    }
    selected: set[Path] = set()
    for name in changed:
        path = (root / name).resolve()
        if path in stacks:
            selected.add(path)
        elif path in parents and _fragment(path, root, parents):
            selected |= {s for s in stacks if _extends_chain(s, path, parents)}
    return sorted(selected)


def _fragment(path: Path, root: Path, parents: dict[Path, Path | None]) -> bool:
    """A file other specs extend, or one kept under a ``base/`` folder."""
    return "base" in path.relative_to(root).parts[:-1] or path in parents.values()


def _extends_chain(spec: Path, fragment: Path, parents: dict[Path, Path | None]) -> bool:
    seen: set[Path] = set()
    current = parents.get(spec)
    while current is not None and current not in seen:
        if current == fragment:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def main(argv: list[str] | None = None) -> int:
    changed = sys.argv[1:] if argv is None else argv
    status = 0
    root = Path.cwd().resolve()
    for spec in stacks_to_check(changed, root):
        spec = spec.relative_to(root)
        result = load_spec(spec)
        for warning in result.warnings:
            print(warning.format(), file=sys.stderr)
        if result.ok:
            print(f"ok: {spec}")
            continue
        for error in result.errors:
            print(error.format(), file=sys.stderr)
        status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
