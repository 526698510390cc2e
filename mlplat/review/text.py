"""The review as terminal text (`mlplat diff`'s default format)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mlplat.review.comment import NOTE, SYMBOLS, headline
from mlplat.review.markdown import money, value_text
from mlplat.review.report import Review


def render_text(review: Review) -> str:
    lines = [f"mlplat diff: stack {review.stack}: {review.base.label} -> {review.head.label}"]
    lines += [headline(review).replace("·", "|"), NOTE, ""]
    if review.render is not None:
        from mlplat.render.report import verdict

        state = "FAILED" if review.render_failed else "passed"
        lines += [f"Render {state}: {verdict(review.render)}", ""]
    sections: list[tuple[str, Callable[[Review], Iterator[str]]]] = [
        ("Destructive changes", _text_destructive),
        ("Security", _text_security),
        ("Policy findings", _text_findings),
        ("Cost (monthly, USD)", _text_cost),
        ("Changes", _text_changes),
    ]
    for title, section in sections:
        body = list(section(review))
        if body:
            lines += [f"{title}:", *body, ""]
    lines += [f"note: {w}" for w in review.warnings]
    return "\n".join(lines).rstrip() + "\n"


def _text_destructive(review: Review) -> Iterator[str]:
    for item in review.destructive:
        ack = (
            f"acknowledged: {item.acknowledged.reason}" if item.acknowledged else "NOT acknowledged"
        )
        yield f"  {item.change.action} {item.change.name} ({item.why}) — {ack}"


def _text_security(review: Review) -> Iterator[str]:
    for row in review.security:
        yield f"  {row.direction:8} {row.label}: {row.scope}: {row.detail}  [{row.where}]"


def _text_findings(review: Review) -> Iterator[str]:
    for f in review.findings:
        where = f"{f.location.file}:{f.location.line}: " if f.location else ""
        yield f"  {where}[{f.status}/{f.level}] {f.control} {f.resource}: {f.message}"


def _text_cost(review: Review) -> Iterator[str]:
    base, head = review.cost_base, review.cost_head
    yield (
        f"  prices as of {head.as_of} ({head.region}); at min {money(base.total())} -> "
        f"{money(head.total())} ({money(head.total() - base.total(), True)}); at max "
        f"{money(base.total(True))} -> {money(head.total(True))} "
        f"({money(head.total(True) - base.total(True), True)})"
    )
    for (category, item), reason in sorted(
        {(i.price.category, i.price.item): i.price.reason for i in head.unknown}.items()
    ):
        yield f"  unknown price: {category} {item}: {reason}"


def _text_changes(review: Review) -> Iterator[str]:
    for change in review.diff.changes:
        yield f"  {SYMBOLS[change.action]} {change.action:7} {change.urn}"
        if change.renamed_from:
            yield f"      renamed from {change.renamed_from} (alias: no replacement)"
        for path in change.paths:
            yield f"      {path.path}: {value_text(path.old)} -> {value_text(path.new)}" + (
                "  (replaces)" if path.replaces else ""
            )
        for extra in (change.note, change.hint):
            if extra:
                yield f"      {extra}"
