"""The part of a document the schema accepts, so the semantic checks can judge it too.

The semantic checks need a typed model, and the model needs a schema-valid document. To
report every problem at once, ``accepted_part`` takes out what the schema refuses until
the rest validates: a refused value goes (its default applies), a missing required value
gets a stand-in, and where neither works the smallest enclosing mapping entry goes (a list
item never goes alone: list indices are field paths in messages). Every path it touched
is *tainted*; ``trusted`` then drops any finding that may rest on a tainted value, i.e.
one located in the same item (a pool, a team, a field), or from a check that reads a
tainted section (see ``findings.reads``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mlplat.spec.errors import Path
from mlplat.spec.schema import flatten, schema, suggest, validator_for

MAX_ROUNDS = 32
"""Each round removes or replaces at least one value; real documents need a few."""
_MISSING = object()


def accepted_part(data: dict[str, Any]) -> tuple[dict[str, Any], frozenset[Path]] | None:
    """A schema-valid copy of ``data`` and the paths changed to get it; None if the
    document has no usable part (e.g. a required top-level section without a stand-in)."""
    doc = copy.deepcopy(data)
    tainted: set[Path] = set()
    stood_in: set[Path] = set()
    for _ in range(MAX_ROUNDS):
        errors = list(flatten(validator_for(doc).iter_errors(doc)))
        if not errors:
            return doc, frozenset(tainted)
        for err in _shallowest_first(errors):
            if not _repair(doc, err, tainted, stood_in):
                return None
    return None


def trusted(path: Path, reads: Iterable[Path], tainted: frozenset[Path]) -> bool:
    """Whether a finding at ``path`` from a check reading ``reads`` rests on no tainted value."""
    if not tainted:
        return True
    scopes = (own_item(path), *reads)
    return not any(_overlap(t, scope) for t in tainted for scope in scopes)


def own_item(path: Path) -> Path:
    """The item a finding belongs to: up to the first list index (``nodePools[2]``), else
    the field itself (``network.cidr``)."""
    for i, part in enumerate(path):
        if isinstance(part, int):
            return path[: i + 1]
    return path[:2]


def _overlap(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _shallowest_first(errors: list[ValidationError]) -> list[ValidationError]:
    return sorted(errors, key=lambda e: len(e.absolute_path))


def _repair(doc: Any, err: ValidationError, tainted: set[Path], stood_in: set[Path]) -> bool:
    path: Path = tuple(err.absolute_path)
    node = _get(doc, path)
    if node is _MISSING:
        return True  # removed with an enclosing value this round
    if err.validator == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        for key in sorted(set(node) - set(known)):
            del node[key]
            # A misspelt field leaves its intended one at the default: distrust that one.
            tainted.add((*path, suggest(key, known) or key))
        return True
    if err.validator == "required":
        for name in [n for n in err.validator_value if n not in node]:
            value = _stand_in(err.schema.get("properties", {}).get(name, {}))
            if value is _MISSING or (*path, name) in stood_in:
                return _remove(doc, path, tainted)
            node[name] = value
            stood_in.add((*path, name))
            tainted.add((*path, name))
        return True
    return _remove(doc, path, tainted)


def _remove(doc: Any, path: Path, tainted: set[Path]) -> bool:
    """Delete the value at ``path``, or the nearest enclosing mapping entry; False at the root."""
    while path:
        parent = _get(doc, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
            tainted.add(path)
            return True
        path = path[:-1]
    return False


def _stand_in(node: dict[str, Any]) -> Any:
    """A value the schema accepts where a required one is missing, if one is obvious: the
    schema's const, first choice, default or first example, or the least of its type."""
    while "$ref" in node:
        node = schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    least = {
        "object": {},  # its own required fields get stand-ins, or it goes, next round
        "array": [],
        "string": "x" * node.get("minLength", 0),
        "integer": node.get("minimum", 0),
        "boolean": False,
    }
    candidates = [
        *([node["const"]] if "const" in node else []),
        *node.get("enum", [])[:1],
        *([node["default"]] if "default" in node else []),
        *node.get("examples", [])[:1],
        *([least[node["type"]]] if node.get("type") in least else []),
    ]
    check = Draft202012Validator({**node, "$defs": schema()["$defs"]})
    for candidate in candidates:
        if candidate == {} or check.is_valid(candidate):
            return copy.deepcopy(candidate)
    return _MISSING


def _get(doc: Any, path: Path) -> Any:
    for part in path:
        found = isinstance(doc, dict) and part in doc
        if found or (isinstance(doc, list) and isinstance(part, int) and part < len(doc)):
            doc = doc[part]
        else:
            return _MISSING
    return doc
