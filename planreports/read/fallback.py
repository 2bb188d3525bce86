"""A second reader for an .xlsx that calamine refuses: openpyxl, tried once.

Some writers produce packages calamine stops at while Excel and openpyxl open them (a
relationships part with an odd element in it, a cell reference with no row number, a shared
string index past the table's end). Such a file is read here, slowly, rather than refused:
values, merges, hidden sheets and solid fills, only the cells really held (`sparse`). The
package has passed the same checks (`safety`) before openpyxl sees it. Whatever openpyxl
warns about goes nowhere near the user's terminal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import warnings

from planreports.read import colour
from planreports.read.grid import SheetGrid
from planreports.read.sparse import NAMED, dense, table_extent

_STATES = {"hidden": "hidden", "veryHidden": "very hidden"}


def _fill(cell: object, palette: tuple[str, ...]) -> str | None:
    fill = getattr(cell, "fill", None)
    if fill is None or getattr(fill, "fill_type", None) != "solid":
        return None
    spec = fill.fgColor
    return colour.resolve_colour(
        rgb=spec.rgb if spec.type == "rgb" else None,
        theme=spec.theme if spec.type == "theme" else None,
        indexed=spec.indexed if spec.type == "indexed" else None,
        tint=spec.tint or 0.0,
        palette=palette,
    )


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return "" if value is None else value


def read_with_openpyxl(data: bytes) -> list[SheetGrid]:
    """Every sheet of the package as grids, through openpyxl's full (styled) load."""
    import openpyxl  # only for the rare file that needs it: a worker pays its import then

    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
        palette = colour.theme_palette(book.loaded_theme) if book.loaded_theme else ()
        grids = []
        for sheet in [book[name] for name in book.sheetnames]:
            state = sheet.sheet_state
            if state != "visible" or sheet not in book.worksheets:
                grids.append(SheetGrid(
                    name=sheet.title, values=[], visible=state == "visible",
                    state=_STATES.get(state, state),
                    kind="worksheet" if sheet in book.worksheets else "chart sheet",
                ))
                continue
            cells, fills = {}, {}
            outside: list[tuple[int, int, str]] = []  # "H0": a reference no grid has
            for (row, col), cell in sheet._cells.items():  # noqa: SLF001 - only cells held
                value = _plain(cell.value)
                if value != "" and (row < 1 or col < 1):
                    outside.append((row - 1, col - 1, str(value)))
                elif value != "":
                    cells[(row - 1, col - 1)] = value
                if row > 0 and col > 0 and (found := _fill(cell, palette)):
                    fills[(row - 1, col - 1)] = found
            extent = table_extent(cells)
            strays = sorted(outside) + [(r, c, str(cells[(r, c)])) for r, c in extent.strays]
            merged = tuple(
                (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                for m in sheet.merged_cells.ranges
            )
            grids.append(SheetGrid(
                name=sheet.title, values=dense(cells, extent), merged=merged,
                fills={k: v for k, v in fills.items()
                       if k[0] < extent.rows and k[1] < extent.cols},
                strays=tuple(strays[:NAMED]),
                stray_count=len(strays),
            ))
    return grids
