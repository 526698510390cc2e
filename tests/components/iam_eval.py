"""A small IAM evaluator for identity policies, to assert what a document allows per call.

It follows IAM's documented logic for the parts mlplat's documents use: an explicit Deny
wins, otherwise any matching Allow allows; Action and Resource match with ``*`` and ``?``
wildcards (``*`` crosses ``/`` and ``:``), actions case-insensitively; within a statement
every condition operator must hold, within an operator every key, and a key with a list
of values holds when any of them matches. Supported operators: StringEquals,
StringLike, ArnEquals, ArnLike, Bool and Null. Anything else raises, so a document using
more than this evaluator knows cannot pass by accident.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One API call: its action, the resource it is authorized against, and the request
    context (condition keys such as aws:RequestTag/<key>, aws:ResourceTag/<key>)."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, *, fold: bool = False) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    wanted = [str(v) for v in _listed(expected)]
    present = key in context
    if operator == "Null":
        return wanted == [str(not present).lower()]
    if not present:
        return False
    value = context[key]
    if operator in ("StringEquals", "ArnEquals"):
        return value in wanted
    if operator in ("StringLike", "ArnLike"):
        return any(_glob(w, value) for w in wanted)
    if operator == "Bool":
        return value.lower() in [w.lower() for w in wanted]
    raise NotImplementedError(f"condition operator {operator} is not evaluated here")


def _matches(statement: Mapping[str, Any], call: Call) -> bool:
    if not any(_glob(a, call.action, fold=True) for a in _listed(statement["Action"])):
        return False
    if not any(_glob(r, call.resource) for r in _listed(statement["Resource"])):
        return False
    return all(
        _holds(operator, key, expected, call.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def allows(document: str, call: Call) -> bool:
    """Whether the identity policy ``document`` allows ``call`` (no other policy involved)."""
    statements = json.loads(document)["Statement"]
    matching = [s for s in statements if _matches(s, call)]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" for s in matching)
