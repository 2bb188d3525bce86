"""A workbook table of records (items, exceptions): the columns the records use, written,
measured and broken into printed pages.

A column no record fills is left out (an "Item" column of blanks is noise); a tracker's own
columns that are no canonical field (a Workforce return's "Comments") become columns too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from xlsxwriter.worksheet import Worksheet

from planreports.model import Item
from planreports.render.workbook_layout import (
    MEASURED_ROWS,
    page_breaks,
    print_scale,
    row_height,
)
from planreports.render.workbook_sheets import (
    TREND_TEXT,
    PackWorkbook,
    as_datetime,
    estimated_height,
    fitted_width,
    set_up_print,
)

Kind = Literal["text", "bold", "centre", "small", "rag", "trend", "date"]
EXTRA_WIDTH = (12.0, 30.0)  # a tracker's own column: as wide as its text needs, up to 30


@dataclass(frozen=True)
class Column:
    """One column: its title, how a record fills it, how it looks, and its width bounds."""

    title: str
    value: Callable[[Any], Any]  # str for text kinds; a RAG key (None: no RAG, "": blank)
    kind: Kind = "text"
    narrowest: float = 10.0
    widest: float = 20.0
    always: bool = False  # shown even when no record fills it
    item: Callable[[Any], Item | None] = lambda record: None  # for text cut to Excel's limit


def extra_columns(items: Sequence[Item], item_of: Callable[[Any], Item | None]) -> list[Column]:
    """A column per tracker header that is no canonical field, in the order first seen."""
    headers = dict.fromkeys(h for i in items for h, v in i.extras if v.strip())

    def value_of(header: str) -> Callable[[Any], str]:
        def value(record: Any) -> str:  # noqa: ANN401
            found = item_of(record)
            return dict(found.extras).get(header, "") if found else ""
        return value

    return [Column(h, value_of(h), "text", *EXTRA_WIDTH, item=item_of) for h in headers]


def _shown(column: Column, record: Any) -> str:  # noqa: ANN401
    value = column.value(record)
    if column.kind == "trend":
        return TREND_TEXT.get(value or "", "")
    if column.kind == "date":
        return value.strftime("%d/%m/%Y") if value else ""
    return value if isinstance(value, str) else ""


def used(columns: Sequence[Column], records: Sequence[Any]) -> list[tuple[Column, float]]:
    """The columns some record fills (or marked always), each with its width."""
    out = []
    for column in columns:
        if column.always or any(column.value(r) for r in records):
            width = column.widest
            if column.narrowest != column.widest:
                texts = [_shown(column, r) for r in records]
                width = fitted_width(texts + [column.title], column.narrowest, column.widest)
            out.append((column, width))
    return out


def _cell_size(kind: Kind) -> tuple[bool, float]:
    return kind in ("bold", "rag"), 8.0 if kind == "small" else 10.0


def measure(pack: PackWorkbook, chosen: Sequence[tuple[Column, float]], record: Any,  # noqa: ANN401
            measured: bool) -> float:
    """The row's height: its tallest cell, wrapped at its column's width."""
    cells = []
    for column, width in chosen:
        if column.kind == "rag":
            key = column.value(record)
            text = "" if key == "" else pack.rag_label.get(key, "No RAG")
        else:
            text = _shown(column, record)
        if not text:
            continue
        bold, size = _cell_size(column.kind)
        cells.append((text, width, bold, size))
    return row_height(cells) if measured else estimated_height(cells)


def write_record(pack: PackWorkbook, ws: Worksheet, row: int,
                 chosen: Sequence[tuple[Column, float]], record: Any) -> None:  # noqa: ANN401
    s = pack.styles
    formats = {"text": s.text, "bold": s.text_bold, "centre": s.text_centre,
               "small": s.text_small}
    for col, (column, _) in enumerate(chosen):
        value = column.value(record)
        if column.kind == "rag":
            if value == "":
                ws.write_blank(row, col, None, s.text)  # a finding alone does not say the RAG
            else:
                ws.write_string(row, col, pack.rag_label.get(value, "No RAG"),
                                s.rag.get(value, s.rag[None]))
        elif column.kind == "trend":
            fmt = s.trend_bad if value == "deteriorated" else s.text_centre
            pack.text(ws, row, col, TREND_TEXT.get(value or "", ""), fmt)
        elif column.kind == "date":
            if isinstance(value, dt.date):
                ws.write_datetime(row, col, as_datetime(value), s.date)
            else:
                ws.write_blank(row, col, None, s.date)
        else:
            pack.text(ws, row, col, value or "", formats[column.kind], column.item(record),
                      column.title)


def finish(pack: PackWorkbook, ws: Worksheet, chosen: Sequence[tuple[Column, float]],
           heights: Sequence[float], keep_with_next: Sequence[bool] = ()) -> None:
    """Frozen header, filter, and print set-up at a scale with page breaks of our own."""
    last = max(len(chosen) - 1, 0)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(heights), 1), last)
    scale = print_scale([w for _, w in chosen])
    set_up_print(ws, pack, scale=scale, breaks=page_breaks(heights, 30.0, scale,
                                                             keep_with_next))


def measured_sheet(records: Sequence[Any]) -> bool:  # noqa: ANN401
    return len(records) <= MEASURED_ROWS
