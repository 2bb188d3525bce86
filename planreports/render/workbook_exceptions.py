"""The workbook's Exceptions sheet: Red, deteriorated, overdue and no-longer-reported items."""

from __future__ import annotations

from typing import Any

from xlsxwriter.worksheet import Worksheet

from planreports.model import Finding, Item
from planreports.render.workbook_sheets import (
    BOLD_SCALE,
    SMALL_SCALE,
    PackWorkbook,
    as_datetime,
    cell_order,
    fitted_width,
    row_height,
    set_up_print,
    text_lines,
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


EXCEPTION_COLUMNS = (
    ("Why", 26), ("Priority", 13), ("Workstream", 24), ("Item", 20), ("RAG", 9), ("Lead", 15),
    ("Due", 11), ("Progress update", 62), ("Source", 17),
)


def write_exceptions(pack: PackWorkbook, ws: Worksheet) -> None:
    """Exceptions, each with the reason it is one; the RAG of a no-longer-reported item is
    last period's."""
    s = pack.styles
    rows = exception_reasons(pack)
    columns = list(EXCEPTION_COLUMNS)
    sub_items = [item.item for item, _, _ in rows if item is not None]
    columns[3] = ("Item", fitted_width(sub_items, 6, EXCEPTION_COLUMNS[3][1]))
    pack.header_row(ws, columns)
    widths = [w for _, w in columns]
    for row, (item, overdue, why) in enumerate(rows, start=1):
        if item is not None:
            values = (why, pack.label_of(item.priority), item.workstream, item.item, "",
                      item.lead, "", item.update, str(item.source))
        else:
            assert overdue is not None
            source = "!".join(p for p in (overdue.file, overdue.sheet, overdue.cell) if p)
            values = (why, pack.label_of(overdue.priority), overdue.workstream or "", "", "",
                      "", "", "", source)
        for col, value in enumerate(values):
            if col == 4 and item is None:
                ws.write_blank(row, col, None, s.text)  # a finding alone does not say the RAG
            elif col == 4:
                ws.write_string(row, col, pack.rag_label.get(item.rag, "No RAG"), s.rag[item.rag])
            elif col == 6:
                if item is not None and item.due is not None:
                    ws.write_datetime(row, col, as_datetime(item.due), s.date)
                else:
                    ws.write_blank(row, col, None, s.date)
            else:
                fmt = s.text_small if col == 8 else s.text_bold if col == 0 else s.text
                pack.text(ws, row, col, value, fmt, item, EXCEPTION_COLUMNS[col][0])
        scales = {0: BOLD_SCALE, 8: SMALL_SCALE}
        lines = max(text_lines(v, widths[c], scales.get(c, 1.0)) for c, v in enumerate(values))
        ws.set_row(row, row_height(lines))
    if not rows:
        ws.merge_range(1, 0, 1, len(EXCEPTION_COLUMNS) - 1,
                       f"No exceptions: no {pack.worst.label}, deteriorated, overdue or "
                       "no-longer-reported items.", s.note)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(EXCEPTION_COLUMNS) - 1)
    set_up_print(ws, pack)
