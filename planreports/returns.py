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
    owner: str
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
            if by == "directorate":
                owner = directorate or "Unassigned"
            else:
                owner = ws.lead or priority.lead or "Unassigned"
            owners[owner].append(ReturnRow(priority, ws, owner, rag, update, directorate))
    return dict(owners)


def write_return(config: Config, owner: str, rows: list[ReturnRow], target: Path) -> None:
    """One lead's return workbook, protected except the cells they fill in."""
    labels = [s.label for s in config.rag]
    colours = {s.label: s.colour for s in config.rag}
    wb = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Return")
    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#005EB8"})
    note = wb.add_format({"italic": True, "font_color": "#425563", "text_wrap": True})
    head = wb.add_format({"bold": True, "bg_color": "#005EB8", "font_color": "#FFFFFF",
                          "text_wrap": True, "valign": "top", "border": 1})
    locked = wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                            "bg_color": "#F0F4F5", "locked": True})
    entry = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "locked": False})
    date_entry = wb.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1,
                                "locked": False})
    ws.write_string(0, 0, f"{config.organisation}: {config.report.title} return", title)
    ws.write_string(1, 0, f"For: {owner}. Period: {config.report.period} "
                    f"(as at {config.report.as_of:%d %B %Y}).", note)
    ws.write_string(2, 0, "Fill in the white cells: RAG (choose from the list), progress update, "
                    "lead and due date. Do not change the grey cells or the hidden id column; "
                    "save and return this file unchanged in name.", note)
    headers = ["Priority", "Project Title", "Last RAG", "Last update", "RAG", "Progress Update",
               "Lead", "Due date", ID_HEADER]
    widths = [34, 40, 10, 50, 12, 60, 24, 12, 14]
    header_row = 4
    for c, (text, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(header_row, c, text, head)
        ws.set_column(c, c, width)
    ws.set_column(8, 8, 14, None, {"hidden": True})
    for i, row in enumerate(rows):
        r = header_row + 1 + i
        status = config.rag_status(row.last_rag)
        ws.write_string(r, 0, f"{row.priority.id}. {row.priority.title}", locked)
        ws.write_string(r, 1, row.workstream.title, locked)
        ws.write_string(r, 2, status.label if status else "", locked)
        ws.write_string(r, 3, row.last_update, locked)
        ws.write_blank(r, 4, None, entry)
        ws.write_blank(r, 5, None, entry)
        ws.write_string(r, 6, row.owner if row.owner != "Unassigned" else "", entry)
        ws.write_blank(r, 7, None, date_entry)
        ws.write_string(r, 8, stable_id(row.priority, row.workstream), locked)
        ws.set_row(r, 75)
    last_row = header_row + len(rows)
    if rows:
        ws.data_validation(header_row + 1, 4, last_row, 4, {
            "validate": "list", "source": labels,
            "input_title": "RAG status", "input_message": "; ".join(
                f"{s.label}: {s.meaning}" for s in config.rag)[:255],
            "error_title": "Not a RAG status", "error_message": "Choose from the list.",
        })
        ws.data_validation(header_row + 1, 7, last_row, 7, {
            "validate": "date", "criteria": ">", "minimum": dt.date(2000, 1, 1),
            "input_title": "Due date", "input_message": "A date, e.g. 31/03/2026.",
            "error_title": "Not a date", "error_message": "Enter a date as dd/mm/yyyy.",
        })
        for label, colour in colours.items():
            ws.conditional_format(header_row + 1, 4, last_row, 4, {
                "type": "cell", "criteria": "==", "value": f'"{label}"',
                "format": wb.add_format({"bg_color": colour, "font_color": "#FFFFFF"
                                         if label in {"Red", "Green", "Blue"} else "#000000"}),
            })
    key_row = last_row + 2
    ws.write_string(key_row, 0, "RAG key", wb.add_format({"bold": True}))
    for j, status in enumerate(config.rag):
        ws.write_string(key_row + 1 + j, 0, status.label,
                        wb.add_format({"bg_color": status.colour, "border": 1}))
        ws.write_string(key_row + 1 + j, 1, status.meaning)
    ws.freeze_panes(header_row + 1, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    ws.set_landscape()
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
