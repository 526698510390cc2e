"""``extends:`` layering: a spec may build on a base file.

Rules: mappings merge key by key (deeply); any other value, lists included, replaces the
base's value whole. ``extends`` is resolved relative to the file that names it; chains
are followed, cycles and missing files are errors. Every merged value keeps the location
of the file that supplied it, so errors point at the right file.
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

from mlplat.spec.errors import Location, Path, SpecError, yaml_type_name
from mlplat.spec.yaml_source import SourceDoc, read_yaml

MAX_CHAIN = 8
"""Longest allowed chain of extends; deeper chains are almost certainly a mistake."""
MAX_BYTES = 1_000_000
"""Largest spec file read. prod.yaml with 100 teams is about 40 kB; past this the file is
refused before it is parsed (parsing tens of MB takes seconds and gigabytes)."""


def display_name(path: FsPath) -> str:
    """Show paths relative to the working directory when they are under it."""
    try:
        return str(path.resolve().relative_to(FsPath.cwd().resolve()))
    except ValueError:
        return str(path)


def read_file(
    path: FsPath, referenced_at: Location | None = None
) -> tuple[SourceDoc | None, list[SpecError]]:
    display = display_name(path)
    try:
        if path.exists() and not path.is_file() and not path.is_dir():
            return None, [
                _io_error(
                    "file-unreadable",
                    f"{display} is not a regular file",
                    referenced_at,
                    display,
                )
            ]
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            size = path.stat().st_size
            return None, [
                _io_error(
                    "file-too-large",
                    f"{display} is {size / 1e6:.1f} MB; a spec may be at most "
                    f"{MAX_BYTES / 1e6:.0f} MB, so it is not read",
                    referenced_at,
                    display,
                    hint="a spec never needs this much (prod.yaml with 100 teams is about 40 kB): "
                    "is this the right file?",
                )
            ]
        text = data.decode("utf-8")
    except FileNotFoundError:
        return None, [
            _io_error("file-not-found", f"no such file: {display}", referenced_at, display)
        ]
    except IsADirectoryError:
        return None, [
            _io_error("file-unreadable", f"{display} is a directory", referenced_at, display)
        ]
    except UnicodeDecodeError:
        return None, [
            _io_error("file-unreadable", f"{display} is not UTF-8 text", referenced_at, display)
        ]
    except OSError as exc:
        return None, [
            _io_error(
                "file-unreadable", f"cannot read {display}: {exc.strerror}", referenced_at, display
            )
        ]
    return read_yaml(display, text)


def _io_error(
    code: str, message: str, at: Location | None, display: str, hint: str | None = None
) -> SpecError:
    return SpecError(code, ("extends",) if at else (), message, at or Location(display, 1, 1), hint)


def resolve(path: FsPath) -> tuple[SourceDoc | None, list[str], list[SpecError]]:
    """Read ``path`` and its ``extends`` chain; return the merged document and the files used."""
    chain: list[FsPath] = []
    docs: list[SourceDoc] = []
    errors: list[SpecError] = []
    current, referenced_at = path, None
    while True:
        resolved = current.resolve()
        if resolved in chain:
            cycle = " -> ".join(display_name(p) for p in [*chain, resolved])
            errors.append(
                SpecError(
                    "extends-cycle", ("extends",), f"extends forms a cycle: {cycle}", referenced_at
                )
            )
            return None, [], errors
        if len(chain) >= MAX_CHAIN:
            errors.append(
                SpecError(
                    "extends-too-deep",
                    ("extends",),
                    f"more than {MAX_CHAIN} files extend each other",
                    referenced_at,
                )
            )
            return None, [], errors
        chain.append(resolved)
        doc, file_errors = read_file(current, referenced_at)
        errors.extend(file_errors)
        if doc is None:
            return None, [], errors
        if referenced_at is not None and not isinstance(doc.data, dict):
            errors.append(
                SpecError(
                    "extends-invalid",
                    ("extends",),
                    f"{display_name(current)} is not a spec: expected a YAML mapping, found "
                    f"a {yaml_type_name(doc.data)}",
                    referenced_at,
                    hint="extends names a base spec, e.g. extends: base/aws.yaml",
                )
            )
            return None, [], errors
        docs.append(doc)
        target = doc.data.get("extends") if isinstance(doc.data, dict) else None
        if target is None:
            break
        referenced_at = doc.values.get(("extends",))
        if not isinstance(target, str) or not target.strip():
            errors.append(
                SpecError(
                    "extends-invalid",
                    ("extends",),
                    f"expected a relative file path, found {target!r}",
                    referenced_at,
                    hint="e.g. extends: base/aws.yaml (relative to this file)",
                )
            )
            return None, [], errors
        current = resolved.parent / target
    merged = docs[-1]
    for doc in reversed(docs[:-1]):
        merged = _overlay(merged, doc)
    if isinstance(merged.data, dict):
        merged.data.pop("extends", None)
    return merged, [display_name(p) for p in chain], errors


def _overlay(base: SourceDoc, top: SourceDoc) -> SourceDoc:
    if not (isinstance(base.data, dict) and isinstance(top.data, dict)):
        return top
    result = SourceDoc(None, dict(base.values), dict(base.keys), dict(base.raw))
    result.data = _merge(base.data, top.data, (), result, top)
    result.values[()] = top.values[()]
    return result


def _merge(
    base: dict[str, Any], top: dict[str, Any], path: Path, out: SourceDoc, top_doc: SourceDoc
) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        child = (*path, key)
        out.keys[child] = top_doc.keys[child]
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out.values[child] = top_doc.values[child]
            merged[key] = _merge(base[key], value, child, out, top_doc)
            continue
        _forget_below(out, child)
        _copy_below(top_doc, out, child)
        merged[key] = value
    return merged


def _forget_below(doc: SourceDoc, prefix: Path) -> None:
    n = len(prefix)
    for table in (doc.values, doc.keys, doc.raw):
        floor = n + 1 if table is doc.keys else n
        for p in [p for p in table if p[:n] == prefix and len(p) >= floor]:
            del table[p]


def _copy_below(src: SourceDoc, dst: SourceDoc, prefix: Path) -> None:
    n = len(prefix)
    for name in ("values", "keys", "raw"):
        source, target = getattr(src, name), getattr(dst, name)
        for p, loc in source.items():
            if p[:n] == prefix and (len(p) > n or name != "keys"):
                target[p] = loc
