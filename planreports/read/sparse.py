"""A sheet's table among the cells it really holds, with far stray values set aside.

A reader builds a sheet as a dense grid from A1 to its farthest value, so one value typed in
XFD1048576 (or a sheet whose stored size claims the whole grid) would make it billions of
cells. The table is what remains once the farthest values are set aside, farthest row or
column first, until the grid fits the budget: the same cells give the same table, whatever
the file's format or the machine's load. Pure logic: positions in, extent and strays out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from planreports.read.safety import MAX_CELLS

NAMED = 20  # stray values named one by one in findings; the rest are counted


@dataclass(frozen=True, slots=True)
class Extent:
    """The table's size from A1 (rows x cols), and the values set aside, in sheet order."""

    rows: int
    cols: int
    strays: tuple[tuple[int, int], ...] = ()


def table_extent(cells: Iterable[tuple[int, int]], budget: int = MAX_CELLS) -> Extent:
    """The extent of 0-based (row, col) value positions, within `budget` cells from A1."""
    by_row: dict[int, list[int]] = defaultdict(list)
    by_col: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_row[r].append(c)
        by_col[c].append(r)
    if not by_row:
        return Extent(0, 0)
    row_count = Counter({r: len(cs) for r, cs in by_row.items()})
    col_count = Counter({c: len(rs) for c, rs in by_col.items()})
    rows, cols = sorted(row_count), sorted(col_count)
    ri, ci = len(rows) - 1, len(cols) - 1  # the farthest row and column still in the table
    gone: set[tuple[int, int]] = set()

    def last(keys: list[int], index: int, count: Counter, less: Mapping[int, int]) -> int:
        while index >= 0 and count[keys[index]] - less.get(keys[index], 0) <= 0:
            index -= 1
        return index

    def area(r_index: int, c_index: int) -> int:
        if r_index < 0 or c_index < 0:
            return 0
        return (rows[r_index] + 1) * (cols[c_index] + 1)

    while area(ri, ci) > budget:
        far_row, far_col = rows[ri], cols[ci]
        row_cells = [c for c in by_row[far_row] if (far_row, c) not in gone]
        col_cells = [r for r in by_col[far_col] if (r, far_col) not in gone]
        # Setting the farthest row aside may empty the farthest column too, and the other way
        # round: take whichever leaves the smaller grid (the row when both are equal).
        without_row = area(
            last(rows, ri - 1, row_count, {}), last(cols, ci, col_count, Counter(row_cells))
        )
        without_col = area(
            last(rows, ri, row_count, Counter(col_cells)), last(cols, ci - 1, col_count, {})
        )
        if without_row <= without_col:
            dropped = [(far_row, c) for c in row_cells]
        else:
            dropped = [(r, far_col) for r in col_cells]
        for r, c in dropped:
            gone.add((r, c))
            row_count[r] -= 1
            col_count[c] -= 1
        ri, ci = last(rows, ri, row_count, {}), last(cols, ci, col_count, {})
    return Extent(
        rows[ri] + 1 if ri >= 0 else 0, cols[ci] + 1 if ci >= 0 else 0, tuple(sorted(gone))
    )


def dense(cells: Mapping[tuple[int, int], object], extent: Extent) -> list[list[object]]:
    """The table's grid from sparse cells: "" where a cell is empty, strays left out."""
    grid: list[list[object]] = [[""] * extent.cols for _ in range(extent.rows)]
    for (r, c), value in cells.items():
        if r < extent.rows and c < extent.cols:
            grid[r][c] = value
    return grid
