"""The workbook's Register: every item under a heading row per priority, outlined to collapse.

Columns are the ones the items use: the configured workstream, the tracker's own project
title where it differs from it, sub-item, RAG, trend, lead, committee, directorate, due,
milestone, the update, every tracker column that is no canonical field, and the source cell.
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from planreports.model import Item
from planreports.render.titles import counts_under, own_title
from planreports.render.workbook_sheets import UNKNOWN_PRIORITY, PackWorkbook
from planreports.render.workbook_table import (
    Column,
    extra_columns,
    finish,
    measure,
    measured_sheet,
    used,
    write_record,
)

HEADING_HEIGHT = 20.0


def _as_reported(item: Item) -> str:
    return own_title(item) if counts_under(item) else ""


def register_columns(pack: PackWorkbook, items: list[Item]) -> list[Column]:
    def me(item: Item) -> Item:
        return item

    return [
        Column("Priority", lambda i: pack.label_of(i.priority), "text", 13, 13, True),
        Column("Organisation", lambda i: i.organisation or "", "text", 12, 14),
        Column("Workstream", lambda i: i.workstream, "bold", 14, 24, True, me),
        Column("Project as the tracker names it", _as_reported, "text", 14, 24, item=me),
        Column("Item", lambda i: i.item, "text", 6, 22, item=me),
        Column("RAG", lambda i: i.rag, "rag", 9, 9, True),
        Column("Trend", lambda i: i.trend, "trend", 7, 12.5),
        Column("Lead", lambda i: i.lead, "text", 8, 16, item=me),
        Column("Committee", lambda i: i.committee, "text", 11, 13, item=me),
        Column("Directorate", lambda i: i.directorate, "text", 11, 16, item=me),
        Column("Due", lambda i: i.due, "date", 11, 11),
        Column("Milestone", lambda i: i.milestone, "text", 10, 17, item=me),
        Column("Progress update", lambda i: i.update, "text", 58, 58, True, me),
        *extra_columns(items, me),
        Column("Source", lambda i: str(i.source), "small", 17, 17, True),
    ]


def write_register(pack: PackWorkbook, ws: Worksheet) -> None:
    """Every item, grouped under a merged heading row per priority."""
    s = pack.styles
    items = list(pack.view.items)
    chosen = used(register_columns(pack, items), items)
    pack.header_row(ws, [(column.title, width) for column, width in chosen])
    ws.outline_settings(True, False, True, False)  # heading rows sit above their items
    last = len(chosen) - 1
    measured = measured_sheet(items)
    heights: list[float] = []
    headings: list[bool] = []
    row = 1
    for pid, group in pack.grouped_items():
        priority = pack.config.priority(pid)
        heading = f"{pid}  {priority.title}" if priority else f"{UNKNOWN_PRIORITY} (not in config)"
        ws.merge_range(row, 0, row, last, "", s.group)
        pack.text(ws, row, 0, heading, s.group)
        ws.set_row(row, HEADING_HEIGHT)
        heights.append(HEADING_HEIGHT)
        headings.append(True)
        row += 1
        for item in group:
            write_record(pack, ws, row, chosen, item)
            height = measure(pack, chosen, item, measured)
            ws.set_row(row, height, None, {"level": 1})
            heights.append(height)
            headings.append(False)
            row += 1
    finish(pack, ws, chosen, heights, headings)
