"""The workbook's Exceptions sheet: Red, deteriorated, overdue and no-longer-reported items."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from planreports.model import Finding, Item
from planreports.render.actions import ACTION_HEADER, action
from planreports.render.titles import counts_under, own_title
from planreports.render.workbook_sheets import PackWorkbook, cell_order
from planreports.render.workbook_table import (
    Column,
    extra_columns,
    finish,
    measure,
    measured_sheet,
    used,
    write_record,
)


def _row_key(file: str | None, sheet: str | None, cell: str | None) -> tuple[Any, ...]:
    return (file, sheet, cell_order(cell)[0])


def exception_reasons(pack: PackWorkbook) -> list[tuple[Item | None, Finding | None, str]]:
    """(item, unmatched overdue finding, why) for Red, deteriorated and overdue items, then
    last period's items that are no longer reported (each with last period's RAG)."""
    as_of = pack.config.report.as_of
    complete = {s.key for s in pack.config.rag if s.complete}
    overdue_findings = [f for f in pack.view.findings if f.code == "overdue"]
    by_row = {_row_key(f.file, f.sheet, f.cell): f for f in overdue_findings}
    matched: set[int] = set()
    out: list[tuple[Item | None, Finding | None, str]] = []
    for _, items in pack.grouped_items():
        for item in items:
            why = []
            if item.rag == pack.worst.key:
                meaning = f" ({pack.worst.meaning.lower()})" if pack.worst.meaning else ""
                why.append(f"{pack.worst.label}{meaning}")
            if item.trend == "deteriorated":
                was = pack.rag_label.get(item.previous_rag or "", "")
                why.append(f"Deteriorated since last period (was {was})" if was
                           else "Deteriorated since last period")
            finding = by_row.get(_row_key(item.source.file, item.source.sheet, item.source.cell))
            if finding is not None:
                matched.add(id(finding))
            if item.due is not None and item.due < as_of and item.rag not in complete:
                why.append(f"Overdue: due {item.due:%d/%m/%Y}")
            elif finding is not None:
                why.append(f"Overdue: {finding.message}")
            if why:
                out.append((item, None, "; ".join(why)))
    for finding in overdue_findings:
        if id(finding) not in matched:
            out.append((None, finding, f"Overdue: {finding.message}"))
    # Last period's cells are not this period's: these never pair with an overdue finding.
    view = pack.view
    # The latest earlier period: history is oldest first, but a caller's order is not trusted.
    latest = max(view.history, key=lambda p: p.as_of, default=None)
    before = latest.period if latest else "last period"
    order = {p.id: n for n, p in enumerate(pack.config.priorities)}
    gone = sorted(view.no_longer_reported, key=lambda i: order.get(i.priority, len(order)))
    for item in gone:
        label = pack.rag_label.get(item.rag or "")
        was = f"was {label} in {before}" if label else f"no RAG in {before}"
        out.append((item, None, f"No longer reported ({was})"))
    return out


def _item(record: tuple) -> Item | None:
    return record[0]


def _of_item(value):  # noqa: ANN001, ANN202 - a field of the record's item, "" without one
    return lambda record: value(record[0]) if record[0] is not None else ""


def _source(record: tuple) -> str:
    item, overdue, _ = record
    if item is not None:
        return str(item.source)
    return "!".join(p for p in (overdue.file, overdue.sheet, overdue.cell) if p)


def exception_columns(pack: PackWorkbook, records: list[tuple]) -> list[Column]:
    items = [r[0] for r in records if r[0] is not None]

    def priority(record: tuple) -> str:
        item, overdue, _ = record
        return pack.label_of(item.priority if item is not None else overdue.priority)

    def workstream(record: tuple) -> str:
        item, overdue, _ = record
        return item.workstream if item is not None else overdue.workstream or ""

    return [
        Column("Why", lambda r: r[2], "bold", 26, 26, True),
        Column("Priority", priority, "text", 13, 13, True),
        Column("Organisation", _of_item(lambda i: i.organisation or ""), "text", 12, 14),
        Column("Workstream", workstream, "text", 14, 24, True, _item),
        Column("Project as the tracker names it",
               _of_item(lambda i: own_title(i) if counts_under(i) else ""), "text", 14, 24,
               item=_item),
        Column("Item", _of_item(lambda i: i.item), "text", 6, 20, item=_item),
        # A finding alone does not say the RAG: blank, not "No RAG".
        Column("RAG", lambda r: r[0].rag if r[0] is not None else "", "rag", 9, 9, True),
        Column("Lead", _of_item(lambda i: i.lead), "text", 8, 15, item=_item),
        Column("Due", lambda r: r[0].due if r[0] is not None else None, "date", 11, 11),
        # What is being done, as the deck shows it; the whole update is in the Register.
        Column("Action or latest position", _of_item(action), "text", 30, 50, True, _item),
        *[c for c in extra_columns(items, _item) if not ACTION_HEADER.search(c.title)],
        Column("Source", _source, "small", 17, 17, True),
    ]


def write_exceptions(pack: PackWorkbook, ws: Worksheet) -> None:
    """Exceptions, each with the reason it is one; the RAG of a no-longer-reported item is
    last period's."""
    s = pack.styles
    records = exception_reasons(pack)
    chosen = used(exception_columns(pack, records), records)
    pack.header_row(ws, [(column.title, width) for column, width in chosen])
    measured = measured_sheet(records)
    heights = []
    for row, record in enumerate(records, start=1):
        write_record(pack, ws, row, chosen, record)
        heights.append(measure(pack, chosen, record, measured))
        ws.set_row(row, heights[-1])
    if not records:
        ws.merge_range(1, 0, 1, len(chosen) - 1,
                       f"No exceptions: no {pack.worst.label}, deteriorated, overdue or "
                       "no-longer-reported items.", s.note)
    finish(pack, ws, chosen, heights)
