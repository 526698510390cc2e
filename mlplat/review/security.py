"""What a change opens up and what it closes: one row per object and direction.

Widened: the head plan permits something no fact of the base plan permitted (a new or
broader Allow, rule, binding, exemption, public endpoint), or drops a restriction (a
Deny, a default-deny policy) from an object it keeps. Narrowed: the reverse. A change
that does both shows both rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlplat.review.grant import Grant
from mlplat.review.grants import covers, iter_grants
from mlplat.review.grants_iam import statement_parts

KIND_LABELS = {
    "iam": "IAM policy",
    "trust": "trust policy",
    "resource-policy": "resource policy",
    "managed-policy": "managed policy",
    "network-rule": "security group",
    "public-endpoint": "public endpoint",
    "eks-access": "EKS access",
    "rbac-rule": "RBAC rule",
    "rbac-binding": "RBAC binding",
    "netpol": "NetworkPolicy",
    "isolation": "NetworkPolicy isolation",
    "admission": "admission fence",
    "pod-security": "Pod Security",
    "exemption": "policy exemption",
    "enforcement": "policy enforcement",
}
WIDENED, NARROWED = "widened", "narrowed"


@dataclass(frozen=True)
class SecurityRow:
    direction: str
    """widened or narrowed."""
    kind: str
    scope: str
    """The object whose access changed."""
    detail: str
    where: str
    """The resource that declares it."""

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def security_changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[SecurityRow]:
    """Widened rows first, then narrowed; each group in a stable order."""
    old, new = _index(iter_grants(base)), _index(iter_grants(head))
    # A restriction only counts where its object exists on both sides: a new namespace's
    # default-deny narrows nothing, a deleted one's isolation opens nothing.
    both = {scope for _, scope, _ in old} & {scope for _, scope, _ in new}
    widened = [
        *(g for g in _all(new) if not g.restricts and not _covered(g, old)),
        *(g for g in _all(old) if g.restricts and g.scope in both and not _covered(g, new)),
    ]
    narrowed = [
        *(g for g in _all(old) if not g.restricts and not _covered(g, new)),
        *(g for g in _all(new) if g.restricts and g.scope in both and not _covered(g, old)),
    ]
    rows = [*_rows(WIDENED, widened), *_rows(NARROWED, narrowed)]
    return rows


def _index(grants: Iterable[Grant]) -> dict[tuple[str, str, bool], list[Grant]]:
    index: dict[tuple[str, str, bool], list[Grant]] = defaultdict(list)
    for grant in grants:
        index[(grant.kind, grant.scope, grant.restricts)].append(grant)
    return index


def _all(index: Mapping[tuple[str, str, bool], list[Grant]]) -> Iterable[Grant]:
    for key in sorted(index):
        yield from index[key]


def _covered(grant: Grant, other: Mapping[tuple[str, str, bool], list[Grant]]) -> bool:
    return any(covers(o, grant) for o in other.get((grant.kind, grant.scope, grant.restricts), ()))


def _rows(direction: str, grants: Sequence[Grant]) -> list[SecurityRow]:
    """One row per (kind, scope, group): IAM facts list their actions and resources."""
    grouped: dict[tuple[str, str, str], list[Grant]] = defaultdict(list)
    for grant in grants:
        group = grant.group if grant.kind in ("iam", "trust", "resource-policy") else ""
        grouped[(grant.kind, grant.scope, group)].append(grant)
    rows = []
    for (kind, scope, _), members in grouped.items():
        if kind in ("iam", "trust", "resource-policy"):
            detail = _statement_detail(members)
        elif kind == "rbac-rule":
            detail = _rbac_detail(members)
        else:
            detail = _join(list(dict.fromkeys(m.text for m in members)), sep="; ")
        where = ", ".join(dict.fromkeys(m.where for m in members))
        rows.append(SecurityRow(direction, kind, scope, detail, where))
    rows.sort(
        key=lambda r: (
            list(KIND_LABELS).index(r.kind) if r.kind in KIND_LABELS else 99,
            r.scope,
            r.detail,
        )
    )
    return rows


def _statement_detail(members: Sequence[Grant]) -> str:
    effect, principal, _, _, conditions = members[0].key
    actions = list(dict.fromkeys(statement_parts(m)[0] for m in members))
    resources = list(dict.fromkeys(statement_parts(m)[1] for m in members))
    text = f"{effect} {_join(actions)} on {_join(resources)}"
    if principal != "(the role)":
        text = f"{principal}: {text}"
    if conditions:
        text += " when " + "; ".join(f"{op} {key} {', '.join(v)}" for op, key, v in conditions)
    return text


def _rbac_detail(members: Sequence[Grant]) -> str:
    """Resources grouped by the verbs they get: "get, list, watch on pods, services"."""
    verbs: dict[str, list[str]] = defaultdict(list)
    for member in members:
        verb, _, resource = member.text.partition(" ")
        verbs[resource].append(verb)
    by_verbs: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for resource, granted in verbs.items():
        by_verbs[tuple(granted)].append(resource)
    return "; ".join(
        f"{', '.join(granted)} on {_join(resources, limit=8)}"
        for granted, resources in by_verbs.items()
    )


def _join(items: Sequence[str], limit: int = 6, sep: str = ", ") -> str:
    shown = sep.join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")
