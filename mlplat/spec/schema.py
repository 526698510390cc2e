"""Validate a document against the JSON Schema and turn each failure into a SpecError."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mlplat.spec.errors import Path, SpecError, describe_value
from mlplat.spec.yaml_source import SourceDoc

SCHEMA_FILE = "platform.schema.json"
TEAM_SCHEMA_FILE = "team.schema.json"
"""Generated from the platform schema's TeamStack definition (``python -m mlplat.spec.schema``)
so editors can check `kind: Team` files; a test keeps it current."""

_LISTED_CHOICES = 12
"""Longer enums (control ids) are not spelled out in an error."""


@cache
def schema() -> dict[str, Any]:
    """The Platform JSON Schema shipped in the package."""
    return json.loads(resources.files("mlplat.spec").joinpath(SCHEMA_FILE).read_text("utf-8"))


@cache
def team_schema() -> dict[str, Any]:
    """The root schema of a `kind: Team` document: TeamStack over the platform's $defs."""
    defs = schema()["$defs"]
    return {
        "$schema": schema()["$schema"],
        "$id": "https://mlplat.dev/schemas/team-v1.json",
        "title": "mlplat Team spec (mlplat.dev/v1)",
        **defs["TeamStack"],
        "$defs": defs,
    }


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(team_schema() if kind == "Team" else schema())


def validator_for(data: Any) -> Draft202012Validator:
    """``kind: Team`` documents are checked against the team root; anything else against
    the platform root (whose ``kind`` const then reports a wrong kind)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    return _validator("Team" if kind == "Team" else "Platform")


def schema_errors(doc: SourceDoc) -> list[SpecError]:
    """Every schema violation in ``doc``, each located in its source file."""
    out: list[SpecError] = []
    seen: set[tuple[str, Path]] = set()
    for err in flatten(validator_for(doc.data).iter_errors(doc.data)):
        for spec_error in _translate(err, doc):
            key = (spec_error.code, spec_error.path)
            if key not in seen:
                seen.add(key)
                out.append(spec_error)
    return out


def flatten(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """Report an optional section's own errors, not "not valid under any of the schemas".

    Optional sections are ``anyOf: [<section>, null]``; when a written section fails, the
    useful errors are those of its first (object) branch.
    """
    for err in errors:
        if err.validator == "anyOf" and err.instance is not None and err.context:
            yield from flatten(e for e in err.context if e.relative_schema_path[0] == 0)
        else:
            yield err


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest choice to ``word`` (case-insensitive), if any is close.

    Host names (``nvcr.io``, ``gcr.io``) name other services, not typos of ours: one is
    suggested only when it is the same host written otherwise (one contains the other,
    e.g. ``docker.io`` and ``registry-1.docker.io``) or two adjacent letters are swapped.
    """
    folded = {c.lower(): c for c in choices}
    word = word.lower()
    if "." in word:
        for choice in folded:
            if "." in choice and (word in choice or choice in word or _swapped(word, choice)):
                return folded[choice]
        return None
    match = difflib.get_close_matches(word, list(folded), n=1, cutoff=0.5)
    return folded[match[0]] if match else None


def _swapped(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two adjacent characters exchanged."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return (
        len(a) == len(b)
        and len(diff) == 2
        and diff[1] == diff[0] + 1
        and (a[diff[0]], a[diff[1]]) == (b[diff[1]], b[diff[0]])
    )


_YAML_TYPES = {"object": "mapping", "array": "sequence"}


def _translate(err: ValidationError, doc: SourceDoc) -> Iterator[SpecError]:
    path: Path = tuple(err.absolute_path)
    at = doc.values.get(path)
    kind, sub, value = err.validator, err.schema, err.instance
    if kind == "required":
        for name in [n for n in err.validator_value if n not in value]:
            described = _describe(sub.get("properties", {}).get(name, {}))
            yield SpecError(
                "missing-field",
                (*path, name),
                f"missing required field '{name}'",
                at,
                hint=f"add '{name}:'" + (f" ({described})" if described else ""),
            )
    elif kind == "additionalProperties":
        known = sorted(sub.get("properties", {}))
        for name in sorted(set(value) - set(known)):
            close = suggest(name, known)
            yield SpecError(
                "unknown-field",
                (*path, name),
                f"unknown field '{name}'",
                doc.keys.get((*path, name), at),
                hint=f"did you mean '{close}'?" if close else f"known fields: {', '.join(known)}",
            )
    elif kind == "type":
        yield _wrong_type(err, path, doc)
    elif kind in ("enum", "const"):
        yield _not_allowed(err, path, doc)
    elif kind == "pattern" and "propertyNames" in err.schema_path:
        yield SpecError(
            "invalid-key",
            (*path, value),
            f"key '{_short(value)}': {_pattern_words(sub)}",
            doc.keys.get((*path, value), at),
        )
    else:
        yield SpecError(_CODES.get(kind, "invalid-value"), path, _bound_message(err), at)


def _wrong_type(err: ValidationError, path: Path, doc: SourceDoc) -> SpecError:
    expected = err.validator_value
    names = [
        _YAML_TYPES.get(t, t) for t in (expected if isinstance(expected, list) else [expected])
    ]
    value, raw = err.instance, doc.raw.get(path)
    hint = None
    if "string" in names and not isinstance(value, str) and raw is not None:
        hint = f'YAML read {raw} as a {describe_value(value).split()[0]}; quote it: "{raw}"'
    elif value is None and names == ["mapping"] and path and isinstance(path[-1], str):
        key = path[-1]
        hint = (
            f"'{key}:' with nothing under it (or only comments) is null, not an empty mapping: "
            f"write '{key}: {{}}' to use the defaults, or remove the key"
        )
    return SpecError(
        "wrong-type",
        path,
        f"expected {' or '.join(names)}, found {describe_value(value)}",
        doc.values.get(path),
        hint=hint,
    )


def _not_allowed(err: ValidationError, path: Path, doc: SourceDoc) -> SpecError:
    value = err.instance
    allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
    numbers = all(isinstance(a, int) and not isinstance(a, bool) for a in allowed)
    if len(allowed) <= _LISTED_CHOICES or numbers:
        choices = ", ".join(map(str, allowed))
    else:
        choices = f"{len(allowed)} names: {err.schema.get('description') or 'see the schema'}"
    hint = None
    if isinstance(value, str):
        close = suggest(value, [str(a) for a in allowed])
        hint = f"did you mean '{close}'?" if close else None
    elif numbers and isinstance(value, int | float) and not isinstance(value, bool):
        below = [a for a in allowed if a < value]
        above = [a for a in allowed if a > value]
        near = [str(x) for x in (below[-1:] + above[:1])]
        hint = f"the nearest allowed: {' or '.join(near)}" if near else None
    return SpecError(
        "not-allowed",
        path,
        f"expected one of {choices}; found {describe_value(value)}",
        doc.values.get(path),
        hint=hint,
    )


_CODES = {
    "pattern": "invalid-format",
    "minimum": "out-of-range",
    "maximum": "out-of-range",
    "exclusiveMinimum": "out-of-range",
    "exclusiveMaximum": "out-of-range",
}


def _bound_message(err: ValidationError) -> str:
    """What the value should be, in words; only the keyword that failed is evaluated."""
    limit, value = err.validator_value, err.instance
    found = describe_value(value)
    size = len(value) if isinstance(value, str | list | dict) else 0
    match err.validator:
        case "minimum":
            return f"expected a number of at least {limit}, found {found}"
        case "maximum":
            return f"expected a number of at most {limit}, found {found}"
        case "exclusiveMinimum":
            return f"expected a number above {limit}, found {found}"
        case "exclusiveMaximum":
            return f"expected a number below {limit}, found {found}"
        case "minItems":
            return f"expected at least {limit} item{'s' if limit != 1 else ''}, found {size}"
        case "maxItems":
            return f"expected at most {limit} items, found {size}"
        case "uniqueItems":
            return "expected each item once, found a repeated item"
        case "minLength":
            return f"expected at least {limit} character{'s' if limit != 1 else ''}, found {found}"
        case "maxLength":
            return f"expected at most {limit} characters, found {size}"
        case "pattern":
            return f"{_pattern_words(err.schema)}, found {found}"
    return _short(err.message, 200)


def _pattern_words(sub: dict[str, Any]) -> str:
    """The schema's own words for a pattern (``patternErrorMessage``, which editors show)."""
    return sub.get("patternErrorMessage") or f"expected a value matching {sub.get('pattern')}"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(prop: dict[str, Any]) -> str:
    ref = prop.get("$ref", "")
    if ref.startswith("#/$defs/"):
        prop = schema()["$defs"][ref.removeprefix("#/$defs/")]
    text = prop.get("description", "")
    return text.split(". ")[0].rstrip(".")


if __name__ == "__main__":
    target = resources.files("mlplat.spec").joinpath(TEAM_SCHEMA_FILE)
    with resources.as_file(target) as path:
        path.write_text(json.dumps(team_schema(), indent=2) + "\n", encoding="utf-8")
