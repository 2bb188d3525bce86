"""Read legacy .xls (BIFF) with xlrd: values, real dates, merges, fills and hidden sheets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlrd

from planreports.read import colour
from planreports.read.grid import SheetGrid


def _value(cell: xlrd.sheet.Cell, datemode: int) -> object:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return cell.value
        return value.date() if value.time() == dt.time() else value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def read_xls(path: Path) -> list[SheetGrid]:
    """Every sheet of a BIFF .xls as grids; fills from the cell's XF and the file's palette."""
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    try:
        palette = book.colour_map
        grids: list[SheetGrid] = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility:  # 1 hidden, 2 very hidden
                state = "very hidden" if sheet.visibility == 2 else "hidden"
                grids.append(SheetGrid(name=sheet.name, values=[], visible=False, state=state))
                continue
            values: list[list[object]] = []
            fills: dict[tuple[int, int], str] = {}
            for r in range(sheet.nrows):
                row = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    row.append(_value(cell, book.datemode))
                    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                    if xf is not None and xf.background.fill_pattern == 1:
                        rgb = palette.get(xf.background.pattern_colour_index)
                        if rgb:
                            red, green, blue = rgb
                            fills[(r, c)] = (
                                colour.resolve_colour(rgb=f"FF{red:02X}{green:02X}{blue:02X}") or ""
                            )
                values.append(row)
            merged = tuple((r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells)
            grids.append(
                SheetGrid(
                    name=sheet.name,
                    values=values,
                    merged=merged,
                    fills={k: v for k, v in fills.items() if v},
                )
            )
            book.unload_sheet(index)
        return grids
    finally:
        book.release_resources()
