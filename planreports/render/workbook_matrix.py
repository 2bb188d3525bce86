"""The workbook's Matrix: the plan viewed by directorate and by priority (seed 001's view).

Directorate x priority, RAG counts in each cell, where trackers give directorates. It is left
out where it would be mostly empty: when under half the items name a directorate, or under a
quarter of its cells would hold an item (a lead x priority table was 37 rows of dashes).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from planreports.render.workbook_sheets import (
    BOLD_SCALE,
    PackWorkbook,
    row_height,
    set_up_print,
    text_lines,
)

NOT_GIVEN = "(not given)"
Cells = dict[str, dict[str | None, dict[str | None, int]]]


def rag_counts_text(pack: PackWorkbook, counts: dict[str | None, int]) -> str:
    """'2 G, 1 A': keys worst first, as the NHS England directorate matrix reads."""
    parts = [f"{counts[s.key]} {s.key}" for s in pack.config.rag if counts.get(s.key)]
    if counts.get(None):
        parts.append(f"{counts[None]} no RAG")
    return ", ".join(parts) or "–"


def matrix_cells(pack: PackWorkbook) -> tuple[list[str | None], Cells] | None:
    """(priorities shown, directorate -> priority -> rag -> items), or None to leave it out."""
    items = pack.view.items
    named = sum(1 for i in items if i.directorate.strip())
    if not items or named * 2 < len(items):
        return None
    # Only priorities this pack reports on: a committee pack's matrix would otherwise be
    # mostly columns of dashes for other committees' priorities.
    reported = {i.priority for i in items}
    priorities: list[str | None] = [p.id for p in pack.config.priorities if p.id in reported]
    if any(pid not in priorities for pid in reported):
        priorities.append(None)
    cells: Cells = {}
    for item in items:
        name = item.directorate.strip() or NOT_GIVEN
        key = item.priority if item.priority in priorities else None
        counts = cells.setdefault(name, {}).setdefault(key, {})
        counts[item.rag] = counts.get(item.rag, 0) + 1
    filled = sum(len(by_priority) for by_priority in cells.values())
    if filled * 4 < len(cells) * len(priorities):
        return None
    return priorities, cells


def write_matrix(pack: PackWorkbook, ws: Worksheet, found: tuple[list[str | None], Cells]
                 ) -> None:
    """Directorate x priority, RAG counts in each cell, totals on the right."""
    s = pack.styles
    priorities, cells = found
    columns = [("Directorate", 30.0)] + [(pack.label_of(p), 15.0) for p in priorities]
    columns.append(("Total", 18.0))
    pack.header_row(ws, columns)
    names = sorted(cells, key=lambda n: (n == NOT_GIVEN, n.casefold()))
    for row, name in enumerate(names, start=1):
        pack.text(ws, row, 0, name, s.text_bold)
        total: dict[str | None, int] = {}
        lines = text_lines(name, 30, BOLD_SCALE)
        for col, pid in enumerate(priorities, start=1):
            counts = cells[name].get(pid, {})
            for key, n in counts.items():
                total[key] = total.get(key, 0) + n
            value = rag_counts_text(pack, counts)
            ws.write_string(row, col, value, s.text_centre)
            lines = max(lines, text_lines(value, 15))
        value = rag_counts_text(pack, total)
        ws.write_string(row, len(priorities) + 1, value, s.text_centre)
        ws.set_row(row, row_height(max(lines, text_lines(value, 18))))
    key = ", ".join(f"{r.key} = {r.label}" for r in pack.config.rag)
    note = f"Items by directorate and priority, counted by RAG status ({key})."
    ws.merge_range(len(names) + 2, 0, len(names) + 2, min(len(columns) - 1, 5), note, s.note)
    ws.set_row(len(names) + 2, 26)
    ws.freeze_panes(1, 1)
    set_up_print(ws, pack)
