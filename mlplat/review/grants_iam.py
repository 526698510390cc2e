"""IAM documents as facts: identity, trust, key, bucket and endpoint policies, and
managed-policy attachments. One fact per principal x action x resource of a statement."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from mlplat.review.grant import Grant, listed


def _document(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def _principals(statement: Mapping[str, Any]) -> list[str]:
    for field, negated in (("Principal", ""), ("NotPrincipal", "not ")):
        value = statement.get(field)
        if value is None:
            continue
        if value == "*":
            return [f"{negated}*"]
        if isinstance(value, Mapping):
            return [f"{negated}{kind}:{p}" for kind, ps in value.items() for p in listed(ps)]
    return ["(the role)"]


def _conditions(statement: Mapping[str, Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        return ()
    return tuple(
        sorted(
            (op, key, tuple(sorted(listed(values))))
            for op, entries in condition.items()
            if isinstance(entries, Mapping)
            for key, values in entries.items()
        )
    )


def document_grants(
    kind: str, scope: str, where: str, document: Any, subject: str = ""
) -> Iterator[Grant]:
    """Facts of one IAM policy document (identity, trust, key or bucket policy)."""
    doc = _document(document)
    if doc is None:
        if document not in (None, "", "[secret]", "[unknown]"):
            yield Grant(kind, scope, ("raw", str(document)), "an unparsed policy document", where)
        return
    statements = doc.get("Statement") or []
    entries = statements if isinstance(statements, list) else [statements]
    for index, statement in enumerate(entries):
        if not isinstance(statement, Mapping):
            continue
        effect = str(statement.get("Effect", "Allow"))
        deny = effect == "Deny"
        actions = [("", a) for a in listed(statement.get("Action"))] or [
            ("not ", a) for a in listed(statement.get("NotAction"))
        ]
        resources = [("", r) for r in listed(statement.get("Resource"))] or [
            ("not ", r) for r in listed(statement.get("NotResource"))
        ]
        if not resources:
            resources = [("", "*")] if kind in ("trust",) else [("", subject or "*")]
        conditions = _conditions(statement)
        for principal in _principals(statement):
            for a_neg, action in actions:
                for r_neg, res in resources:
                    key = (effect, principal, a_neg + action, r_neg + res, conditions)
                    yield Grant(
                        kind,
                        scope,
                        key,
                        "",
                        where,
                        restricts=deny,
                        # One row per statement: a cross product of two statements'
                        # actions and resources would claim grants nobody made.
                        group=json.dumps(
                            [effect, principal, conditions, statement.get("Sid") or index]
                        ),
                    )


def _pattern_covers(outer: str, inner: str) -> bool:
    if outer.startswith("not ") or inner.startswith("not "):
        return outer == inner
    return fnmatchcase(inner.lower(), outer.lower())


def _conditions_cover(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    """``outer`` constrains no more than ``inner``: each of its keys is in ``inner`` with
    no more values allowed there."""
    inner_map = {(op, key): set(values) for op, key, values in inner}
    return all(
        (op, key) in inner_map and inner_map[(op, key)] <= set(values) for op, key, values in outer
    )


def statement_covers(outer: tuple[Any, ...], inner: tuple[Any, ...]) -> bool:
    if outer[0] == "raw" or inner[0] == "raw":
        return outer == inner
    effect, principal, action, resource, conditions = outer
    i_effect, i_principal, i_action, i_resource, i_conditions = inner
    if effect != i_effect:
        return False
    principal_ok = principal == i_principal or principal in ("*", "AWS:*")
    # A Deny covers a narrower Deny when it has fewer conditions; an Allow covers a
    # narrower Allow the same way: fewer conditions means it applies more often.
    return (
        principal_ok
        and _pattern_covers(action, i_action)
        and _pattern_covers(resource, i_resource)
        and _conditions_cover(conditions, i_conditions)
    )


def _statement_text(key: tuple[Any, ...]) -> tuple[str, str]:
    if key[0] == "raw":
        return "raw", key[1][:80]
    return key[2], key[3]


def statement_parts(grant: Grant) -> tuple[str, str]:
    """(action, resource) of an IAM fact, for grouping rows."""
    return _statement_text(grant.key)


def role_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    name = resource["name"]
    yield from document_grants("trust", f"role {name}", name, inputs.get("assumeRolePolicy"))
    for inline in inputs.get("inlinePolicies") or []:
        yield from document_grants("iam", f"role {name}", name, inline.get("policy"))
    for arn in inputs.get("managedPolicyArns") or []:
        yield Grant("managed-policy", f"role {name}", (arn,), f"attached {arn}", name)


def role_policy_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    scope = f"role {str(inputs.get('role', '')).removesuffix('-id')}"
    yield from document_grants("iam", scope, resource["name"], inputs.get("policy"))


def attachment_grants(resource: Mapping[str, Any]) -> Iterator[Grant]:
    inputs = resource.get("inputs") or {}
    arn = str(inputs.get("policyArn", ""))
    scope = f"role {str(inputs.get('role', '')).removesuffix('-id')}"
    yield Grant("managed-policy", scope, (arn,), f"attached {arn}", resource["name"])


def resource_policy_grants(
    field: str, label: str
) -> Callable[[Mapping[str, Any]], Iterator[Grant]]:
    def extract(resource: Mapping[str, Any]) -> Iterator[Grant]:
        inputs = resource.get("inputs") or {}
        target = inputs.get("bucket") or inputs.get("repository") or resource["name"]
        yield from document_grants(
            "resource-policy", f"{label} {target}", resource["name"], inputs.get(field)
        )

    return extract
