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

from planreports.config import Config, Priority
from planreports.model import Item
from planreports.outputs import write_atomic
from planreports.reconcile.match import stable_id

ID_HEADER = "Planreports ID"


# Excel holds 32,767 characters in a cell; last period's updates joined stay well inside it.
LAST_UPDATE_LIMIT = 30_000


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One row of a lead's return: a row they returned last period, or a workstream of theirs
    that no one returned, with what last period said about it."""

    priority: Priority
    workstream: str  # the configured title, or the tracker's text when it matched none
    stable_id: str  # the configured workstream's hidden id; "" for an unconfigured project
    owner: str  # whose return this row is on: a lead, or a directorate
    item: str = ""  # last period's sub-item text
    lead: str = ""  # the lead named on the row last period, else the workstream's from config
    last_rag: str | None = None  # config key
    last_update: str = ""
    directorate: str = ""


class Returns(tuple):
    """The return workbooks written (a tuple of paths), and the period whose returns they show."""

    last_period: str | None
    period: str

    def __new__(cls, paths: Sequence[Path], period: str, last_period: str | None) -> Returns:
        made = super().__new__(cls, paths)
        made.period, made.last_period = period, last_period
        return made

    @property
    def note(self) -> str:
        """What the user should know about them: that 'Last' is blank when nothing came before."""
        if self.last_period is not None:
            return ""
        return (f"no period before {self.period} in the history, so each return lists its "
                "workstreams from config.yaml with 'Last RAG' and 'Last update' blank; for next "
                "period's returns, give that period: --period LABEL --as-of DATE")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "unassigned"


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= LAST_UPDATE_LIMIT else text[: LAST_UPDATE_LIMIT - 1] + "\u2026"


def plan_rows(
    config: Config, last_items: Sequence[Item] = (), by: str = "lead"
) -> dict[str, list[ReturnRow]]:
    """Owner (lead or directorate) -> their rows in plan order.

    Each configured workstream brings the rows returned for it last period, one for one (a
    workstream the COO's directorate returned in four parts, with four named leads, is four
    rows), or one row from config.yaml when nothing was returned. A project last period's
    trackers gave under a priority but not in config.yaml is kept too, under the priority's
    lead, so a lead never has to type again what they returned.
    """
    returned: dict[tuple[str | None, str], list[Item]] = defaultdict(list)
    for item in last_items:
        returned[(item.priority, item.workstream)].append(item)
    owners: dict[str, list[ReturnRow]] = defaultdict(list)

    def add(priority: Priority, title: str, sid: str, exec_lead: str,
            items: Sequence[Item]) -> None:
        # Rows without a sub-item first: the reader gives a blank item cell the item above it.
        for item in sorted(items, key=lambda i: bool(i.item)) or [None]:
            directorate = item.directorate if item else ""
            owner = (directorate if by == "directorate" else exec_lead) or "Unassigned"
            owners[owner].append(ReturnRow(
                priority, title, sid, owner,
                item=item.item if item else "",
                lead=(item.lead if item and item.lead else exec_lead),
                last_rag=item.rag if item else None,
                last_update=_clip(item.update) if item else "",
                directorate=directorate,
            ))

    for priority in config.priorities:
        configured = set()
        for ws in priority.workstreams:
            configured.add(ws.title)
            add(priority, ws.title, stable_id(priority, ws), ws.lead or priority.lead or "",
                returned.get((priority.id, ws.title), []))
        for (pid, title), items in returned.items():
            if pid == priority.id and title not in configured:
                add(priority, title, "", priority.lead or "", items)
    return dict(owners)


HEADERS = ("Priority", "Project Title", "Item", "Last RAG", "Last update", "RAG",
           "Progress Update", "Lead", "Due date", ID_HEADER)
# Fit to width shrinks the sheet until its columns fit across A4 landscape. In Excel's
# character widths, 141 of them fit at 78% of size in LibreOffice (which lays columns out
# wider than Excel, where they fit at 97%): 12-point text prints at 9.4 points or more.
# Wider columns, and fit-to-width would shrink the text below 9 points.
WIDTHS = (14, 20, 13, 7, 27, 7, 31, 13, 9, 14)
(PRIORITY_COL, TITLE_COL, ITEM_COL, LAST_RAG_COL, LAST_UPDATE_COL, RAG_COL, UPDATE_COL, LEAD_COL,
 DUE_COL, ID_COL) = range(10)
FONT_SIZE = 12
SPARE_ROWS = 5  # white rows under the last one, for projects that are new this period


LINE_POINTS = 16.0  # one line of 12 pt Calibri
ENTRY_LINES = 4  # room to type an update before the row needs to grow
MAX_ROW_POINTS = 409.0  # Excel's tallest row


def _row_height(*cells: tuple[str, float]) -> float:
    """Points for a row whose (text, column width) cells wrap: Excel does not grow a row
    xlsxwriter wrote, so a long update from last period would otherwise be cut off."""
    lines = ENTRY_LINES
    for text, width in cells:
        per_line = max(1, int(width * 1.0))  # about a character per width unit at 12 pt
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
    data. White rows under the last one take new projects; the sheet lets rows be inserted.
    """
    wb = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Return")
    size = {"font_size": FONT_SIZE}

    def fmt(**props: object) -> xlsxwriter.format.Format:
        return wb.add_format({**size, **props})

    title = fmt(bold=True, font_size=16, font_color="#005EB8")
    plain = fmt(font_color="#425563")
    note = fmt(italic=True, font_color="#425563", text_wrap=True, valign="top")
    bold = fmt(bold=True)
    head = fmt(bold=True, bg_color="#005EB8", font_color="#FFFFFF", text_wrap=True,
               valign="top", border=1)
    locked = fmt(text_wrap=True, valign="top", border=1, bg_color="#F0F4F5", locked=True)
    entry = fmt(text_wrap=True, valign="top", border=1, locked=False)
    date_entry = fmt(num_format="dd/mm/yyyy", valign="top", border=1, locked=False)
    rag_formats = {
        s.key: fmt(bg_color=s.colour, font_color=_text_colour(s.colour), bold=True, border=1,
                   valign="top")
        for s in config.rag
    }

    ws.write_string(0, 0, f"{config.organisation}: {config.report.title} return", title)
    ws.write_string(1, 0, f"For: {owner}. Period: {config.report.period} "
                    f"(as at {config.report.as_of:%d %B %Y}).", plain)
    ws.merge_range(2, 0, 4, 4, "Fill in the white cells: RAG (choose from the list), progress "
                   "update, lead and due date. Do not change the grey cells. A new project? "
                   "Use a white row at the bottom (insert more rows among them if you need "
                   "them). Save the file and send it back under the same name.", note)
    ws.write_string(0, RAG_COL, "RAG key", bold)
    for j, status in enumerate(config.rag, start=1):
        ws.write_string(j, RAG_COL, status.label, rag_formats[status.key])
        ws.write_string(j, UPDATE_COL, status.meaning, plain)
    header_row = max(5, len(config.rag) + 1) + 1
    for c, (text, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        ws.write_string(header_row, c, text, head)
        ws.set_column(c, c, width)
    ws.set_column(ID_COL, ID_COL, WIDTHS[ID_COL], None, {"hidden": True})
    ws.set_row(header_row, 2 * LINE_POINTS + 3)  # "Last RAG", "Progress Update" wrap in two
    for i, row in enumerate(rows):
        r = header_row + 1 + i
        status = config.rag_status(row.last_rag)
        priority = f"{row.priority.id}. {row.priority.label}"  # read back by its id
        ws.write_string(r, PRIORITY_COL, priority, locked)
        ws.write_string(r, TITLE_COL, row.workstream, locked)
        ws.write_string(r, ITEM_COL, row.item, locked)
        if status:
            ws.write_string(r, LAST_RAG_COL, status.label, rag_formats[status.key])
        else:
            ws.write_blank(r, LAST_RAG_COL, None, locked)
        ws.write_string(r, LAST_UPDATE_COL, row.last_update, locked)
        ws.write_blank(r, RAG_COL, None, entry)
        ws.write_blank(r, UPDATE_COL, None, entry)
        ws.write_string(r, LEAD_COL, row.lead, entry)
        ws.write_blank(r, DUE_COL, None, date_entry)
        ws.write_string(r, ID_COL, row.stable_id, locked)
        ws.set_row(r, _row_height(
            (priority, WIDTHS[PRIORITY_COL]), (row.workstream, WIDTHS[TITLE_COL]),
            (row.item, WIDTHS[ITEM_COL]), (row.last_update, WIDTHS[LAST_UPDATE_COL])))
    first = header_row + 1
    spare = header_row + 1 + len(rows)
    for r in range(spare, spare + SPARE_ROWS):
        for c in range(len(HEADERS)):
            if c in (LAST_RAG_COL, LAST_UPDATE_COL, ID_COL):
                ws.write_blank(r, c, None, locked)
            else:
                ws.write_blank(r, c, None, date_entry if c == DUE_COL else entry)
        ws.set_row(r, ENTRY_LINES * LINE_POINTS + 3)
    last = spare + SPARE_ROWS - 1
    ws.data_validation(spare, PRIORITY_COL, last, PRIORITY_COL, {
        "validate": "any", "input_title": "A new project",
        "input_message": "Its priority's id or number, e.g. "
                         f"{config.priorities[0].id}; then the project's title.",
    })
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
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True,
                    "insert_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4: NHS trusts print on A4
    ws.set_margins(left=0.25, right=0.25, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)  # one page wide, as many long as it takes (see WIDTHS)
    ws.repeat_rows(header_row)
    def text(t: str) -> str:
        return t.replace("&", "&&")  # '&' starts a header/footer code; '&&' prints one

    # &12: the footer's own size, which fit-to-width shrinks with the sheet.
    ws.set_footer(f"&L&12{text(owner)}: {text(config.report.period)}&R&12Page &P of &N")
    wb.close()


def write_returns(
    config: Config, last_items: Sequence[Item] = (), by: str = "lead",
    last_period: str | None = None,
) -> Returns:
    """Write every owner's return into outputs/<period>/returns/; the paths written."""
    folder = config.outputs_dir / config.period_slug / "returns"
    written = []
    for owner, rows in sorted(plan_rows(config, last_items, by).items()):
        target = folder / f"Return - {_slug(owner)} - {config.period_slug}.xlsx"
        written.append(
            write_atomic(target, lambda p, o=owner, r=rows: write_return(config, o, r, p)).path
        )
    return Returns(written, config.report.period, last_period)
