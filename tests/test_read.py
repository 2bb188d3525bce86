"""The read stage on real files written here: layouts, merges, fills, CSV encodings, bad files."""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.styles import PatternFill

from planreports.model import Row, Source
from planreports.read import read_inputs, refusals
from planreports.read.grid import SheetGrid
from planreports.read.header import find_header, synonym_table
from planreports.read.table import rows_from_grid

SOLID = {
    "red": PatternFill("solid", fgColor="FFFF0000"),
    "amber": PatternFill("solid", fgColor="FFFFC000"),
    "green": PatternFill("solid", fgColor="FF00B050"),
    "header": PatternFill("solid", fgColor="FFD9E1F2"),
}


def _oxford(path: Path) -> None:
    """The Oxford Health progress table: title rows, priority merged down, continuation rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Priorities 1-2"
    ws["A1"] = "Oxford Health NHS Foundation Trust"
    ws["A2"] = "Seven Priorities - Progress Updates (Priorities 1-2)"
    ws.append([])
    ws.append(["Priority", "RAG", "Project Title", "Progress Update", "Lead"])
    for cell in ws[4]:
        cell.fill = SOLID["header"]
    rows = [
        ("1. To make care a joint endeavour with patients, families & carers", "Yellow",
         "Deliver patient involvement and experience (PEI) strategy", "PEI objectives begun.\n\n"
         "8 of 61 complete.", "Head of PEI"),
        (None, None, "Deliver the carers strategy", "Strategy launched in Q1.", "?"),
        ("2. To improve the quality of care by transforming services", "Green",
         "Deliver Oxfordshire Community Pathway : Locality & Bed Based services (OPD)",
         "District Nursing workstreams complete.", "Director of Operations"),
        (None, "Green", None, "Developing neighbourhood working (ILT Phase 2).", None),
        (None, "Red", None, "Community Hospitals - Consultation planned for May 2018.", None),
    ]
    for row in rows:
        ws.append(list(row))
    ws.merge_cells("A5:A6")
    ws.merge_cells("A7:A9")
    ws["B6"].fill = SOLID["green"]  # RAG by colour only
    ws["B7"].fill = SOLID["green"]
    key = wb.create_sheet("RAG Key")
    key.append(["RAG Key", "Milestone Status"])
    key.append(["Red", "Milestones delayed"])
    hidden = wb.create_sheet("Old data")
    hidden.sheet_state = "hidden"
    hidden.append(["Priority", "RAG", "Project Title"])
    hidden.append(["1.", "Red", "Should never be read"])
    wb.save(path)


def _every_field_given(rows: tuple[Row, ...]) -> None:
    """The reader builds Rows and Sources with tuple.__new__, which checks no length: a field
    added to the model and not to the reader would leave rows short."""
    assert rows
    assert all(len(r) == len(Row._fields) and len(r.source) == len(Source._fields) for r in rows)
    assert all(isinstance(r.inherited, frozenset) and r.number > 0 for r in rows)


def _rows(result):  # noqa: ANN001, ANN202
    return [
        (r.source.sheet, r.source.cell, r.text("priority")[:2], r.text("workstream")[:24],
         r.text("rag"), r.rag_fill, r.text("lead"))
        for r in result.rows
    ]


def test_oxford_layout_title_rows_merged_priority_continuations(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _oxford(inputs / "Nursing.xlsx")
    result = read_inputs(inputs)
    assert _rows(result) == [
        ("Priorities 1-2", "A5", "1.", "Deliver patient involvem", "Yellow", None, "Head of PEI"),
        ("Priorities 1-2", "A6", "1.", "Deliver the carers strat", "", "#00B050", "?"),
        ("Priorities 1-2", "A7", "2.", "Deliver Oxfordshire Comm", "Green", "#00B050",
         "Director of Operations"),
        ("Priorities 1-2", "A8", "2.", "Deliver Oxfordshire Comm", "Green", None, ""),
        ("Priorities 1-2", "A9", "2.", "Deliver Oxfordshire Comm", "Red", None, ""),
    ]
    _every_field_given(result.rows)
    first = result.rows[0]
    assert first.text("update") == "PEI objectives begun.\n\n8 of 61 complete."
    assert first.cell_of("update") == "D5"
    (file,) = result.inputs
    assert (file.path, file.status, file.format) == ("Nursing.xlsx", "read", "xlsx")
    assert [(s.name, s.status, s.header_row, s.items) for s in file.sheets] == [
        ("Priorities 1-2", "read", 4, 5),
        ("RAG Key", "skipped", None, 0),
        ("Old data", "skipped", None, 0),
    ]
    assert [(f.code, f.sheet) for f in result.findings] == [
        ("sheet-skipped", "RAG Key"), ("sheet-skipped", "Old data"),
    ]


def test_bht_projects_listed_line_by_line_become_one_item_each(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Corporate objective", "Projects", "Executive lead", "Committee", "RAG"])
    ws.append([
        "Improve quality",
        "BHT Way - always improving:\n- Listening to the patient voice\n"
        "- Reducing avoidable harm\n- Implementing the outpatient programme",
        "Chief Nurse\nMedical Director\nChief Operating Officer",
        "Quality\nQuality\nFinance",
        "Green\nAmber\nRed",
    ])
    wb.save(inputs / "BHT.xlsx")
    result = read_inputs(inputs)
    assert [
        (r.text("workstream"), r.text("lead"), r.text("committee"), r.text("rag"))
        for r in result.rows
    ] == [
        ("Listening to the patient voice", "Chief Nurse", "Quality", "Green"),
        ("Reducing avoidable harm", "Medical Director", "Quality", "Amber"),
        ("Implementing the outpatient programme", "Chief Operating Officer", "Finance", "Red"),
    ]
    _every_field_given(result.rows)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("cp1252", ",", False), ("utf-8", ";", True), ("utf-8", "\t", False)],
)
def test_csv_encodings_and_delimiters(
    tmp_path: Path, encoding: str, delimiter: str, bom: bool
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    lines = [
        ["Priority", "RAG", "Project Title", "Progress Update", "Lead"],
        ["5. High performing", "Red", "Cost Improvement Programme",
         "Delivered £582,164 vs plan of £511,203; forecast below target", "Director of Finance"],
    ]
    text = "\r\n".join(delimiter.join(f'"{v}"' for v in row) for row in lines) + "\r\n"
    data = text.encode(encoding)
    (inputs / "Finance.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    result = read_inputs(inputs)
    (row,) = result.rows
    assert row.text("update").startswith("Delivered £582,164")
    assert (row.source.sheet, row.source.cell) == ("Finance", "A2")


def test_bad_files_become_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _oxford(inputs / "good.xlsx")
    (inputs / "empty.xlsx").write_bytes(b"")
    (inputs / "notes.xlsx").write_text("this is not a workbook\n")
    good = (inputs / "good.xlsx").read_bytes()
    (inputs / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    (inputs / "~$good.xlsx").write_bytes(b"lock")  # Office lock file: skipped silently
    (inputs / ".hidden.csv").write_text("a,b\n")
    before = {p.name: p.read_bytes() for p in inputs.iterdir()}
    result = read_inputs(inputs)
    assert [(i.path, i.status) for i in result.inputs] == [
        ("empty.xlsx", "failed"), ("good.xlsx", "read"), ("notes.xlsx", "failed"),
        ("truncated.xlsx", "failed"),
    ]
    codes = [(f.code, f.file) for f in result.findings if f.code == "unreadable-file"]
    assert codes == [("unreadable-file", "empty.xlsx"), ("unreadable-file", "notes.xlsx"),
                     ("unreadable-file", "truncated.xlsx")]
    messages = {f.file: f.message for f in result.findings if f.code == "unreadable-file"}
    assert messages["empty.xlsx"] == (
        "empty.xlsx: the file is empty (0 bytes): ask for it to be sent again"
    )
    assert "not an Excel workbook" in messages["notes.xlsx"]
    assert "Traceback" not in " ".join(messages.values())
    assert len(result.rows) == 5
    assert {p.name: p.read_bytes() for p in inputs.iterdir()} == before  # inputs untouched


def test_a_shared_strings_count_that_would_abort_calamine_is_read_as_openpyxl_reads_it(
    tmp_path: Path,
) -> None:
    """A shared-strings part claiming two billion entries made python-calamine set aside
    48 GB and abort the interpreter (SIGABRT); the count is only a hint, and openpyxl reads
    the file: so calamine is given the part without it."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _oxford(inputs / "good.xlsx")
    base = tmp_path / "base.xlsx"
    wb = xlsxwriter.Workbook(str(base))  # xlsxwriter writes a shared-strings part
    sheet = wb.add_worksheet()
    sheet.write_row(0, 0, ["Priority", "RAG", "Project"])
    sheet.write_row(1, 0, ["1.", "Red", "Carers strategy"])
    wb.close()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(inputs / "hostile.xlsx", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = re.sub(rb'count="\d+" uniqueCount="\d+"',
                              b'count="2000000000" uniqueCount="2000000000"', data)
            dst.writestr(info, data)
    result = read_inputs(inputs, timeout=60)
    assert [(i.path, i.status) for i in result.inputs] == [
        ("good.xlsx", "read"), ("hostile.xlsx", "read")
    ]
    assert [(r.text("priority"), r.text("rag"), r.text("workstream")) for r in result.rows
            if r.source.file == "hostile.xlsx"] == [("1.", "Red", "Carers strategy")]
    assert len([r for r in result.rows if r.source.file == "good.xlsx"]) == 5


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("took longer than its 60 s time budget",
         "the file took longer than its 60 s time budget to read (it may be very large or "
         "damaged): open it in Excel and save it again, or split it into smaller workbooks"),
        ("ran out of its 2048 MB memory budget",
         "reading it ran out of its 2048 MB memory budget (it may be very large or damaged): "
         "open it in Excel and save it again, or split it into smaller workbooks"),
        ("the reader crashed (SIGABRT: memory allocation of 48000000000 bytes failed)",
         "reading it stopped the spreadsheet reader (the file is probably damaged): open it in "
         "Excel and save it again as .xlsx"),
    ],
)
def test_a_worker_that_did_not_answer_is_said_in_plain_words(said: str, plain: str) -> None:
    """The pool's words (isolate.Crashed) go to run.json's detail; the finding says what to do."""
    assert refusals.crashed(said) == (plain, said)


def test_real_excel_dates_survive(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Project", "Status", "Due date"])
    ws.append(["Deliver New Data Warehouse", "Green", dt.datetime(2018, 3, 31)])
    ws.append(["Reporting Presentation Layer", "Amber", "Nov 18"])
    wb.save(inputs / "IT.xlsx")
    result = read_inputs(inputs)
    assert [r.values.get("due") for r in result.rows] == [dt.date(2018, 3, 31), "Nov 18"]
    assert os.path.exists(inputs / "IT.xlsx")


def test_a_sheet_grid_read_cell_by_cell_as_a_reader_sees_it() -> None:
    """Merges past the last row or over one another, a header repeated in other case, notes
    in a column with no header (but not under a merge), CR/NBSP, a date kept as a date; the
    title row naming two fields loses to the header naming more."""
    due = dt.date(2024, 3, 31)
    values: list[list[object]] = [
        ["Trust report", "", "", "", "", "", ""],
        ["Priority", "Status", "", "", "", "", ""],
        ["Priority", "RAG", "Project", "Update", "Due", "Notes", ""],
        ["P1", "Green", "Alpha", "Line one\r\nline two\xa0", due, "note a", ""],
        ["", "Red", "Beta", 3.0, "", "", "stray"],
        ["", "", "", "", "", "", ""],
        ["PRIORITY", " rag ", "project", "", "", "NOTES", ""],
        ["  ", "Amber", "Gamma", "", "", "", ""],
        ["", "Amber", "Delta", "", "", "", "under merge"],
        ["P2", "", "Epsilon", "text", "", "", ""],
        ["", "Green", "", "", "", "", ""],
    ]
    grid = SheetGrid(
        name="S",
        values=values,
        merged=((3, 0, 5, 0), (3, 4, 4, 4), (4, 4, 7, 4), (7, 0, 8, 0), (8, 5, 8, 6),
                (9, 0, 500, 0), (9, 3, 10, 3)),
        fills={(10, 1): "#00B050"},
    )
    header = find_header(values, synonym_table())
    assert header is not None and (header.row, dict(header.extras)) == (2, {5: "Notes"})
    result = rows_from_grid(grid, header, "f.xlsx")
    assert (result.report.rows, result.report.items, result.report.sections) == (7, 6, 1)
    assert [
        (r.cell_of("priority"), dict(r.values), r.rag_fill, r.extras, sorted(r.inherited))
        for r in result.rows
    ] == [
        ("A4", {"priority": "P1", "rag": "Green", "workstream": "Alpha",
                "update": "Line one\nline two", "due": due}, None, (("Notes", "note a"),), []),
        ("A5", {"priority": "P1", "rag": "Red", "workstream": "Beta", "update": "3", "due": due},
         None, (("Column G", "stray"),), ["due", "priority"]),
        ("A8", {"rag": "Amber", "workstream": "Gamma", "priority": "P1"}, None, (), ["priority"]),
        ("A9", {"rag": "Amber", "workstream": "Delta", "priority": "P1"}, None, (), ["priority"]),
        ("A10", {"priority": "P2", "workstream": "Epsilon", "update": "text"}, None, (), []),
        ("A11", {"priority": "P2", "rag": "Green", "workstream": "Epsilon"}, "#00B050", (),
         ["priority", "workstream"]),
    ]


def _nest_past_path_max(parent: Path, tracker: bytes) -> str:
    """Folders nested deeper than the OS lets any path name (PATH_MAX), with a tracker at the
    bottom: made one level at a time relative to the last, as no path can reach them.
    Returns the first level's name."""
    name = "d" * 200
    fd = os.open(parent, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 x 201 characters: past Linux's 4,096
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("deep.csv", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(out, tracker)
        os.close(out)
    finally:
        os.close(fd)
    return name


def test_a_folder_that_cannot_be_listed_is_a_finding_not_a_silent_loss(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("Priority,Project,RAG\nP1,Carers strategy,Green\n")
    first = _nest_past_path_max(tmp_path, b"Priority,Project,RAG\nP2,Deep,Red\n")
    result = read_inputs(tmp_path)
    assert [row.values["workstream"] for row in result.rows] == ["Carers strategy"]
    failed = [i for i in result.inputs if i.status == "failed"]
    assert len(failed) == 1 and failed[0].path.startswith(f"{first}/")
    assert "could not be listed (File name too long)" in failed[0].reason
    (unlisted,) = [f for f in result.findings if f.code == "unreadable-file"]
    assert unlisted.file == failed[0].path and unlisted.severity == "error"
    assert "no tracker in it was read" in unlisted.message


def test_rows_read_go_to_the_oldest_gc_generation_and_a_callers_frozen_objects_stay_frozen(
    tmp_path: Path,
) -> None:
    """The rows live as long as the build: no young collection should walk them all again.
    And the read must neither leave objects frozen nor release what its caller froze."""
    _oxford(tmp_path / "oxford.xlsx")
    result = read_inputs(tmp_path)
    assert gc.get_freeze_count() == 0
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert result.rows and all(id(row) in oldest for row in result.rows)

    gc.freeze()  # as a forking server does before it forks
    try:
        frozen = gc.get_freeze_count()
        again = read_inputs(tmp_path)
        assert gc.get_freeze_count() == frozen
        assert len(again.rows) == len(result.rows)
    finally:
        gc.unfreeze()
