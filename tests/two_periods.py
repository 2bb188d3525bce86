"""A second period of the sample folder: FY18 Q3 trackers made from Q2's, as leads edit them.

Every update gets a Q3 sentence except one (a stale update); one RAG goes Green -> Red and one
Amber -> Green; one continuation row is deleted (its rows below move up a row).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
from conftest import copy_config
from openpyxl.styles import PatternFill

import planreports

Q3 = ("FY18 Q3", dt.date(2017, 12, 31))
NEW_WORDS = " Q3: milestones reviewed at the programme board."
INFORMATICS = "Informatics - FY18 Q2 return.xlsx"
NURSING = "Nursing and Quality - FY18 Q2 return.xlsx"
OPERATIONS = "Operations - FY18 Q2 return.xlsx"
# (file, sheet, cell): what the edits below touch, as findings will name them
STALE = (NURSING, "Priority 1", "A6")  # 'Deliver the carers strategy': update left as it was
DETERIORATED = (INFORMATICS, "Priority 7", "A6")  # 'Deliver New Data Warehouse': Green -> Red
IMPROVED = (INFORMATICS, "Priority 7", "A5")  # 'Refine and enhance existing EHR...': Amber -> Green
REMOVED_UPDATE = "Developing neighbourhood working"  # Operations row 6, a continuation row
FILLS = {"Red": "FFFF0000", "Green": "FF00B050"}
ROOT = Path(__file__).resolve().parent.parent
# What Q3 built after Q2 must say: (file, sheet, cell) -> (previous_rag, rag, trend)
MOVED = {DETERIORATED: ("G", "R", "deteriorated"), IMPROVED: ("A", "G", "improved")}
TREND_FINDINGS = {"rag-deteriorated", "rag-improved", "stale-update"}
EXPECTED_TREND_FINDINGS = sorted([
    ("rag-deteriorated", *DETERIORATED), ("rag-improved", *IMPROVED), ("stale-update", *STALE),
])
ITEMS = {"FY18 Q2": 38, "FY18 Q3": 37}


def _set_rag(ws, cell: str, label: str) -> None:  # noqa: ANN001
    ws[cell].value = label
    ws[cell].fill = PatternFill("solid", fgColor=FILLS[label])  # as a lead recolours it


def make_q3_inputs(q2: Path, q3: Path) -> Path:
    """Copy the Q2 trackers in `q2` to `q3` and edit them as Q3's returns."""
    shutil.copytree(q2, q3)
    for path in sorted(q3.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            header = next((row for row in ws.iter_rows(max_row=10)
                           if any(c.value == "Progress Update" for c in row)), None)
            if header is None:
                continue  # the RAG key sheet
            col = next(c.column for c in header if c.value == "Progress Update")
            for r in range(header[0].row + 1, ws.max_row + 1):
                cell = ws.cell(r, col)
                if cell.value and (path.name, ws.title, f"A{r}") != STALE:
                    cell.value = f"{cell.value}{NEW_WORDS}"
        if path.name == INFORMATICS:
            _set_rag(wb["Priority 7"], "B5", "Green")  # was Amber
            _set_rag(wb["Priority 7"], "B6", "Red")  # was Green
        if path.name == OPERATIONS:
            ws = wb["Progress Updates"]
            assert str(ws["D6"].value).startswith(REMOVED_UPDATE)
            # openpyxl does not move merged ranges with the rows: unmerge, delete, merge again.
            ws.unmerge_cells("A5:A15")
            ws.delete_rows(6)
            ws.merge_cells("A5:A14")
        wb.save(path)
    for path in sorted(q3.glob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"), newline="")))
        column = rows[0].index("Progress Update")
        for row in rows[1:]:
            row[column] += NEW_WORDS
        out = io.StringIO(newline="")
        csv.writer(out).writerows(rows)
        path.write_bytes(out.getvalue().encode("cp1252"))
    return q3


def working_folder(base: Path) -> Path:
    """The sample folder (config, Q2 inputs, templates) with Q3's trackers in inputs-q3/."""
    base.mkdir(parents=True)
    copy_config(base / "config.yaml")
    shutil.copytree(ROOT / "inputs", base / "inputs")
    shutil.copytree(ROOT / "templates", base / "templates")
    make_q3_inputs(base / "inputs", base / "inputs-q3")
    return base


def build(folder: Path, period: str, *, pack: str | None = "board") -> planreports.api.Run:
    """Build FY18 Q2 from inputs/ or FY18 Q3 from inputs-q3/ of the working folder."""
    if period == "FY18 Q2":
        return planreports.build(folder / "config.yaml", pack=pack)
    return planreports.build(folder / "config.yaml", inputs=folder / "inputs-q3", period=Q3[0],
                             as_of=Q3[1], pack=pack)
