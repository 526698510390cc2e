"""Hypothesis strategies that break example specs the way people do, guided by the schema.

Every value a mutation writes is derived from the JSON Schema at that place in the
document (numbers at and past ``minimum``/``maximum``, lengths at and past
``minLength``/``maxLength``, enum members and near misses, pattern matches), so a field
added to the schema is fuzzed without touching this file. Other mutations are blind:
wrong types, nulls, deletions, unknown keys, long and unicode strings, and damage to the
YAML text itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import strategies as st

from mlplat.spec.schema import schema, team_schema

Node = dict[str, Any]
Path = tuple[str | int, ...]

HUGE = (2**31, 2**63, 10**30)
LONG = (129, 257, 1000, 20_000)
"""String lengths past AWS's tag key and value limits, and far past any sane value."""
WRONG_TYPES = st.sampled_from(
    [None, True, False, 0, -1, 1.5, "1", "", [], {}, [None], {"a": 1}]
).map(copy.deepcopy)  # a fresh list or mapping each time: later mutations may change it
ACTIONS = ["value", "value", "delete", "null", "unknown-key", "copy", "nudge"]
GENTLE = ["value", "value", "value", "delete", "copy", "nudge"]
"""A copy repeats a list item (names clash); a nudge changes a string's last character
(eu-west-1a becomes eu-west-1d), which keeps most values well-formed."""
NUDGES = [*"abcdz019-", "", "0", "-1"]
TEXT = st.text(max_size=40) | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300
)


def root_schema(doc: Any) -> Node:
    """The schema a document is validated against: team or platform."""
    return team_schema() if isinstance(doc, dict) and doc.get("kind") == "Team" else schema()


def _deref(node: Node) -> Node:
    while "$ref" in node:
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]], **extra}
    return node


def _object_branch(node: Node) -> Node:
    """Optional sections are ``anyOf: [<section>, null]``: the section's own schema."""
    node = _deref(node)
    for branch in node.get("anyOf", ()):
        branch = _deref(branch)
        if branch.get("type") != "null":
            return {**branch, **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


def locations(doc: Any, node: Node, path: Path = ()) -> Iterator[tuple[Path, Node, bool]]:
    """(path, schema, present) for every value in ``doc``, and every optional field it omits."""
    node = _object_branch(node)
    yield path, node, True
    if isinstance(doc, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, value in doc.items():
            child = props.get(key, extra if isinstance(extra, dict) else {})
            yield from locations(value, child, (*path, key))
        for key, child in props.items():
            if key not in doc:
                yield (*path, key), _object_branch(child), False
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from locations(value, node.get("items", {}), (*path, i))


def _bounds(node: Node) -> tuple[list[int], list[int]]:
    """Numbers at the edges of what ``node`` accepts, and numbers just past them."""
    at: list[int] = []
    past: list[int] = [-1, *HUGE, -(2**63)]
    for key, step in (("minimum", -1), ("maximum", 1)):
        if key in node:
            at.append(node[key])
            past.append(node[key] + step)
    enum = [v for v in node.get("enum", ()) if isinstance(v, int) and not isinstance(v, bool)]
    at += enum
    past += [v + 1 for v in enum] + [v - 1 for v in enum]
    if not at and {"integer", "number"} & set(_types(node)):
        at += [0, 1, *HUGE]
    return at, past


def _types(node: Node) -> list[str]:
    types = node.get("type", [])
    return [types] if isinstance(types, str) else list(types)


def edge_values(node: Node) -> st.SearchStrategy[Any] | None:
    """Values ``node`` accepts, at its edges: bounds, every choice, pattern matches; None
    where there is nothing to say (a mapping or a list is mutated inside instead)."""
    at, _ = _bounds(node)
    options: list[st.SearchStrategy[Any]] = [st.sampled_from(at)] if at else []
    choices = [*node.get("enum", ()), *([node["const"]] if "const" in node else [])]
    if choices:
        options.append(st.sampled_from(choices))
    if "pattern" in node:
        options.append(st.from_regex(node["pattern"], fullmatch=True))
    if "string" in _types(node):
        n = node.get("maxLength")
        options.append(st.just("a" * n) if n else st.text(min_size=1, max_size=40))
    if "boolean" in _types(node):
        options.append(st.booleans())
    return st.one_of(options) if options else None


def broken_values(node: Node) -> st.SearchStrategy[Any]:
    """Values past the edges of what ``node`` accepts, and values of every wrong type."""
    _, past = _bounds(node)
    options: list[st.SearchStrategy[Any]] = [
        WRONG_TYPES,
        TEXT,
        st.sampled_from(past),
        st.sampled_from(LONG).map(lambda n: "x" * n),
        st.sampled_from(LONG).map(lambda n: "é" * n),
    ]
    for key in ("minLength", "maxLength"):
        if key in node:
            n = node[key] + (1 if key == "maxLength" else -1)
            options.append(st.just("a" * max(n, 0)))
    members = [v for v in (*node.get("enum", ()), node.get("const")) if isinstance(v, str)]
    if members:
        options.append(st.sampled_from(members).map(lambda s: s[:-1] or "?"))
        options.append(st.sampled_from(members).map(str.upper))
    if "array" in _types(node):
        options.append(st.lists(WRONG_TYPES | TEXT, max_size=3))
    if "object" in _types(node):
        options.append(st.dictionaries(TEXT, WRONG_TYPES | TEXT, max_size=3))
    return st.one_of(options)


def _set(doc: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


def _delete(doc: Any, path: Path) -> Any:
    if not path:
        return None
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return doc


@st.composite
def mutate(draw: st.DrawFn, doc: Any, *, gentle: bool = False, most: int = 3) -> Any:
    """``doc`` with one to ``most`` schema-guided mutations. ``gentle`` ones keep each value
    within what the schema accepts (edges, other choices, deletions of optional fields,
    repeated list items, nudged strings), so that specs the schema accepts but the
    semantic checks and the plan find unusual are common; the others break things."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, most))):
        places = list(locations(doc, root_schema(doc)))
        path, node, present = draw(st.sampled_from(places))
        action = draw(st.sampled_from(GENTLE if gentle else ACTIONS))
        current = _get(doc, path) if present else None
        if action == "delete" and present:
            doc = _delete(doc, path)
        elif action == "copy" and present and path and isinstance(_get(doc, path[:-1]), list):
            _get(doc, path[:-1]).append(copy.deepcopy(current))
        elif action == "nudge" and isinstance(current, str) and current:
            doc = _set(doc, path, current[:-1] + draw(st.sampled_from(NUDGES)))
        elif action == "null":
            doc = _set(doc, path, None)
        elif action == "unknown-key" and isinstance(current, dict):
            current[draw(TEXT)] = draw(WRONG_TYPES)
        elif action == "value":
            values = edge_values(node) if gentle else broken_values(node)
            if values is not None:
                doc = _set(doc, path, draw(values))
    return doc


def _get(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def spec_text(draw: st.DrawFn, doc: Any, *, gentle: bool = False) -> str:
    """A mutated document as YAML text; sometimes (never gently) the text is cut or spliced."""
    text = yaml.safe_dump(draw(mutate(doc, gentle=gentle)), sort_keys=False, allow_unicode=True)
    damage = "none" if gentle else draw(st.sampled_from(["none"] * 8 + ["cut", "splice"]))
    if damage != "none" and text:
        at = draw(st.integers(0, len(text)))
        text = text[:at] if damage == "cut" else text[:at] + draw(TEXT) + text[at:]
    return text
