"""PackView -> the pack's Excel summary (xlsxwriter): the dashboard and the reference sheets.

render_workbook writes every sheet; the register, exceptions and data-quality tables and the
formats they share live in workbook_sheets.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import jinja2
import xlsxwriter
from xlsxwriter.chart import Chart
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.worksheet import Worksheet

from planreports.errors import RenderError
from planreports.model import Finding, PackView, PeriodSummary
from planreports.render.org_matrix import organisation_matrix
from planreports.render.text import headline
from planreports.render.workbook_exceptions import write_exceptions
from planreports.render.workbook_matrix import matrix_cells, write_matrix
from planreports.render.workbook_organisations import write_organisations
from planreports.render.workbook_register import write_register
from planreports.render.workbook_sheets import (
    BOLD_SCALE,
    FONT,
    GRID,
    NHS_DARK_GREY,
    PackWorkbook,
    row_height,
    set_up_print,
    text_lines,
    text_on,
    write_data_quality,
)

# In tab order; Organisations only for a system's roll-up, the Matrix only where trackers give
# directorates (see workbook_organisations, workbook_matrix).
SHEETS = ("Dashboard", "Organisations", "Register", "Exceptions", "Data quality", "Matrix",
          "Sources", "RAG key")
NO_RAG_COLOUR = "#AEB7BD"
ROW_PX = 17  # default row height in pixels for 10 pt Arial, used to keep charts apart
HISTORY_PERIODS = 8  # the current period and up to seven before it: two years of quarters


def render_workbook(view: PackView, target: Path, template_dir: Path | None = None
                    ) -> list[Finding]:
    """Write the pack's workbook to `target`; return the findings raised while writing.

    The caller writes to a temporary name and replaces the real file, so a failure here
    never leaves a half-written pack in place of the last good one.
    """
    config: Any = view.config  # PackView types it loosely to keep model.py import-free
    try:
        text = headline(view, template_dir)
    except jinja2.TemplateError as exc:
        raise RenderError(f"headline template: {exc}") from exc
    workbook = xlsxwriter.Workbook(str(target), {
        # Tracker text is data: never let xlsxwriter turn "=SUM(A1)" into a formula or
        # "+44 1865" into a number.
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        # Parts built in memory, not as files in /tmp that a killed build would leave behind.
        "in_memory": True,
        "default_format_properties": {"font_name": FONT, "font_size": 10},
        "default_row_height": ROW_PX,
    })
    pack = PackWorkbook(workbook, view)
    workbook.set_properties({
        "title": f"{config.report.title}: {view.title} {config.report.period}",
        "subject": f"{config.report.period} as at {config.report.as_of:%d/%m/%Y}",
        "author": "planreports",
        "company": config.organisation,
        # The reporting date, not the wall clock: rebuilding a period gives the same bytes.
        "created": dt.datetime.combine(config.report.as_of, dt.time()),
    })
    matrix = matrix_cells(pack)
    organisations = organisation_matrix(view)
    left_out = {"Matrix"} if matrix is None else set()
    if organisations is None:
        left_out.add("Organisations")
    sheets = {name: workbook.add_worksheet(name) for name in SHEETS if name not in left_out}
    # Fill order differs from tab order: the dashboard and the data-quality sheet count the
    # findings that writing the other sheets raises (text cut to Excel's cell limit).
    write_register(pack, sheets["Register"])
    write_exceptions(pack, sheets["Exceptions"])
    if matrix is not None:
        write_matrix(pack, sheets["Matrix"], matrix)
    if organisations is not None:
        write_organisations(pack, sheets["Organisations"], organisations)
    write_sources(pack, sheets["Sources"])
    write_rag_key(pack, sheets["RAG key"])
    findings = [*view.findings, *pack.findings]
    write_data_quality(pack, sheets["Data quality"], findings)
    write_dashboard(pack, sheets["Dashboard"], text, findings)
    try:
        workbook.close()
    except (OSError, XlsxWriterException) as exc:
        raise RenderError(f"{target}: the workbook could not be written: {exc}") from exc
    return list(pack.findings)


def write_dashboard(pack: PackWorkbook, ws: Worksheet, headline_text: str,
                    findings: list[Finding]) -> None:
    """Title block, headline, RAG by priority (table and chart), findings, RAG over time."""
    s = pack.styles
    config = pack.config
    view = pack.view
    # Only the statuses this period or an earlier one on the chart uses: a Blue column of
    # dashes (and a Blue legend entry) when nothing is complete is noise.
    occur = {i.rag for i in view.items} | {k for p in view.history for k, n in p.counts.items()
                                           if n}
    # ...but a pack with no items still shows the scale (and a chart needs a series).
    statuses = [r for r in config.rag if r.key in occur] or list(config.rag)
    no_rag = any(i.rag is None for i in view.items)
    rag_columns: list[str | None] = [r.key for r in statuses] + ([None] if no_rag else [])
    last_col = len(rag_columns) + 1  # priority label, RAG columns, Total
    ws.set_column(0, 0, 30)
    ws.set_column(1, last_col, 10)
    ws.set_column(last_col + 1, last_col + 1, 3)

    ws.write_string(0, 0, config.organisation, s.organisation)
    ws.write_string(1, 0, f"{config.report.title}: {view.title}", s.title)
    ws.set_row(1, 24)
    read = sum(1 for f in view.inputs if f.status == "read")
    details = (
        ("Period", config.report.period),
        ("As at", config.report.as_of),
        ("Items reported", len(view.items)),
        ("Trackers read", f"{read} of {len(view.inputs)} files"),
    )
    for offset, (label, value) in enumerate(details):
        ws.write_string(3 + offset, 0, label, s.label)
        if isinstance(value, dt.date):
            ws.write_datetime(3 + offset, 1, dt.datetime.combine(value, dt.time()), s.value_date)
        elif isinstance(value, int):
            ws.write_number(3 + offset, 1, value, s.value)
        else:
            ws.write_string(3 + offset, 1, value, s.value)

    row = 8
    ws.merge_range(row, 0, row, last_col, "", s.headline)
    pack.text(ws, row, 0, headline_text, s.headline, None, "Headline")
    merged_width = 30 + 10 * last_col
    ws.set_row(row, row_height(text_lines(headline_text, merged_width, 10 / 11)) + 6)

    row += 2
    ws.write_string(row, 0, "RAG status by priority", s.section)
    for col in range(1, last_col + 1):
        ws.write_blank(row, col, None, s.section)
    table_top = row + 1
    chart_rows = _rag_table(pack, ws, table_top, rag_columns)
    _rag_chart(pack, ws, table_top, rag_columns, chart_rows, anchor_col=last_col + 2)
    chart_bottom = table_top + math.ceil(_chart_height(len(chart_rows)) / ROW_PX)

    row = table_top + len(chart_rows) + 3
    ws.write_string(row, 0, "Data quality findings", s.section)
    ws.write_blank(row, 1, None, s.section)
    ws.write_string(row + 1, 0, "Severity", s.header)
    ws.write_string(row + 1, 1, "Findings", s.header)
    for offset, severity in enumerate(("error", "warning", "info"), start=2):
        ws.write_string(row + offset, 0, severity.capitalize(), s.severity[severity])
        ws.write_number(row + offset, 1, sum(1 for f in findings if f.severity == severity),
                        s.count)
    ws.write_url(row + 5, 0, "internal:'Data quality'!A1", s.link,
                 string="See every finding on the Data quality sheet",
                 tip="Findings with the file, sheet and cell each came from")

    history = _earlier_periods(pack, view.history)
    if history:
        row = max(row + 8, chart_bottom + 2)
        ws.write_string(row, 0, "RAG status over time", s.section)
        for col in range(1, last_col + 1):
            ws.write_blank(row, col, None, s.section)
        _history_table_and_chart(pack, ws, row + 1, rag_columns, history, last_col + 2)
    set_up_print(ws, pack, repeat=None)
    ws.fit_to_pages(1, 1)  # the dashboard is the one page a board member reads
    ws.hide_gridlines(2)
    ws.activate()


def _rag_table(pack: PackWorkbook, ws: Worksheet, top: int,
               rag_columns: list[str | None]) -> list[str]:
    """Priority x RAG counts with a Total row; returns the priority labels written."""
    s = pack.styles
    ws.write_string(top, 0, "Priority", s.header)
    for col, key in enumerate(rag_columns, start=1):
        ws.write_string(top, col, pack.rag_label.get(key, "No RAG"), s.rag_head[key])
    ws.write_string(top, len(rag_columns) + 1, "Total", s.header)
    ws.set_row(top, 22)
    by_priority = pack.counts_by_priority()
    labels = []
    totals = [0] * len(rag_columns)
    for row, (pid, by_rag) in enumerate(by_priority, start=top + 1):
        label = pack.label_of(pid)
        labels.append(label)
        pack.text(ws, row, 0, label, s.row_label)
        for col, key in enumerate(rag_columns, start=1):
            totals[col - 1] += by_rag.get(key, 0)
            ws.write_number(row, col, by_rag.get(key, 0), s.count)
        ws.write_number(row, len(rag_columns) + 1, sum(by_rag.values()), s.total_count)
        ws.set_row(row, max(18.0, row_height(text_lines(label, 30))))
    total_row = top + 1 + len(by_priority)
    ws.write_string(total_row, 0, "Total", s.total_label)
    for col, n in enumerate(totals, start=1):
        ws.write_number(total_row, col, n, s.total_count)
    ws.write_number(total_row, len(rag_columns) + 1, sum(totals), s.total_count)
    ws.set_row(total_row, 18)
    return labels


def _chart_height(categories: int) -> int:
    return max(280, 34 * categories + 110)


def _nice_unit(largest: int) -> int:
    """A whole-number axis step giving about five gridlines (counts are never fractions)."""
    return max(1, math.ceil(largest / 5))


def _colour(pack: PackWorkbook, key: str | None) -> str:
    status = pack.config.rag_status(key)
    return status.colour if status else NO_RAG_COLOUR


def _add_rag_series(pack: PackWorkbook, chart: Chart, sheet: str, header: int, first: int,
                    last: int, rag_columns: list[str | None]) -> None:
    for col, key in enumerate(rag_columns, start=1):
        colour = _colour(pack, key)
        chart.add_series({
            "name": [sheet, header, col],
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, col, last, col],
            "fill": {"color": colour},
            "border": {"color": "#FFFFFF", "width": 0.75},
            "gap": 55,
            # "0;;;" hides the label of an empty segment, which would print a stray 0.
            "data_labels": {"value": True, "num_format": "0;;;",
                            "font": {"name": FONT, "size": 9, "bold": True,
                                     "color": text_on(colour)}},
        })


def _style_chart(chart: Chart, title: str) -> None:
    font = {"name": FONT, "size": 9, "color": NHS_DARK_GREY}
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 11, "bold": True}})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_chartarea({"border": {"none": True}})
    chart.set_plotarea({"border": {"none": True}})


def _rag_chart(pack: PackWorkbook, ws: Worksheet, header: int, rag_columns: list[str | None],
               labels: list[str], anchor_col: int) -> None:
    chart = pack.workbook.add_chart({"type": "bar", "subtype": "stacked"})
    assert chart is not None
    first, last = header + 1, header + len(labels)
    _add_rag_series(pack, chart, "Dashboard", header, first, last, rag_columns)
    largest = max((sum(c.values()) for _, c in pack.counts_by_priority()), default=1)
    font = {"name": FONT, "size": 9, "color": NHS_DARK_GREY}
    # Bars run top-down in the table's order only with the category axis reversed; crossing
    # at the last category keeps the value axis at the bottom, where readers look for it.
    chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": font,
                      "line": {"color": GRID}})
    chart.set_x_axis({"min": 0, "major_unit": _nice_unit(largest), "num_font": font,
                      "num_format": "0", "line": {"none": True},
                      "major_gridlines": {"visible": True, "line": {"color": "#D8DDE0"}}})
    _style_chart(chart, "RAG status by priority")
    chart.set_size({"width": 620, "height": _chart_height(len(labels))})
    ws.insert_chart(header, anchor_col, chart, {
        "x_scale": 1, "y_scale": 1, "object_position": 1,
        "description": _alt_text(pack, "Stacked bar chart of items by RAG status for each "
                                       "priority.", rag_columns),
    })


def _alt_text(pack: PackWorkbook, lead: str, rag_columns: list[str | None]) -> str:
    """The chart's numbers in words, for a screen reader: '<label>: 1 Red, 2 Green.'"""
    parts = [lead]
    for pid, by_rag in pack.counts_by_priority():
        words = [f"{by_rag[k]} {pack.rag_label.get(k, 'no RAG')}" for k in rag_columns
                 if by_rag.get(k)]
        parts.append(f"{pack.label_of(pid)}: {', '.join(words) or 'no items'}.")
    return " ".join(parts)[:1500]


def _earlier_periods(pack: PackWorkbook, history: tuple[PeriodSummary, ...]
                     ) -> list[PeriodSummary]:
    as_of = pack.config.report.as_of
    earlier = sorted((p for p in history if p.as_of < as_of), key=lambda p: p.as_of)
    return earlier[-(HISTORY_PERIODS - 1):]


def _history_table_and_chart(pack: PackWorkbook, ws: Worksheet, top: int,
                             rag_columns: list[str | None], history: list[PeriodSummary],
                             anchor_col: int) -> None:
    s = pack.styles
    current: dict[str | None, int] = {}
    for item in pack.view.items:
        current[item.rag] = current.get(item.rag, 0) + 1
    periods = [(p.period, dict(p.counts)) for p in history]
    periods.append((pack.config.report.period, current))
    # An earlier period may have had items without a RAG even if this one has none.
    columns = list(rag_columns)
    if None not in columns and any(c.get(None) for _, c in periods):
        columns.append(None)
    ws.write_string(top, 0, "Period", s.header)
    for col, key in enumerate(columns, start=1):
        ws.write_string(top, col, pack.rag_label.get(key, "No RAG"), s.rag_head[key])
    ws.write_string(top, len(columns) + 1, "Total", s.header)
    ws.set_row(top, 22)
    for row, (period, counts) in enumerate(periods, start=top + 1):
        pack.text(ws, row, 0, period, s.row_label)
        for col, key in enumerate(columns, start=1):
            ws.write_number(row, col, counts.get(key, 0), s.count)
        ws.write_number(row, len(columns) + 1, sum(counts.values()), s.total_count)
    chart = pack.workbook.add_chart({"type": "column", "subtype": "stacked"})
    assert chart is not None
    _add_rag_series(pack, chart, "Dashboard", top, top + 1, top + len(periods), columns)
    font = {"name": FONT, "size": 9, "color": NHS_DARK_GREY}
    largest = max((sum(c.values()) for _, c in periods), default=1)
    chart.set_x_axis({"num_font": font, "line": {"color": GRID}})
    chart.set_y_axis({"min": 0, "major_unit": _nice_unit(largest), "num_font": font,
                      "num_format": "0", "line": {"none": True},
                      "major_gridlines": {"visible": True, "line": {"color": "#D8DDE0"}}})
    _style_chart(chart, "RAG status over time")
    chart.set_size({"width": 620, "height": 260})
    words = "; ".join(
        f"{period}: " + ", ".join(f"{c[k]} {pack.rag_label.get(k, 'no RAG')}"
                                  for k in columns if c.get(k))
        for period, c in periods
    )
    ws.insert_chart(top, anchor_col, chart, {
        "object_position": 1,
        "description": f"Stacked column chart of items by RAG status per period. {words}"[:1500],
    })


SOURCE_COLUMNS = (
    ("File", 30), ("Format", 8), ("File status", 9), ("Reason", 24), ("SHA-256", 44),
    ("Sheet", 17), ("Sheet status", 9), ("Header row", 8), ("Rows", 7), ("Items", 7),
    ("Section rows", 8), ("Sheet note", 24),
)


def write_sources(pack: PackWorkbook, ws: Worksheet) -> None:
    """Every tracker read or refused, and what became of each sheet: the audit trail."""
    s = pack.styles
    pack.header_row(ws, SOURCE_COLUMNS)
    widths = [w for _, w in SOURCE_COLUMNS]
    row = 1
    for source in sorted(pack.view.inputs, key=lambda f: f.path.casefold()):
        file_values = (source.path, source.format, source.status, source.reason, source.sha256)
        for index, sheet in enumerate(source.sheets or (None,)):
            shown = file_values if index == 0 else ("", "", "", "", "")
            for col, value in enumerate(shown):
                fmt = s.digest if col == 4 else s.text_bold if col == 0 else s.text
                pack.text(ws, row, col, value, fmt)
            # The digest is one unwrapped 7 pt line; only the other columns set the height.
            lines = max(text_lines(v, widths[c], BOLD_SCALE if c == 0 else 1.0)
                        for c, v in enumerate(shown) if c != 4)
            if sheet is None:
                for col in range(5, len(SOURCE_COLUMNS)):
                    ws.write_blank(row, col, None, s.text)
            else:
                pack.text(ws, row, 5, sheet.name, s.text)
                ws.write_string(row, 6, sheet.status, s.text)
                if sheet.header_row is None:
                    ws.write_blank(row, 7, None, s.number)
                else:
                    ws.write_number(row, 7, sheet.header_row, s.number)
                for col, n in ((8, sheet.rows), (9, sheet.items), (10, sheet.sections)):
                    ws.write_number(row, col, n, s.number)
                pack.text(ws, row, 11, sheet.reason, s.text)
                lines = max(lines, text_lines(sheet.name, widths[5]),
                            text_lines(sheet.reason, widths[11]))
            ws.set_row(row, row_height(lines))
            row += 1
    if row == 1:
        ws.merge_range(1, 0, 1, 5, "No input files were found.", s.note)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(row - 1, 1), len(SOURCE_COLUMNS) - 1)
    set_up_print(ws, pack)


def write_rag_key(pack: PackWorkbook, ws: Worksheet) -> None:
    """The configured statuses with their colours and meanings: the key a reader needs."""
    s = pack.styles
    columns = (("Key", 7), ("Status", 14), ("Colour", 11), ("Meaning", 46),
               ("Counts as complete", 18), ("Items in this pack", 12))
    pack.header_row(ws, columns)
    counts: dict[str | None, int] = {}
    for item in pack.view.items:
        counts[item.rag] = counts.get(item.rag, 0) + 1
    rows: list[tuple[str | None, str, str, str, str]] = [
        (r.key, r.label, r.colour, r.meaning, "Yes: never overdue" if r.complete else "No")
        for r in pack.config.rag
    ]
    rows.append((None, "No RAG", "", "No RAG given in the tracker, as text or as a cell colour",
                 "No"))
    for row, (key, label, colour, meaning, complete) in enumerate(rows, start=1):
        pack.text(ws, row, 0, key or "", s.text_centre)
        ws.write_string(row, 1, label, s.rag[key])
        ws.write_string(row, 2, colour, s.text_centre)
        pack.text(ws, row, 3, meaning, s.text)
        ws.write_string(row, 4, complete, s.text)
        ws.write_number(row, 5, counts.get(key, 0), s.number)
        ws.set_row(row, row_height(text_lines(meaning, 46)))
    note = ("RAG is always shown as a word as well as a colour, so that the pack reads the same "
            "in black and white and to colour-blind readers.")
    ws.merge_range(len(rows) + 2, 0, len(rows) + 2, 3, note, s.note)
    ws.set_row(len(rows) + 2, 26)
    set_up_print(ws, pack)
