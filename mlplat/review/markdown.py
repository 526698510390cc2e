"""Markdown helpers of the review's renderers: money, cells, capped tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlplat.spec import Location


def money(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "unknown"
    sign = ("+" if value > 0.005 else "-" if value < -0.005 else "±") if signed else ""
    return f"{sign}${abs(value):,.2f}"


def unit_price(value: float | None) -> str:
    """A unit price as listed: up to four decimals ($0.048, $0.0252, $1.00)."""
    if value is None:
        return "unknown"
    return f"${value:.4f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def value_text(value: Any, width: int = 60) -> str:
    text = (
        "∅"
        if value is None
        else str(int(value))
        if isinstance(value, float) and value.is_integer()
        else str(value)
    )
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def where(location: Location | None) -> str:
    return f"`{location.file}:{location.line}`" if location else ""


def capped(rows: Sequence[str], cap: int | None, what: str) -> list[str]:
    if cap is None or len(rows) <= cap:
        return list(rows)
    return [*rows[:cap], f"| … | {len(rows) - cap} more {what} in the job summary | | | |"]
