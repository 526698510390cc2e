"""Spec errors: where a problem is, what was expected, what was found, how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]
"""A field path inside the spec document, e.g. ("nodePools", 1, "maxSize")."""


@dataclass(frozen=True, slots=True)
class Location:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class SpecError:
    """One problem with a spec. ``code`` is stable; tests and docs key on it."""

    code: str
    path: Path
    message: str
    location: Location | None = None
    hint: str | None = None
    warning: bool = False
    """A finding worth reading that does not stop the spec (e.g. GPU oversubscription)."""

    def format(self) -> str:
        where = (
            f"{self.location.file}:{self.location.line}:{self.location.col}: "
            if self.location
            else ""
        )
        field = f"{render_path(self.path)}: " if self.path else ""
        label = "warning" if self.warning else "error"
        text = f"{where}{label}[{self.code}] {field}{self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.col, self.code) if loc else ("", 0, 0, self.code)


def render_path(path: Path) -> str:
    """Render a path the way users write it: ``nodePools[1].labels["a.b/c"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "a").replace("-", "a").isalnum() and not part[:1].isdigit():
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def describe_value(value: object) -> str:
    """Name a found value in YAML's terms, with a short rendering of it."""
    kind = yaml_type_name(value)
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return f"a {kind}"
    text = repr(value) if isinstance(value, str) else str(value).lower()
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}"


def yaml_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "sequence"
    return type(value).__name__
