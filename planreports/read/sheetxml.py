"""A worksheet part's XML: how far its values really reach, and the colours of one column.

openpyxl's full load costs ~19x calamine, and even a regex over every cell's start tag costs
half as much again as calamine's whole read; so cell colours come from a scan of the one
column whose colours mean something (the RAG column), done when the table reader asks for
it, and the sheet's extent is counted only when a cell tag is out of the usual form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, fromstring

from planreports.read.conditional import conditional_fills, parse_rules
from planreports.read.grid import column_letter
from planreports.read.safety import MAX_CELLS, UnsafeFileError
from planreports.read.sparse import Extent, table_extent
from planreports.read.styles import M, StyleTable

# One cell's start tag in any form: its reference and, when it has one, its style id.
_CELL = re.compile(
    rb"<(?:\w+:)?c\s(?=[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\")(?:(?=[^>]*?\bs=\"([0-9]+)\"))?"
)
# A cell's whole start tag, for counting the cells that hold a value (a tag that closes
# itself, `<c r="XFD1048576" s="1"/>`, is formatting alone: no reader makes a cell of it).
_CELL_TAG = re.compile(rb"<((?:\w+:)?)c\s([^>]*?)(/?)>")
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
# A cell start tag that is not `<c r="A1"` with its reference inside A1:AX99999 (at most
# 4,999,950 cells, under MAX_CELLS). Every writer we know puts `r` first; when no tag in a
# sheet breaks that form, its extent needs no counting and one column can be found by
# its letters alone.
_UNUSUAL_CELL = re.compile(rb'<c(?! r="(?:A[A-X]|[A-Z])[0-9]{1,5}")')
_SHEETDATA = re.compile(rb"<((?:\w+:)?)sheetData\b")
_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
_FORMATTING = re.compile(
    rb"<((?:\w+:)?)conditionalFormatting\b.*?</\1conditionalFormatting\s*>", re.DOTALL
)
_STYLE = re.compile(rb'\ss="([0-9]+)"')


def column_number(letters: bytes) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


@dataclass(frozen=True)
class SheetXml:
    """The parts of a worksheet's XML that colours come from, and the values set aside."""

    cells: bytes  # from <sheetData> to the end of the part
    usual: bool  # every cell tag is `<c r="A1"...` inside A1:AX99999 (see _UNUSUAL_CELL)
    formattings: tuple[Element, ...] = ()
    # Cells far outside the table (see sparse.py): position -> the cell's element, whole.
    strays: tuple[tuple[tuple[int, int], bytes], ...] = ()
    stray_count: int = 0


def too_many(sheet: str, count: int) -> UnsafeFileError:
    """The refusal for a sheet holding more values than any reader here can hold."""
    return UnsafeFileError(
        f"sheet '{sheet}' holds {count:,} values, more than the {MAX_CELLS:,} a tracker can "
        "hold; split it into smaller workbooks (refused)"
    )


def _value_cells(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(row, col, start, end) of each cell element that holds something, 0-based."""
    out = []
    for tag in _CELL_TAG.finditer(data, start, end):
        if tag.group(3):  # closes itself: no value
            continue
        ref = _REFERENCE.search(tag.group(2))
        if ref is None:
            continue  # a cell placed by its order alone sits inside its row's span
        close = data.find(b"</" + tag.group(1) + b"c>", tag.end(), end)
        close = end if close < 0 else close
        if not data[tag.end():close].strip():
            continue  # <c r="A1" s="1"></c>: formatting alone
        out.append((int(ref.group(2)) - 1, column_number(ref.group(1)) - 1, tag.start(),
                    close + len(tag.group(1)) + 4))
    return out


def sheet_xml(name: str, part: str, data: bytes) -> SheetXml:
    """Split a worksheet part, and set its far stray values aside (see sparse.py).

    calamine builds a dense grid from A1 to the farthest value, so one stray value in
    XFD1048576 would make it allocate billions of cells and abort the worker: whenever a
    cell tag is out of the usual form, the extent of the cells holding a value is counted,
    and when it is past the budget the farthest values are set aside, to be taken out of the
    part calamine reads. Only a sheet holding more values than the budget is refused.
    """
    found = _SHEETDATA.search(data)
    start = found.start() if found else 0
    prefix = found.group(1) if found else b""
    end = data.find(b"</" + prefix + b"sheetData", start)
    end = len(data) if end < 0 else end
    usual = not prefix and _UNUSUAL_CELL.search(data, start, end) is None
    strays: tuple[tuple[tuple[int, int], bytes], ...] = ()
    count = 0
    if not usual:
        cells = _value_cells(data, start, end)
        rows = max((r for r, _c, _s, _e in cells), default=-1) + 1
        cols = max((c for _r, c, _s, _e in cells), default=-1) + 1
        if rows * cols > MAX_CELLS:
            if len(cells) > MAX_CELLS:
                raise too_many(name, len(cells))
            extent: Extent = table_extent((r, c) for r, c, _s, _e in cells)
            far = set(extent.strays)
            strays = tuple(
                ((r, c), data[s:e]) for r, c, s, e in cells if (r, c) in far
            )
            count = len(strays)
    return SheetXml(data[start:], usual, _conditional_formats(part, data, end), strays, count)


def without_strays(data: bytes, xml: SheetXml) -> bytes:
    """The part with its stray cells' elements taken out, for calamine to read the table."""
    if not xml.strays:
        return data
    pieces, at = [], 0
    for _position, element in xml.strays:  # in sheet order, each found once, left to right
        index = data.find(element, at)
        if index < 0:
            continue
        pieces.append(data[at:index])
        at = index + len(element)
    pieces.append(data[at:])
    return b"".join(pieces)


def _conditional_formats(part: str, data: bytes, after: int) -> tuple[Element, ...]:
    root_tag = _ROOT.search(data)
    fragments = [m.group(0) for m in _FORMATTING.finditer(data, after)] if root_tag else []
    if not root_tag or not fragments:
        return ()
    # Parsed inside the sheet's own root tag, so its namespace prefixes stay declared.
    tag = root_tag.group(0)
    closing = b"</" + tag[1:].split()[0].rstrip(b">") + b">"
    try:
        root = fromstring(tag + b"".join(fragments) + closing)
    except ParseError:
        return ()  # a malformed format is no colour, not an unreadable tracker
    return tuple(root.iter(f"{M}conditionalFormatting"))


def column_styles(xml: SheetXml, col: int) -> dict[int, int]:
    """0-based row -> style id, for the cells of one column that have a style."""
    out: dict[int, int] = {}
    if xml.usual:
        letters = column_letter(col).encode()
        tags = re.compile(rb'<c r="' + letters + rb'([0-9]+)"(?: s="([0-9]+)")?([^>]*)')
        for digits, style, rest in tags.findall(xml.cells):
            if not style and (late := _STYLE.search(rest)):  # `s` after `t`: rare, but valid
                style = late.group(1)
            if style:
                out[int(digits) - 1] = int(style)
        return out
    target = col + 1
    for letters, digits, style in _CELL.findall(xml.cells):
        if style and column_number(letters) == target:
            out[int(digits) - 1] = int(style)
    return out


def column_fills(
    xml: SheetXml, styles: StyleTable, values: Sequence[Sequence[object]], col: int
) -> dict[int, str]:
    """0-based row -> the fill a reader sees in one column: the cell's own fill, with a
    conditional format's fill drawn over it where a rule applies."""
    fills = {}
    for row, style in column_styles(xml, col).items():
        if fill := styles.fill_of(style):
            fills[row] = fill
    if xml.formattings and any(styles.dxf_fill):
        drawn = conditional_fills(parse_rules(xml.formattings, styles.dxf_fill), values)
        fills.update({row: fill for (row, c), fill in drawn.items() if c == col})
    return fills
