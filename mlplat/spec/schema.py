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


def schema_errors(doc: SourceDoc) -> list[SpecError]:
    """Every schema violation in ``doc``, each located in its source file.

    ``kind: Team`` documents are checked against the team root; anything else against
    the platform root (whose ``kind`` const then reports a wrong kind).
    """
    out: list[SpecError] = []
    seen: set[tuple[str, Path]] = set()
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    for err in _flatten(_validator("Team" if kind == "Team" else "Platform").iter_errors(doc.data)):
        for spec_error in _translate(err, doc):
            key = (spec_error.code, spec_error.path)
            if key not in seen:
                seen.add(key)
                out.append(spec_error)
    return out


def _flatten(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """Report an optional section's own errors, not "not valid under any of the schemas".

    Optional sections are ``anyOf: [<section>, null]``; when a written section fails, the
    useful errors are those of its first (object) branch.
    """
    for err in errors:
        if err.validator == "anyOf" and err.instance is not None and err.context:
            yield from _flatten(e for e in err.context if e.relative_schema_path[0] == 0)
        else:
            yield err


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest choice to ``word`` (case-insensitive), if any is close."""
    folded = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.5)
    return folded[match[0]] if match else None


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
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        raw = doc.raw.get(path)
        quote = "string" in expected and not isinstance(value, str) and raw is not None
        yield SpecError(
            "wrong-type",
            path,
            f"expected {expected}, found {describe_value(value)}",
            at,
            hint=f'YAML read {raw} as a {describe_value(value).split()[0]}; quote it: "{raw}"'
            if quote
            else None,
        )
    elif kind in ("enum", "const"):
        allowed = err.validator_value if kind == "enum" else [err.validator_value]
        close = suggest(value, [str(a) for a in allowed]) if isinstance(value, str) else None
        choices = (
            ", ".join(map(str, allowed))
            if len(allowed) <= _LISTED_CHOICES
            else f"{len(allowed)} names: {err.schema.get('description') or 'see the schema'}"
        )
        yield SpecError(
            "not-allowed",
            path,
            f"expected one of {choices}; found {describe_value(value)}",
            at,
            hint=f"did you mean '{close}'?" if close else None,
        )
    elif kind == "pattern" and "propertyNames" in err.schema_path:
        yield SpecError(
            "invalid-key",
            (*path, value),
            f"key '{value}' does not match {err.validator_value}",
            doc.keys.get((*path, value), at),
        )
    else:
        yield SpecError(_CODES.get(kind, "invalid-value"), path, _bound_message(err), at)


_CODES = {"pattern": "invalid-format", "minimum": "out-of-range", "maximum": "out-of-range"}


def _bound_message(err: ValidationError) -> str:
    limit, found = err.validator_value, describe_value(err.instance)
    return {
        "minimum": f"expected a number of at least {limit}, found {found}",
        "maximum": f"expected a number of at most {limit}, found {found}",
        "minItems": f"expected at least {limit} item(s), found {len(err.instance)}",
        "minLength": f"expected at least {limit} character(s), found {found}",
        "maxLength": f"expected at most {limit} characters, found {len(err.instance)}",
        "pattern": f"expected a value matching {limit}, found {found}",
    }.get(err.validator, err.message)


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
