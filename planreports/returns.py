"""Return templates: one pre-filled workbook per lead (or directorate) that reconciles exactly.

Each row carries a hidden stable id of its workstream, so a returned template is placed by
id with no fuzzy matching. Last period's RAG and update are shown beside the cells the lead
fills in; a RAG drop-down and date validation stop the usual typos at source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from planreports.config import Config, Priority, Workstream
from planreports.model import Item
from planreports.outputs import write_atomic
from planreports.reconcile.match import stable_id

ID_HEADER = "Planreports ID"


# Excel holds 32,767 characters in a cell; last period's updates joined stay well inside it.
LAST_UPDATE_LIMIT = 30_000


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One workstream on a lead's return, with what last period said about it."""

    priority: Priority
    workstream: Workstream
    owner: str  # whose return this row is on: a lead, or a directorate
    lead: str = ""  # the workstream's lead from config, pre-filled for the lead to correct
    last_rag: str | None = None  # config key: the worst of last period's rows
    last_update: str = ""  # every row's update, in sheet order
    directorate: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "unassigned"


def _last_of(
    config: Config, items: Sequence[Item]
) -> dict[tuple[str | None, str], tuple[str | None, str, str]]:
    """(priority, workstream) -> (worst RAG, updates, directorate) of last period's rows.

    A workstream reported in four parts (one per directorate) shows all four updates and its
    worst RAG, never just the first part's."""
    rank = {s.key: i for i, s in enumerate(config.rag)}  # worst first
    grouped: dict[tuple[str | None, str], list[Item]] = defaultdict(list)
    for item in items:
        grouped[(item.priority, item.workstream)].append(item)
    out: dict[tuple[str | None, str], tuple[str | None, str, str]] = {}
    for key, group in grouped.items():
        rags = [i.rag for i in group if i.rag in rank]
        updates = [i.update.strip() for i in group if i.update.strip()]
        text = "\n\n".join(updates)
        if len(text) > LAST_UPDATE_LIMIT:
            text = text[: LAST_UPDATE_LIMIT - 1] + "\u2026"
        out[key] = (
            min(rags, key=rank.__getitem__) if rags else None,
            text,
            next((i.directorate for i in group if i.directorate), ""),
        )
    return out


def plan_rows(
    config: Config, last_items: Sequence[Item] = (), by: str = "lead"
) -> dict[str, list[ReturnRow]]:
    """Owner (lead or directorate) -> their workstreams in plan order, with last period's."""
    last = _last_of(config, last_items)
    owners: dict[str, list[ReturnRow]] = defaultdict(list)
    for priority in config.priorities:
        for ws in priority.workstreams:
            rag, update, directorate = last.get((priority.id, ws.title), (None, "", ""))
            lead = ws.lead or priority.lead or ""
            owner = (directorate if by == "directorate" else lead) or "Unassigned"
            owners[owner].append(
                ReturnRow(priority, ws, owner, lead, rag, update, directorate)
            )
    return dict(owners)


HEADERS = ("Priority", "Project Title", "Last RAG", "Last update", "RAG", "Progress Update",
           "Lead", "Due date", ID_HEADER)
WIDTHS = (30, 36, 10, 50, 12, 60, 24, 12, 14)
RAG_COL, UPDATE_COL, LEAD_COL, DUE_COL, ID_COL = 4, 5, 6, 7, 8


LINE_POINTS = 15.0  # one line of 11 pt Calibri, Excel's default font
ENTRY_LINES = 5  # room to type an update before the row needs to grow
MAX_ROW_POINTS = 409.0  # Excel's tallest row


def _row_height(*cells: tuple[str, float]) -> float:
    """Points for a row whose (text, column width) cells wrap: Excel does not grow a row
    xlsxwriter wrote, so a long update from last period would otherwise be cut off."""
    lines = ENTRY_LINES
    for text, width in cells:
        per_line = max(1, int(width * 1.1))  # about 1.1 characters per width unit, 11 pt
        lines = max(lines, sum(max(1, -(-len(p) // per_line)) for p in text.split("\n")))
    return min(MAX_ROW_POINTS, lines * LINE_POINTS + 3)


def _text_colour(fill: str) -> str:
    """Black or white on a RAG fill, whichever reads better (WCAG relative luminance)."""
    channels = [int(fill.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#FFFFFF" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#000000"


def write_return(config: Config, owner: str, rows: list[ReturnRow], target: Path) -> None:
    """One lead's return workbook, protected except the cells they fill in.

    The RAG key sits above the RAG column in the title rows, where the lead looks before
    choosing and where the reader (which looks for the header below it) never takes it for
    data.
    """
    wb = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Return")
    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#005EB8"})
    plain = wb.add_format({"font_color": "#425563"})
    note = wb.add_format({"italic": True, "font_color": "#425563", "text_wrap": True,
                          "valign": "top"})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#005EB8", "font_color": "#FFFFFF",
                          "text_wrap": True, "valign": "top", "border": 1})
    locked = wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                            "bg_color": "#F0F4F5", "locked": True})
    entry = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "locked": False})
    date_entry = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1,
                                "locked": False})
    rag_formats = {
        s.key: wb.add_format({"bg_color": s.colour, "font_color": _text_colour(s.colour),
                              "bold": True, "border": 1, "valign": "top"})
        for s in config.rag
    }

    ws.write_string(0, 0, f"{config.organisation}: {config.report.title} return", title)
    ws.write_string(1, 0, f"For: {owner}. Period: {config.report.period} "
                    f"(as at {config.report.as_of:%d %B %Y}).", plain)
    ws.merge_range(2, 0, 3, 3, "Fill in the white cells: RAG (choose from the list), progress "
                   "update, lead and due date. Do not change the grey cells; save the file "
                   "and send it back under the same name.", note)
    ws.write_string(0, RAG_COL, "RAG key", bold)
    for j, status in enumerate(config.rag, start=1):
        ws.write_string(j, RAG_COL, status.label, rag_formats[status.key])
        ws.write_string(j, UPDATE_COL, status.meaning, plain)
    header_row = max(4, len(config.rag) + 1) + 1
    for c, (text, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        ws.write_string(header_row, c, text, head)
        ws.set_column(c, c, width)
    ws.set_column(ID_COL, ID_COL, WIDTHS[ID_COL], None, {"hidden": True})
    for i, row in enumerate(rows):
        r = header_row + 1 + i
        status = config.rag_status(row.last_rag)
        priority = f"{row.priority.id}. {row.priority.title}"
        ws.write_string(r, 0, priority, locked)
        ws.write_string(r, 1, row.workstream.title, locked)
        if status:
            ws.write_string(r, 2, status.label, rag_formats[status.key])
        else:
            ws.write_blank(r, 2, None, locked)
        ws.write_string(r, 3, row.last_update, locked)
        ws.write_blank(r, RAG_COL, None, entry)
        ws.write_blank(r, UPDATE_COL, None, entry)
        ws.write_string(r, LEAD_COL, row.lead, entry)
        ws.write_blank(r, DUE_COL, None, date_entry)
        ws.write_string(r, ID_COL, stable_id(row.priority, row.workstream), locked)
        ws.set_row(r, _row_height((priority, WIDTHS[0]), (row.workstream.title, WIDTHS[1]),
                                  (row.last_update, WIDTHS[3])))
    first, last = header_row + 1, header_row + len(rows)
    if rows:
        ws.data_validation(first, RAG_COL, last, RAG_COL, {
            "validate": "list", "source": [s.label for s in config.rag],
            # Excel refuses an input message over 255 characters.
            "input_title": "RAG status", "input_message": "; ".join(
                f"{s.label}: {s.meaning}" for s in config.rag)[:255],
            "error_title": "Not a RAG status", "error_message": "Choose from the list.",
        })
        ws.data_validation(first, DUE_COL, last, DUE_COL, {
            "validate": "date", "criteria": ">", "minimum": dt.date(2000, 1, 1),
            "input_title": "Due date",
            "input_message": f"A date, e.g. {config.report.as_of:%d/%m/%Y}.",
            "error_title": "Not a date", "error_message": "Enter a date as dd/mm/yyyy.",
        })
        for status in config.rag:
            ws.conditional_format(first, RAG_COL, last, RAG_COL, {
                "type": "cell", "criteria": "==", "value": f'"{status.label}"',
                "format": wb.add_format({"bg_color": status.colour,
                                         "font_color": _text_colour(status.colour)}),
            })
    ws.freeze_panes(header_row + 1, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4: NHS trusts print on A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    wb.close()


def write_returns(
    config: Config, last_items: Sequence[Item] = (), by: str = "lead"
) -> list[Path]:
    """Write every owner's return into outputs/<period>/returns/; the paths written."""
    folder = config.outputs_dir / config.period_slug / "returns"
    written = []
    for owner, rows in sorted(plan_rows(config, last_items, by).items()):
        target = folder / f"Return - {_slug(owner)} - {config.period_slug}.xlsx"
        written.append(
            write_atomic(target, lambda p, o=owner, r=rows: write_return(config, o, r, p)).path
        )
    return written
