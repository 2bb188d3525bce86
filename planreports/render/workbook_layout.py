"""Workbook sheets as printed: row heights from measured text, the print scale, page breaks.

xlsxwriter cannot autofit a wrapped row, and neither Excel nor LibreOffice refits a row whose
height the file sets, so the height is the text's, measured with the shipped font's metrics:

- Excel draws a column `w` characters wide as 7w + 5 pixels (Arial 10 at 96 dpi), 5 of them
  padding; LibreOffice draws it wider (5.55w + 3.8 pt, read off its PDF). Text is wrapped at
  Excel's narrower width, less 3% for its pixel-rounded glyphs, so no row is short in either.
- A line of 10 pt Arial is 12.75 pt in Excel (LibreOffice draws 11.2): rows are Excel's.
- The print scale is set, not "fit to width" (Excel ignores manual page breaks under fit to
  width), from LibreOffice's wider columns so that a sheet is one page wide in both.
- Page breaks come from `flow_pages` over whole rows: the fewest pages, even, with a priority
  heading never left at the foot of a page without its rows (a roll-up's sheet of thousands
  of rows is broken greedily, headings still kept with their rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from planreports.render.flow import flow_pages
from planreports.render.measure import wrap_lines

EXCEL_PT_PER_CHAR = 5.25  # 7 px at 96 dpi
LIBREOFFICE_PT_PER_CHAR, LIBREOFFICE_PAD = 5.5535, 3.8
WRAP_SAFETY = 0.97
LINE_PT = {8.0: 11.25, 9.0: 12.0, 10.0: 12.75, 11.0: 14.25, 12.0: 15.0}
ROW_PAD = 3.0
MAX_ROW_HEIGHT = 409.0  # points: Excel refuses taller rows
# A4 landscape with set_up_print's margins (left/right 0.4 in, top 0.75, bottom 0.65).
PAGE_WIDTH, PAGE_HEIGHT = 841.89 - 0.8 * 72, 595.28 - 1.4 * 72
PAGE_SAFETY = 0.97  # of the page height: the two programs round row heights differently
# Measuring every update of a region's roll-up would cost more than writing the workbook;
# above this many rows a sheet's heights are estimated from the text's length (generously).
MEASURED_ROWS = 5000


def cell_lines(text: str, width: float, bold: bool = False, size: float = 10.0) -> int:
    """Lines `text` takes in a wrapped cell `width` characters wide (Excel's wrapping)."""
    if not text:
        return 1
    return len(wrap_lines(text, width * EXCEL_PT_PER_CHAR * WRAP_SAFETY, size, bold))


def lines_height(lines: int, size: float = 10.0) -> float:
    line = LINE_PT.get(size, size * 1.275)
    return min(MAX_ROW_HEIGHT, lines * line + ROW_PAD)


def row_height(cells: Sequence[tuple[str, float, bool, float]]) -> float:
    """Height in points of a row of (text, width in characters, bold, size) cells."""
    return max((lines_height(cell_lines(t, w, b, s), s) for t, w, b, s in cells if t),
               default=lines_height(1))


def print_scale(widths: Sequence[float]) -> int:
    """The percentage at which columns of these widths (characters) print one page wide."""
    drawn = sum(LIBREOFFICE_PT_PER_CHAR * w + LIBREOFFICE_PAD for w in widths)
    return max(10, min(100, math.floor(100 * PAGE_WIDTH / drawn))) if drawn else 100


def page_breaks(heights: Sequence[float], header: float, scale: int,
                keep_with_next: Sequence[bool] = ()) -> list[int]:
    """Sheet row numbers (0-based, as xlsxwriter counts) that start a printed page.

    `heights[i]` is row i+1's height (row 0 is the header, repeated on every page);
    `keep_with_next[i]`: row i+1 stays on the page of the row under it (a heading).
    """
    room = PAGE_HEIGHT * PAGE_SAFETY * 100 / scale - header
    units: list[list[int]] = []
    for i in range(len(heights)):
        if units and keep_with_next and keep_with_next[units[-1][-1]] and \
                len(units[-1]) == 1:
            units[-1].append(i)
        else:
            units.append([i])
    unit_heights = [sum(heights[i] for i in unit) for unit in units]
    if not units or sum(unit_heights) <= room:
        return []
    if max(unit_heights) > room:  # a row taller than a page: let the program break it
        return []
    if len(units) > MEASURED_ROWS:  # a roll-up: greedy breaks, headings still kept
        starts, used = [], 0.0
        for n, height in enumerate(unit_heights):
            if used + height > room:
                starts.append(n)
                used = 0.0
            used += height
        return [units[n][0] + 1 for n in starts]
    pages = flow_pages([[] for _ in units], lambda r, a, b, top: unit_heights[r], room,
                       last_free=False)
    assert pages is not None  # every unit fits a page
    return [units[page[0].row][0] + 1 for page in pages[1:]]
