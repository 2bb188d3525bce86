"""The workbook's shared parts and its item and finding tables (register, data quality).

Shared: the formats (made once per workbook), tracker text written safely as text, row heights
estimated for wrapped text, and the print set-up every sheet uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from planreports.findings import finding
from planreports.model import SEVERITY_ORDER, Finding, Item, PackView
from planreports.render.workbook_layout import (
    MEASURED_ROWS,
    lines_height,
    page_breaks,
    print_scale,
)
from planreports.render.workbook_layout import row_height as measured_height

FONT = "Arial"  # LibreOffice renders it with metric-compatible Liberation Sans: same wrapping
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_PALE_GREY = "#E8EDEE"
GRID = "#AEB7BD"
EXCEL_CELL_LIMIT = 32_767  # UTF-16 code units, not characters
MAX_ROW_HEIGHT = 409.0  # points: Excel refuses taller rows
LINE_HEIGHT = 12.75  # points per line of 10 pt Arial, as Excel lays it out
CHARS_PER_WIDTH_UNIT = 1.2  # prose in 10 pt Arial is ~6 px a character; a width unit is 7 px
BOLD_SCALE = 0.92  # bold Arial prose is ~7.5% wider (measured on the seed text)
SMALL_SCALE = 1.25  # 8 pt text fits 10/8 as many characters
# Excel runs a typed-in value starting with these as a formula; tracker text must never be one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TREND_TEXT = {
    "improved": "▲ improved",
    "deteriorated": "▼ deteriorated",
    "same": "► same",
    "new": "new",
}
SEVERITY_TINT = {  # (fill, text): tints light enough for dark text to pass contrast
    "error": ("#F6D4D1", "#8A1538"),
    "warning": ("#FFEFC7", "#5C3A00"),
    "info": ("#DCEAF7", NHS_DARK_BLUE),
}
UNKNOWN_PRIORITY = "Unknown priority"
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_on(fill: str) -> str:
    """Black or white, whichever contrasts more with the fill (WCAG relative luminance)."""
    channels = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#FFFFFF" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#000000"


@functools.lru_cache(maxsize=8192)  # workstream, lead and committee names repeat row on row
def text_lines(text: str, width: float, scale: float = 1.0) -> int:
    """Lines a wrapped cell `width` units wide needs (xlsxwriter cannot autofit wrapped rows).

    `scale` is characters per line relative to 10 pt Arial: BOLD_SCALE, SMALL_SCALE.
    Short text is word-wrapped as Excel does; long text is estimated from its length, since
    wrapping every update word by word would cost more than writing the workbook.
    """
    per_line = max(1, int(width * CHARS_PER_WIDTH_UNIT * scale))
    if len(text) <= per_line and "\n" not in text:
        return 1
    if len(text) > 200:
        per_line = max(1, per_line - 3)  # a line loses about half a word to wrapping
        return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
    return sum(_wrapped_lines(part, per_line) for part in text.split("\n"))


def _wrapped_lines(paragraph: str, per_line: int) -> int:
    lines, used = 1, 0
    for word in paragraph.split(" "):
        if used and used + 1 + len(word) <= per_line:
            used += 1 + len(word)
        else:
            lines += 1 if used else 0
            used = len(word)
        while used > per_line:  # a word longer than the line breaks mid-word
            lines += 1
            used -= per_line
    return lines


def row_height(lines: int) -> float:
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 3.0)


def cell_order(cell: str | None) -> tuple[int, int]:
    """'B12' -> (12, 2), so findings sort by row then column, not as text ('B10' < 'B9')."""
    match = _CELL.match(cell or "")
    if not match:
        return (0, 0)
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return (int(match.group(2)), column)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Styles:
    """Every format the pack uses, made once: a format per cell would bloat styles.xml."""

    def __init__(self, workbook: Workbook, rag: Sequence[Any]) -> None:
        self._workbook = workbook
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Format] = {}
        cell = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1,
                "border_color": GRID}
        self.title = self.add({"font_name": FONT, "bold": True, "font_size": 16,
                               "font_color": NHS_DARK_BLUE})
        self.organisation = self.add({"font_name": FONT, "bold": True, "font_size": 11,
                                      "font_color": NHS_DARK_GREY})
        self.section = self.add({"font_name": FONT, "bold": True, "font_size": 12,
                                 "font_color": NHS_DARK_BLUE, "bottom": 2,
                                 "bottom_color": NHS_BLUE})
        self.label = self.add({"font_name": FONT, "bold": True, "font_color": NHS_DARK_GREY})
        self.value = self.add({"font_name": FONT, "align": "left"})
        self.value_date = self.add({"font_name": FONT, "align": "left",
                                    "num_format": "dd/mm/yyyy"})
        self.headline = self.add({"font_name": FONT, "font_size": 11, "text_wrap": True,
                                  "valign": "top", "bg_color": NHS_PALE_GREY,
                                  "border": 1, "border_color": NHS_PALE_GREY})
        self.note = self.add({"font_name": FONT, "italic": True, "font_size": 9,
                              "font_color": NHS_DARK_GREY, "text_wrap": True, "valign": "top"})
        self.link = self.add({"font_name": FONT, "font_color": NHS_BLUE, "underline": 1})
        self.header = self.add({**cell, "bold": True, "font_color": "#FFFFFF",
                                "bg_color": NHS_BLUE, "text_wrap": True, "valign": "vcenter"})
        self.group = self.add({**cell, "bold": True, "font_size": 11, "font_color": NHS_DARK_BLUE,
                               "bg_color": NHS_PALE_GREY, "valign": "vcenter"})
        self.text = self.add({**cell, "text_wrap": True})
        self.text_bold = self.add({**cell, "text_wrap": True, "bold": True})
        self.text_centre = self.add({**cell, "text_wrap": True, "align": "center"})
        self.text_small = self.add({**cell, "text_wrap": True, "font_size": 8,
                                    "font_color": NHS_DARK_GREY})
        self.digest = self.add({**cell, "font_size": 7, "font_color": NHS_DARK_GREY})
        self.trend_bad = self.add({**cell, "text_wrap": True, "align": "center", "bold": True,
                                   "font_color": "#8A1538"})
        self.date = self.add({**cell, "align": "center", "num_format": "dd/mm/yyyy"})
        self.number = self.add({**cell, "align": "center", "num_format": "0"})
        # A dash for zero: an empty-looking cell reads faster in a table of counts.
        self.count = self.add({**cell, "align": "center", "valign": "vcenter",
                               "num_format": '0;-0;"–"'})
        self.total_label = self.add({**cell, "bold": True, "valign": "vcenter", "top": 2})
        self.total_count = self.add({**cell, "bold": True, "align": "center",
                                     "valign": "vcenter", "top": 2, "num_format": '0;-0;"–"'})
        self.row_label = self.add({**cell, "valign": "vcenter", "text_wrap": True})
        self.rag: dict[str | None, Format] = {}
        self.rag_head: dict[str | None, Format] = {}
        for status in rag:
            colours = {"bg_color": status.colour, "font_color": text_on(status.colour),
                       "bold": True, "align": "center", "text_wrap": True}
            self.rag[status.key] = self.add({**cell, **colours})
            self.rag_head[status.key] = self.add({**cell, **colours, "valign": "vcenter"})
        no_rag = {"italic": True, "font_color": NHS_DARK_GREY, "align": "center",
                  "text_wrap": True}
        self.rag[None] = self.add({**cell, **no_rag})
        self.rag_head[None] = self.add({**cell, **no_rag, "bold": True, "valign": "vcenter",
                                        "bg_color": NHS_PALE_GREY})
        self.severity = {
            sev: self.add({**cell, "bold": True, "bg_color": fill, "font_color": ink,
                           "align": "center"})
            for sev, (fill, ink) in SEVERITY_TINT.items()
        }

    def add(self, props: dict[str, Any]) -> Format:
        fmt = self._workbook.add_format(props)
        self._props[id(fmt)] = props
        return fmt

    def quoted(self, fmt: Format | None) -> Format:
        """The same format with Excel's quote prefix: the cell stays text even when edited."""
        key = id(fmt)
        if key not in self._quoted:
            base = self._props.get(key, {"font_name": FONT})
            self._quoted[key] = self._workbook.add_format({**base, "quote_prefix": True})
        return self._quoted[key]


class PackWorkbook:
    """One pack's workbook while it is written: its view, formats and the findings it raises."""

    def __init__(self, workbook: Workbook, view: PackView) -> None:
        self.workbook = workbook
        self.view = view
        self.config: Any = view.config
        self.styles = Styles(workbook, self.config.rag)
        self.findings: list[Finding] = []
        self._cut: set[tuple[str, str]] = set()
        self.worst = self.config.rag[0]
        self.priority_label = {p.id: p.label for p in self.config.priorities}
        self.rag_label = {s.key: s.label for s in self.config.rag}

    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt: Format | None,
             item: Item | None = None, what: str = "text") -> None:
        """Write tracker text as a string, cut to Excel's cell limit with a finding."""
        if not value.isascii():
            # A lone surrogate (a CSV decoded with surrogateescape) cannot be saved as UTF-8
            # and would fail the whole pack at close; it becomes U+FFFD like any bad byte.
            value = _SURROGATE.sub("\ufffd", value)
        if len(value) > EXCEL_CELL_LIMIT // 2 and _utf16_len(value) > EXCEL_CELL_LIMIT:
            value = self._truncate(value, item, what)
        if not value:
            ws.write_blank(row, col, None, fmt)  # a true blank, not an empty string, for filters
        elif value.startswith(FORMULA_TRIGGERS):
            ws.write_string(row, col, value, self.styles.quoted(fmt))
        else:
            ws.write_string(row, col, value, fmt)

    def _truncate(self, value: str, item: Item | None, what: str) -> str:
        where = str(item.source) if item else "the tracker"
        note = f" … [cut at Excel's limit of 32,767 characters; the full text is in {where}]"
        budget = (EXCEL_CELL_LIMIT - _utf16_len(note)) * 2
        # Cutting the UTF-16 bytes and dropping a half surrogate pair keeps emoji whole.
        kept = value.encode("utf-16-le", "surrogatepass")[:budget].decode("utf-16-le", "ignore")
        key = (where, what)
        if key not in self._cut:
            self._cut.add(key)
            self.findings.append(finding(
                "text-truncated",
                f"{what} is longer than an Excel cell holds (32,767 characters); the "
                f"workbook shows the first {len(kept):,} of {len(value):,}",
                source=item.source if item else None,
                priority=item.priority if item else None,
                workstream=item.workstream if item else None,
            ))
        return kept + note

    def header_row(self, ws: Worksheet, columns: Sequence[tuple[str, float]],
                   row: int = 0) -> None:
        for col, (title, width) in enumerate(columns):
            ws.set_column(col, col, width)
            ws.write_string(row, col, title, self.styles.header)
        ws.set_row(row, 30)

    def label_of(self, priority: str | None) -> str:
        return self.priority_label.get(priority, UNKNOWN_PRIORITY) if priority else \
            UNKNOWN_PRIORITY

    def counts_by_priority(self) -> list[tuple[str | None, dict[str | None, int]]]:
        """RAG counts per configured priority, in config order, then unknown ones together."""
        counts = self.view.counts()
        known = [p.id for p in self.config.priorities]
        # The board sees every priority, an empty one included (a gap is news); a committee
        # pack sees only the priorities it oversees.
        pack = self.config.pack(self.view.name)
        shown = [pid for pid in known if pid in counts] if pack and pack.committees else known
        out: list[tuple[str | None, dict[str | None, int]]] = [
            (pid, dict(counts.get(pid, {}))) for pid in shown
        ]
        unknown: dict[str | None, int] = {}
        for pid, by_rag in counts.items():
            if pid not in known:
                for key, n in by_rag.items():
                    unknown[key] = unknown.get(key, 0) + n
        if unknown:
            out.append((None, unknown))
        return out

    def grouped_items(self) -> list[tuple[str | None, list[Item]]]:
        """Items by priority in config order; items of no known priority last."""
        groups: dict[str | None, list[Item]] = {p.id: [] for p in self.config.priorities}
        for item in self.view.items:
            groups.setdefault(item.priority if item.priority in groups else None, []).append(item)
        return [(pid, items) for pid, items in groups.items() if items]


def set_up_print(ws: Worksheet, pack: PackWorkbook, repeat: int | None = 0,
                 scale: int | None = None, breaks: Sequence[int] = ()) -> None:
    """A4 landscape, one page wide, header row on every page, who/when in header and footer.

    With `scale`, the sheet prints at that percentage with `breaks` (rows that start a page;
    see workbook_layout), since Excel ignores manual breaks on a sheet set to fit its width.
    """
    config = pack.config

    def part(text: str) -> str:
        # '&' starts an Excel header code; Excel caps the whole header at 255 characters.
        if len(text) > 70:
            text = text[:69].rstrip() + "…"
        return text.replace("&", "&&")

    title = f"{config.report.title}: {pack.view.title}"
    ws.set_landscape()
    ws.set_paper(9)
    if scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(scale)
        if breaks:
            ws.set_h_pagebreaks(list(breaks))
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.65)
    ws.set_header(f"&L&8{part(config.organisation)}&C&8&B{part(title)}"
                  f"&R&8{part(config.report.period)}", {"margin": 0.3})
    ws.set_footer("&L&8&A&C&8Page &P of &N&R&8" + part(config.report.period), {"margin": 0.3})
    if repeat is not None:
        ws.repeat_rows(repeat)


def fitted_width(values: Sequence[str], narrowest: float, widest: float) -> float:
    """A column as wide as its longest text needs, within bounds (xlsxwriter cannot autofit)."""
    longest = max((len(v) for v in values), default=0)
    return max(narrowest, min(widest, longest / CHARS_PER_WIDTH_UNIT + 2))


def as_datetime(day: dt.date) -> dt.datetime:
    return day if isinstance(day, dt.datetime) else dt.datetime(day.year, day.month, day.day)


QUALITY_COLUMNS = (
    ("Code", 20), ("Severity", 10), ("Message", 62), ("File", 24), ("Sheet", 14), ("Cell", 7),
    ("Priority", 14), ("Workstream", 26),
)


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Worst first, then by code, then by place in the tracker (row before column)."""
    return sorted(findings, key=lambda f: (
        SEVERITY_ORDER.get(f.severity, 9), f.code, f.file or "", f.sheet or "",
        cell_order(f.cell),
    ))


def estimated_height(cells: Sequence[tuple[str, float, bool, float]]) -> float:
    """A row's height from its text's length, erring long: for sheets past MEASURED_ROWS,
    where measuring every wrapped line would cost more than writing the workbook."""
    scales = {8.0: SMALL_SCALE}
    lines = max((text_lines(t, w, BOLD_SCALE if b else scales.get(size, 1.0))
                 for t, w, b, size in cells if t), default=1)
    return lines_height(lines + (1 if lines > 3 else 0))


def write_data_quality(pack: PackWorkbook, ws: Worksheet, findings: Sequence[Finding]) -> None:
    """Every finding, worst first, with the file, sheet and cell it points at."""
    s = pack.styles
    pack.header_row(ws, QUALITY_COLUMNS)
    widths = [w for _, w in QUALITY_COLUMNS]
    ordered = sorted_findings(findings)
    measured = len(ordered) <= MEASURED_ROWS
    heights = []
    for row, f in enumerate(ordered, start=1):
        priority = pack.label_of(f.priority) if f.priority else ""
        values = (f.code, f.severity, f.message, f.file or "", f.sheet or "", f.cell or "",
                  priority, f.workstream or "")
        for col, value in enumerate(values):
            if col == 1:
                ws.write_string(row, col, value, s.severity.get(value, s.text_centre))
            else:
                pack.text(ws, row, col, value, s.text_centre if col == 5 else s.text,
                          None, QUALITY_COLUMNS[col][0])
        cells = [(v, widths[c], c == 1, 10.0) for c, v in enumerate(values)]
        heights.append(measured_height(cells) if measured else estimated_height(cells))
        ws.set_row(row, heights[-1])
    if not ordered:
        ws.merge_range(1, 0, 1, len(QUALITY_COLUMNS) - 1, "No data-quality findings.", s.note)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(ordered), 1), len(QUALITY_COLUMNS) - 1)
    scale = print_scale(widths)
    set_up_print(ws, pack, scale=scale, breaks=page_breaks(heights, 30.0, scale))
