"""What a change to the program's declarations does, resource by resource.

Two plans (the ``mlplat plan --format json`` shape, see mlplat/plan/model.py) are matched
by URN, and by the aliases a resource declares (an aliased rename is the same resource,
as the engine treats it). Each custom resource is then created, updated (with every
changed input path, old and new), replaced (a changed input the provider cannot update in
place, from mlplat/review/replacements.py) or deleted. Component resources hold no
inputs; they appear through their children.

This is a diff of declarations, not of live state: drift, and values only the cloud
knows (a generated secret, a replaced resource's new id), are out of its sight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlplat.review.replacements import replacing_paths, rule_for

SECRET = "[secret]"
_SENSITIVE_KEY = re.compile(r"(?i)(password|passwd|authtoken|privatekey|secretkey|token)$")
"""Input names masked in the diff even if a plan file did not mark them secret."""


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass(frozen=True)
class PathChange:
    path: str
    """Dotted input path, list items as [i]; options as ``options.<name>``."""
    old: Any
    new: Any
    replaces: bool = False
    """This path's change forces a replacement."""


@dataclass
class Change:
    action: Action
    urn: str
    """The resource's URN after the change (before it, for a delete)."""
    type: str
    name: str
    old: Mapping[str, Any] | None
    """The base plan's entry; None for a create."""
    new: Mapping[str, Any] | None
    """The head plan's entry; None for a delete."""
    paths: list[PathChange] = field(default_factory=list)
    renamed_from: str | None = None
    """The base URN this resource answers to through an alias."""
    note: str = ""
    """A provider caveat (conditional replacements), or why a type is not in the table."""
    hint: str = ""
    """What the author may have meant (a move without an alias)."""

    @property
    def entry(self) -> Mapping[str, Any]:
        """The entry that describes the resource: head's, or base's for a delete."""
        return self.new or self.old or {}

    @property
    def component(self) -> str | None:
        return self.entry.get("parent")


@dataclass
class PlanDiff:
    base: Mapping[str, Any]
    head: Mapping[str, Any]
    changes: list[Change]
    unchanged: int
    """Custom resources present on both sides with the same inputs."""

    def of(self, action: Action) -> list[Change]:
        return [c for c in self.changes if c.action is action]

    def counts(self) -> dict[str, int]:
        return {a.value: len(self.of(a)) for a in Action}


def custom_resources(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in plan.get("resources", []) if r.get("custom", True)]


def diff_plans(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """Every custom resource the head plan creates, updates, replaces or deletes."""
    old_by_urn = {r["urn"]: r for r in custom_resources(base)}
    matched: set[str] = set()
    changes: list[Change] = []
    unchanged = 0
    created: list[Mapping[str, Any]] = []
    for new in custom_resources(head):
        old_urn = new["urn"] if new["urn"] in old_by_urn else None
        if old_urn is None:
            aliases = (new.get("options") or {}).get("aliases") or ()
            old_urn = next((a for a in aliases if a in old_by_urn and a not in matched), None)
        if old_urn is None:
            created.append(new)
            continue
        matched.add(old_urn)
        change = _compare(old_by_urn[old_urn], new)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    deleted = [r for urn, r in old_by_urn.items() if urn not in matched]
    changes += _creates_and_deletes(created, deleted)
    changes.sort(key=lambda c: (c.urn, c.action))
    return PlanDiff(base, head, changes, unchanged)


def _creates_and_deletes(
    created: Sequence[Mapping[str, Any]], deleted: Sequence[Mapping[str, Any]]
) -> Iterator[Change]:
    """Creates and deletes; a pair of the same type and name is a move that needs an alias."""
    gone = {(r["type"], r["name"]): r for r in deleted}
    for new in created:
        change = Change(Action.CREATE, new["urn"], new["type"], new["name"], None, new)
        old = gone.get((new["type"], new["name"]))
        if old is not None:
            change.hint = (
                f"moved from {old['urn']} without an alias: the engine deletes and recreates it; "
                f"add aliases=[{old['urn']!r}] to keep it"
            )
        yield change
    moved = {(r["type"], r["name"]) for r in created}
    for old in deleted:
        change = Change(Action.DELETE, old["urn"], old["type"], old["name"], old, None)
        if (old["type"], old["name"]) in moved:
            change.hint = "recreated under a new URN (see the matching create)"
        yield change


def _compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Change | None:
    old_inputs, new_inputs = old.get("inputs") or {}, new.get("inputs") or {}
    forcing = set(replacing_paths(new["type"], old_inputs, new_inputs))
    paths = [
        PathChange(path, a, b, _forced(path, forcing))
        for path, a, b in changed_paths(old_inputs, new_inputs)
    ]
    paths += [
        PathChange(f"options.{key}", (old.get("options") or {}).get(key), value)
        for key, value in (new.get("options") or {}).items()
        if key in ("protect", "retainOnDelete") and (old.get("options") or {}).get(key) != value
    ]
    if old.get("provider") != new.get("provider"):
        paths.append(PathChange("provider", old.get("provider"), new.get("provider")))
    renamed = old["urn"] if old["urn"] != new["urn"] else None
    if not paths and renamed is None:
        return None
    action = Action.REPLACE if forcing else Action.UPDATE
    change = Change(action, new["urn"], new["type"], new["name"], old, new, paths, renamed)
    rule = rule_for(new["type"])
    if rule is None and paths:
        change.note = (
            f"{new['type']} is not in mlplat/review/replacements.py: whether it is replaced "
            "is not known"
        )
    elif rule is not None and rule.note and any(p.path.split(".")[0] != "options" for p in paths):
        change.note = rule.note
    return change


def _forced(path: str, forcing: set[str]) -> bool:
    """Whether ``path`` (a concrete path, list indices included) is under a forcing path."""
    if "*" in forcing:
        return True
    plain = re.sub(r"\[\d+\]", "", path)
    starred = re.sub(r"\[\d+\]", "[*]", path)
    return any(
        p in (plain, starred)
        or plain.startswith(p + ".")
        or starred.startswith(p + ".")
        or p.startswith(plain + ".")
        for p in forcing
    )


def changed_paths(old: Any, new: Any, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, old, new) for every leaf that differs; absent values are None.

    Mappings are compared key by key; lists of mappings item by item when their lengths
    match; any other list is one value (a reordered list of names reads better whole).
    Values under a sensitive key, or marked secret on either side, are masked.
    """
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else str(key)
            a, b = old.get(key), new.get(key)
            if _SENSITIVE_KEY.search(str(key)) and (a is not None or b is not None):
                if a != b:
                    yield path, SECRET if a is not None else None, SECRET if b is not None else None
                continue
            yield from changed_paths(a, b, path)
        return
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and any(isinstance(v, Mapping) for v in old)
    ):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from changed_paths(a, b, f"{prefix}[{i}]")
        return
    if old != new:
        if SECRET in (old, new):
            old, new = (SECRET if old is not None else None), (SECRET if new is not None else None)
        yield prefix, old, new
