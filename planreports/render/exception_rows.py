"""Which items are a pack's exceptions, and why: one selection for the deck and the cover report.

An exception is an item at the worst RAG, deteriorated since last period, or overdue (by the
`overdue` finding of its row); an overdue row that became no item of this pack; or one of last
period's items that no tracker reports now. Pure logic: the renderers word and lay them out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planreports.model import Finding, Item, PackView
from planreports.render.deck_progress import ordered
from planreports.render.deck_summary import exception_rank, worst_first


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """One exception: the item (None for an overdue finding alone) and why it is one."""

    item: Item | None
    red: bool = False  # at the worst RAG of the scale
    deteriorated: bool = False
    overdue: Finding | None = None  # the row's `overdue` finding
    gone: bool = False  # last period's item, no longer reported (its RAG is last period's)


def _row_number(cell: str | None) -> str:
    return re.sub(r"^[A-Za-z$]+", "", cell or "").lstrip("$")


def select_exceptions(view: PackView) -> tuple[ExceptionRow, ...]:
    """The pack's exceptions in plan order, then lone overdue findings, then those gone."""
    config = view.config
    worst = config.rag[0].key  # type: ignore[attr-defined]
    overdue = {(f.file, f.sheet, _row_number(f.cell)): f
               for f in view.findings if f.code == "overdue"}
    rows: list[ExceptionRow] = []
    for item in ordered(config, view.items):
        src = item.source
        found = overdue.pop((src.file, src.sheet, _row_number(src.cell)), None)
        row = ExceptionRow(item, red=item.rag == worst,
                           deteriorated=item.trend == "deteriorated", overdue=found)
        if row.red or row.deteriorated or found is not None:
            rows.append(row)
    rows.extend(ExceptionRow(None, overdue=f) for f in overdue.values())
    rows.extend(ExceptionRow(item, gone=True)
                for item in ordered(config, view.no_longer_reported))
    return tuple(rows)


def worst_exceptions(config, rows: Sequence[ExceptionRow]) -> list[ExceptionRow]:  # noqa: ANN001
    """Worst first, as a summary deck ranks them: worst RAG, deteriorated, overdue; rows that
    rank alike take turns by priority and organisation."""
    order = {s.key: n for n, s in enumerate(config.rag)}

    def rank(row: ExceptionRow) -> tuple:
        item = row.item
        if row.gone:
            return exception_rank(None, False, False)
        return exception_rank(order.get(item.rag) if item else None, row.deteriorated,
                              row.overdue is not None)

    def group(row: ExceptionRow) -> tuple:
        if row.item is not None:
            return (row.item.priority, row.item.organisation)
        return (row.overdue.priority, row.overdue.organisation) if row.overdue else (None, None)

    return worst_first(rows, rank, group)


def _day(day) -> str:  # noqa: ANN001
    return f"{day.day} {day:%b %Y}"


def why_it_is_here(config, row: ExceptionRow, before: str) -> str:  # noqa: ANN001
    """The reasons a row is an exception, a line each, as the deck and cover report word them."""
    worst = config.rag[0]
    if row.gone:
        status = config.rag_status(row.item.rag) if row.item else None
        was = f"was {status.label} in {before}" if status else f"no RAG in {before}"
        return f"No longer reported ({was})"
    why = []
    if row.red:
        why.append(f"{worst.label}: {worst.meaning}" if worst.meaning else worst.label)
    if row.deteriorated:  # from what, the RAG cell says
        why.append("Deteriorated")
    if row.overdue is not None:  # the finding's message names the cell; the notes already do
        item = row.item
        why.append(f"Overdue: due {_day(item.due)}" if item is not None and item.due
                   else row.overdue.message)
    return "\n".join(why)


def previous_label(view: PackView) -> str:
    """The latest earlier period's label ("last period" when none is on record)."""
    # History is oldest first, but a caller's order is not trusted.
    latest = max(view.history, key=lambda p: p.as_of, default=None)
    return latest.period if latest else "last period"
