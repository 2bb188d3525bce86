"""The workbook's Organisations sheet: priority x organisation, for a system or region.

Two tables, one above the other. The first is what a system board reads: each cell counts
the organisation's items under the priority by RAG ("3R 2A 5G"), shaded by its risk score
(see org_matrix). The second holds the same scores as numbers with Excel's own three-colour
scale, so an analyst can sort, filter and chart them.
"""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from planreports.render.org_matrix import (
    MatrixRow,
    OrgMatrix,
    cell_text,
    risk_score,
    scale_colours,
    shade,
)
from planreports.render.workbook_sheets import (
    FONT,
    GRID,
    PackWorkbook,
    row_height,
    set_up_print,
    text_lines,
)

NAME_WIDTH = 34.0
CELL_WIDTH = 13.0


def write_organisations(pack: PackWorkbook, ws: Worksheet, matrix: OrgMatrix) -> None:
    s = pack.styles
    rag = pack.config.rag
    columns = [("Organisation", NAME_WIDTH)]
    columns += [(pack.label_of(pid), CELL_WIDTH) for pid in matrix.priorities]
    columns.append(("All priorities", CELL_WIDTH + 2))
    pack.header_row(ws, columns)
    shades: dict[tuple[str, bool], Format] = {}

    def shaded(colour: str, bold: bool) -> Format:
        if (colour, bold) not in shades:
            shades[colour, bold] = s.add({
                "font_name": FONT, "font_size": 10, "border": 1, "border_color": GRID,
                "align": "center", "valign": "vcenter", "bg_color": colour, "bold": bold,
                "top": 2 if bold else 1})
        return shades[colour, bold]

    def counts_row(row: int, line: MatrixRow, bold: bool) -> None:
        name_format = s.total_label if bold else s.text_bold
        pack.text(ws, row, 0, line.name, name_format)
        for col, cell in enumerate((*line.cells, line.total), start=1):
            colour = shade(risk_score(cell, rag), rag)
            ws.write_string(row, col, cell_text(line, cell, rag), shaded(colour, bold))
        ws.set_row(row, row_height(text_lines(line.name, NAME_WIDTH)))

    lines = [*matrix.rows, matrix.total]
    for row, line in enumerate(matrix.rows, start=1):
        counts_row(row, line, False)
    counts_row(len(matrix.rows) + 1, matrix.total, True)
    key = ", ".join(f"{r.key} = {r.label}" for r in rag)
    note_row = len(lines) + 1
    ws.merge_range(note_row, 0, note_row, min(len(columns) - 1, 6),
                   f"Items by organisation and priority, counted by RAG status ({key}). Shade: "
                   "the risk score below, from the best open status (0) to the worst (100).",
                   s.note)
    ws.set_row(note_row, 28)

    # The scores, as numbers under Excel's own colour scale.
    top = note_row + 2
    ws.write_string(top, 0, "Risk score (0 = all on track or complete, 100 = all at the "
                    "worst status)", s.section)
    pack.header_row(ws, columns, row=top + 1)
    score = s.add({"font_name": FONT, "font_size": 10, "border": 1, "border_color": GRID,
                   "align": "center", "num_format": "0"})
    first = top + 2
    for offset, line in enumerate(lines):
        row = first + offset
        pack.text(ws, row, 0, line.name, s.total_label if line is matrix.total else s.text_bold)
        ws.set_row(row, row_height(text_lines(line.name, NAME_WIDTH)))
        for col, cell in enumerate((*line.cells, line.total), start=1):
            value = risk_score(cell, rag)
            if value is None:
                ws.write_blank(row, col, None, score)
            else:
                ws.write_number(row, col, value, score)
    low, mid, high = scale_colours(rag)
    ws.conditional_format(first, 1, first + len(lines) - 1, len(columns) - 1, {
        "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": low,
        "mid_type": "num", "mid_value": 50, "mid_color": mid,
        "max_type": "num", "max_value": 100, "max_color": high})
    ws.freeze_panes(1, 1)
    set_up_print(ws, pack)
