"""Read one YAML file into plain data plus the location of every value.

PyYAML's ``safe_load`` keeps the last of two duplicate keys, turns ``on:`` into ``True:``
and expands aliases without limit. Composing the node tree and converting it ourselves
fixes all three and gives every value a file:line:col for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from mlplat.spec.errors import Location, Path, SpecError

MAX_NODES = 200_000
"""Values a document may expand to through its aliases; past this it is refused (a bomb)."""
MAX_DEPTH = 64
"""Nesting depth past which the file is refused (also stops self-referencing anchors)."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}
_MERGE = "tag:yaml.org,2002:merge"


@dataclass
class SourceDoc:
    """A parsed file: its data and where each value and key was written."""

    data: Any
    values: dict[Path, Location] = field(default_factory=dict)
    keys: dict[Path, Location] = field(default_factory=dict)
    raw: dict[Path, str] = field(default_factory=dict)
    """Scalar text as written, for hints such as 'quote 1.30'."""


class _Refused(Exception):
    def __init__(self, error: SpecError) -> None:
        self.error = error


def read_yaml(display: str, text: str) -> tuple[SourceDoc | None, list[SpecError]]:
    """Parse ``text`` (named ``display`` in messages). Never raises for bad input."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(display, mark.line + 1, mark.column + 1) if mark else None
        problem = exc.problem or "not valid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [SpecError("yaml-syntax", (), f"{problem}{context}", loc)]
    except yaml.YAMLError as exc:
        return None, [SpecError("yaml-syntax", (), str(exc), Location(display, 1, 1))]
    if root is None:
        return None, [
            SpecError(
                "empty-file",
                (),
                "the file has no YAML document",
                Location(display, 1, 1),
                hint="start from an example in stacks/, e.g. stacks/dev.yaml",
            )
        ]
    converter = _Converter(display)
    try:
        converter.refuse_alias_bomb(root)
        data = converter.convert(root, (), 0)
    except _Refused as refused:
        return None, [refused.error]
    return SourceDoc(data, converter.values, converter.keys, converter.raw), converter.errors


class _Converter:
    def __init__(self, display: str) -> None:
        self.display = display
        self.values: dict[Path, Location] = {}
        self.keys: dict[Path, Location] = {}
        self.raw: dict[Path, str] = {}
        self.errors: list[SpecError] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def refuse_alias_bomb(self, root: yaml.Node) -> None:
        """Refuse a document whose aliases expand past MAX_NODES values, before expanding it.

        Sizes are counted once per node (an alias reuses its anchor's node), so a billion-value
        bomb costs as much to detect as it takes to parse. The error points at the innermost
        value that alone expands too far.
        """
        sizes: dict[int, int] = {}

        def size(node: yaml.Node, depth: int) -> int:
            key = id(node)
            if key in sizes:
                return sizes[key]
            sizes[key] = 0  # a self-referencing anchor: convert() reports it as too deep
            total = 1
            if depth <= MAX_DEPTH:
                for child in _children(node):
                    total += size(child, depth + 1)
            sizes[key] = total
            return total

        if size(root, 0) <= MAX_NODES:
            return
        node = root
        while (
            bigger := next((c for c in _children(node) if sizes[id(c)] > MAX_NODES), None)
        ) is not None:
            node = bigger
        raise _Refused(
            SpecError(
                "yaml-alias-bomb",
                (),
                f"aliases expand to more than {MAX_NODES} values; refusing to read further",
                self.loc(node),
                hint="a spec never needs this many values: remove the nested aliases",
            )
        )

    def convert(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _Refused(
                SpecError(
                    "yaml-too-deep",
                    (),
                    f"values nest deeper than {MAX_DEPTH} levels (a self-referencing anchor?)",
                    self.loc(node),
                )
            )
        self.values.setdefault(path, self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        self.raw[path] = node.value
        if node.tag in _SCALARS:
            return self._constructor.construct_object(node)
        if node.tag.startswith("tag:yaml.org,2002:"):
            return node.value  # timestamps, binary...: keep the text as written
        self.errors.append(
            SpecError(
                "yaml-tag",
                path,
                f"unsupported YAML tag {node.tag}",
                self.loc(node),
                hint="remove the tag; specs use plain YAML values",
            )
        )
        return node.value

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        explicit: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(value_node, result, path, depth)
            else:
                explicit.append((key_node, value_node))
        for key_node, value_node in explicit:
            key_loc = self.loc(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.append(
                    SpecError("yaml-key", path, "a mapping key must be a plain string", key_loc)
                )
                continue
            key = key_node.value  # as written: `on:` stays "on", `1.30:` stays "1.30"
            if key in first_seen:
                first = first_seen[key]
                self.errors.append(
                    SpecError(
                        "duplicate-key",
                        (*path, key),
                        f"duplicate key '{key}' (first written at line {first.line})",
                        key_loc,
                        hint="YAML keeps only one of them; delete or merge the duplicate",
                    )
                )
            first_seen[key] = key_loc
            self.keys[(*path, key)] = key_loc
            result[key] = self.convert(value_node, (*path, key), depth + 1)
        return result

    def _merge(self, value: yaml.Node, into: dict[str, Any], path: Path, depth: int) -> None:
        """YAML merge keys (``<<: *base``): merged entries, overridden by explicit ones."""
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.errors.append(
                    SpecError("yaml-merge", path, "'<<' must merge a mapping", self.loc(source))
                )
                continue
            for key, item in self._mapping(source, path, depth).items():
                into.setdefault(key, item)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
