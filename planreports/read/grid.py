"""SheetGrid: one sheet's cells as a reader sees them, whatever the file format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetGrid:
    """Cell values by 0-based (row, column), merged ranges, and the fills a reader sees.

    `values[r][c]` is "" for an empty cell. `fills` maps (row, col) to "#RRGGBB" for cells
    whose background is a solid colour (plain fill, theme colour with tint, or a
    conditional-format rule that applies), so RAG given only as a colour is not lost.
    """

    name: str
    values: list[list[object]]
    visible: bool = True
    state: str = "visible"  # or "hidden", "very hidden": how a reader would say it
    kind: str = "worksheet"  # "chart sheet" and others are listed, never read as data
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (r0, c0, r1, c1) inclusive
    fills: Mapping[tuple[int, int], str] = field(default_factory=dict)
    # An .xlsx sheet finds its fills one column at a time, when asked: only the RAG column's
    # colours are ever read, and scanning every cell's style would cost more than the values.
    column_fills: Callable[[int], Mapping[int, str]] | None = field(
        default=None, compare=False, repr=False
    )
    # Cells whose text was longer than a cell holds, cut to it: (row, col, original length).
    cut: tuple[tuple[int, int, int], ...] = ()
    # Values far outside the table, left out of `values` so that the grid stays the size of
    # the cells really held: (row, col, the value's text), the first few of `stray_count`.
    strays: tuple[tuple[int, int, str], ...] = ()
    stray_count: int = 0

    def fills_in_column(self, col: int) -> Mapping[int, str]:
        """Row -> the fill a reader sees, for the cells of one column that have one."""
        if self.column_fills is not None:
            return self.column_fills(col)
        return {r: fill for (r, c), fill in self.fills.items() if c == col}


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) -> 'B7'."""
    return f"{column_letter(col)}{row + 1}"
