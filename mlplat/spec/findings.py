"""Helpers the semantic checks share: locate an error, check a DNS label."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from mlplat.spec.errors import Path, SpecError
from mlplat.spec.model import PlatformSpec
from mlplat.spec.yaml_source import SourceDoc

Check = Callable[[PlatformSpec, SourceDoc], Iterator[SpecError]]
C = TypeVar("C", bound=Callable[..., Iterator[SpecError]])

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def error_at(
    doc: SourceDoc,
    code: str,
    path: Path,
    message: str,
    hint: str | None = None,
    *,
    warning: bool = False,
) -> SpecError:
    """An error (or warning) located at ``path``, or at its nearest written ancestor."""
    probe = path
    while probe and probe not in doc.values:
        probe = probe[:-1]
    return SpecError(code, path, message, doc.values.get(probe), hint, warning)


def reads(*sections: str) -> Callable[[C], C]:
    """Declare the top-level sections a check consults besides the item each of its findings
    is located in (a pool's own fields need no declaration; the region or the zones do).

    When the schema refused part of a document, the checks still run on the rest
    (``partial.accepted_part``); a finding is dropped if a section its check reads was
    refused, since it may rest on a default that stood in for the refused value.
    """

    def mark(check: C) -> C:
        setattr(check, "reads", tuple((section,) for section in sections))  # noqa: B010
        return check

    return mark


def reads_of(check: Callable[..., object]) -> tuple[Path, ...]:
    return getattr(check, "reads", ())


def dns_label(doc: SourceDoc, path: Path, value: str, limit: int) -> Iterator[SpecError]:
    """An invalid-name error unless ``value`` is a DNS-1123 label of at most ``limit``."""
    if len(value) > limit or not _DNS_LABEL.match(value):
        fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:limit].strip("-")
        yield error_at(
            doc,
            "invalid-name",
            path,
            f"expected a DNS-1123 label (lowercase letters, digits and '-', starting with a "
            f"letter, at most {limit} characters), found '{value}'",
            f"e.g. '{fixed}'" if fixed and _DNS_LABEL.match(fixed) else None,
        )


def duplicates(
    doc: SourceDoc, section: Path, names: Sequence[str], field: str, what: str
) -> Iterator[SpecError]:
    """A duplicate-name error for every repeat of a name in a list section (at the item's
    ``field``, or at the item itself when ``field`` is empty: a list of plain values)."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            yield error_at(
                doc,
                "duplicate-name",
                (*section, i, field) if field else (*section, i),
                f"{what} '{name}' is already used by {section[-1]}[{first[name]}]",
                f"{what}s must be unique",
            )
        first.setdefault(name, i)
