"""Check 7, values: every value a release sets is one its chart defines.

Helm passes unknown keys through silently, so a misspelt or moved key leaves the chart's
default in place and nothing fails. A key is known when the chart's (or its subchart's)
default values.yaml has it, or when it sits under a map the chart leaves open: one whose
default is empty (``annotations: {}``, ``nodeSelector: {}``) or a list.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import Loader

_CHART_FILES = frozenset({"values.yaml", "Chart.yaml"})


@cache
def chart_defaults(path: Path) -> dict[str, Any]:
    """The default values of a chart package, each bundled subchart's under its name or the
    alias its parent gives it (the parent's own values for a subchart win, as in Helm)."""
    layers: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    aliases: dict[tuple[str, ...], dict[str, str]] = {}
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            # <chart>/values.yaml, <chart>/charts/<sub>/values.yaml, and deeper alike.
            if not member.isfile() or len(parts) % 2 or parts[-1] not in _CHART_FILES:
                continue
            if any(parts[i] != "charts" for i in range(1, len(parts) - 1, 2)):
                continue
            handle = archive.extractfile(member)
            loaded = yaml.load(handle.read(), Loader=Loader) if handle else None
            chain = tuple(parts[2:-1:2])
            if not isinstance(loaded, dict):
                loaded = {}
            if parts[-1] == "Chart.yaml":
                aliases[chain] = {
                    str(d["name"]): str(d["alias"])
                    for d in loaded.get("dependencies") or []
                    if isinstance(d, dict) and d.get("alias")
                }
            else:
                layers.append((chain, loaded))
    defaults: dict[str, Any] = {}
    for chain, values in sorted(layers, key=lambda layer: len(layer[0])):
        target = defaults
        for depth, name in enumerate(chain):
            target = target.setdefault(aliases.get(chain[:depth], {}).get(name, name), {})
        _fill(target, values)
    return defaults


def _fill(target: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    """Add ``defaults`` under ``target`` without overriding what is there."""
    for key, value in defaults.items():
        if key not in target:
            target[key] = value
        elif isinstance(target[key], dict) and isinstance(value, Mapping):
            _fill(target[key], value)


_WHOLE = (
    re.compile(
        r"(?:toYaml|with|tpl|range\b[^}\n]*:=|include\b[^}\n]*?)\s*\(?[\w$.]*\.(\w+)\b(?![.\w])"
    ),
    re.compile(r"\.(\w+)\s*\|"),
)


@cache
def used_whole(path: Path) -> frozenset[str]:
    """Keys a template of the chart (or a subchart) hands on whole (toYaml, with, range,
    include, tpl, a pipe): keys under them are the chart's to pass through, not to name."""
    found: set[str] = set()
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            if member.isfile() and "/templates/" in member.name:
                handle = archive.extractfile(member)
                text = handle.read().decode("utf-8", "replace") if handle else ""
                if "kind: CustomResourceDefinition" in text:
                    continue  # CRDs are data, not templates that read values
                for pattern in _WHOLE:
                    found.update(pattern.findall(text))
    return frozenset(found)


def unknown_keys(
    values: Mapping[str, Any], defaults: Mapping[str, Any], whole: frozenset[str], path: str = ""
) -> Iterator[str]:
    """Dotted paths in ``values`` that neither the chart's defaults define nor sit under a
    map the chart leaves open (empty by default, or handed on whole by a template)."""
    for key, value in values.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in defaults:
            yield where
            continue
        default = defaults[key]
        if not (isinstance(value, Mapping) and isinstance(default, Mapping) and default):
            continue
        if str(key) in whole:
            continue
        yield from unknown_keys(value, default, whole, where)


def check(release: str, chart: Path, values: Mapping[str, Any]) -> Iterator[Finding]:
    defaults = chart_defaults(chart)
    for path in unknown_keys(values, defaults, used_whole(chart)):
        yield Finding(
            "values",
            Severity.ERROR,
            release,
            f"values of {chart.name}",
            path,
            f"the chart defines no value {path!r}: Helm ignores it and the chart's default applies",
            "use the key the chart's values.yaml defines (or drop it)",
        )
