"""What a reader had to change in a sheet to read it, as findings naming each cell."""

from __future__ import annotations

from planreports.findings import finding
from planreports.model import Finding
from planreports.read.grid import SheetGrid, cell_name

SHOWN = 60  # characters of a stray value quoted in its finding


def grid_findings(grid: SheetGrid, file: str) -> list[Finding]:
    """A finding for each cell cut to a cell's limit, and for each value left out as stray."""
    out = []
    for r, c, length in grid.cut:
        cell = cell_name(r, c)
        out.append(finding(
            "text-truncated",
            f"{file}, sheet '{grid.name}', cell {cell}: the text is {length:,} characters, "
            f"more than the 32,767 a spreadsheet cell holds; the first 32,767 were read",
            file=file, sheet=grid.name, cell=cell,
        ))
    for r, c, text in grid.strays:
        cell = cell_name(r, c)
        shown = text if len(text) <= SHOWN else text[: SHOWN - 1] + "\u2026"
        quoted = f" ('{shown}')" if shown else ""
        out.append(finding(
            "stray-cells",
            f"{file}, sheet '{grid.name}', cell {cell}: a value far outside the sheet's table"
            f"{quoted} was not read as part of it; clear the cell or move it into the "
            "table, and save again",
            file=file, sheet=grid.name, cell=cell,
        ))
    unnamed = grid.stray_count - len(grid.strays)
    if unnamed > 0:
        out.append(finding(
            "stray-cells",
            f"{file}, sheet '{grid.name}': {unnamed:,} more values far outside the sheet's "
            "table were not read as part of it",
            file=file, sheet=grid.name,
        ))
    return out
