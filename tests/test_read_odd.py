"""Every odd and hostile file of issue 18, read from tests/fixtures/odd (make_odd_fixtures.py
says how each was built, and which public file showed the trait).

Each file is read in a folder beside a good return, as a run reads it: the exact finding
codes, the plain words of a refusal, and the good return still read. Rows are flattened to
(priority, workstream, RAG text, RAG key of the fill, lead, due, cell).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from planreports.config import load_config
from planreports.read import ReadResult, read_inputs, refusals
from planreports.read.colour import nearest_rag
from planreports.read.xls import read_xls

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ODD = FIXTURES / "odd"
CONFIG = load_config(ROOT / "config.yaml")
PASSWORD = "Quarter2!"
GOOD = "oxford-progress.xlsx"  # 11 rows
P7 = "7. To embed and enhance the electronic health record"
CIO = "Chief Information Officer"


def read(tmp_path: Path, *names: str, **options: object) -> ReadResult:
    inputs = tmp_path / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / GOOD, inputs / GOOD)
    for name in names:
        shutil.copy(ODD / name if (ODD / name).exists() else FIXTURES / name, inputs / name)
    return read_inputs(inputs, timeout=60, **options)  # type: ignore[arg-type]


def table(result: ReadResult, file: str) -> list[tuple]:
    return [
        (r.text("priority"), r.text("workstream"), r.text("rag"),
         nearest_rag(r.rag_fill, CONFIG.rag).key if r.rag_fill else None, r.text("lead"),
         r.values.get("due"), r.source.cell)
        for r in result.rows if r.source.file == file
    ]


def found(result: ReadResult, file: str) -> list[tuple]:
    return [(f.code, f.sheet, f.cell) for f in result.findings if f.file == file]


def good_still_read(result: ReadResult) -> None:
    assert [i.status for i in result.inputs if i.path == GOOD] == ["read"]
    assert len(table(result, GOOD)) == 11


# --- packages in every layout the standard allows ----------------------------------------------

FILL_STANDARD = "rag-fill-standard.xlsx"  # the base these were rebuilt from


@pytest.mark.parametrize(
    "name",
    ["parts-elsewhere.xlsx", "backslash-names.xlsx", "root-workbook.xlsx",
     "no-package-rels.xlsx", "strict.xlsx"],
)
def test_a_package_in_any_layout_reads_as_the_usual_one(tmp_path: Path, name: str) -> None:
    """The same nine rows and nine RAG fills as the file they were rebuilt from, however the
    package names its parts (found through the relationships), or in strict OOXML."""
    usual = read(tmp_path / "usual", FILL_STANDARD)
    expected = table(usual, FILL_STANDARD)
    assert len(expected) == 9 and all(row[3] for row in expected)  # each RAG by its fill
    result = read(tmp_path / "odd", name)
    assert [(i.path, i.status, i.format) for i in result.inputs if i.path == name] == [
        (name, "read", "xlsx")]
    assert table(result, name) == expected
    assert found(result, name) == []
    good_still_read(result)


def test_an_excel4_macro_sheet_is_skipped_and_the_return_beside_it_read(tmp_path: Path) -> None:
    result = read(tmp_path, "macro-sheet.xlsm")
    assert table(result, "macro-sheet.xlsm") == EHR_XLSX
    assert found(result, "macro-sheet.xlsm") == [("sheet-skipped", "Macro1", None)]
    (macro,) = [s for i in result.inputs for s in i.sheets if s.name == "Macro1"]
    assert macro.reason == "a macro sheet, not a table"
    good_still_read(result)


EHR_XLSX = [
    (P7, "Refine and enhance existing EHR functionality", "Green", None, CIO, "Nov 17", "A2"),
    (P7, "Deliver New Data Warehouse", "Green", None, CIO, "Q4 2017/18", "A3"),
]


@pytest.mark.parametrize(
    ("name", "strays"),
    [
        ("styled-far-cells.xlsx", []),
        ("strays-at-the-foot.xlsx", [("A1048576", "checked by PMO"), ("B1048576", CIO)]),
        ("row-zero.xlsx", [("H0", "PMO note")]),
    ],
)
def test_far_and_impossible_cells_are_set_aside_and_named(
    tmp_path: Path, name: str, strays: list[tuple[str, str]]
) -> None:
    """Formatting alone at the grid's end sets nothing aside; values far under the table are
    named with their text, the table read; a cell in row 0 (which calamine refuses the
    workbook for) is named too, the rest read through openpyxl."""
    result = read(tmp_path, name)
    assert table(result, name) == EHR_XLSX
    assert found(result, name) == [("stray-cells", "Q2 return", cell) for cell, _ in strays]
    named = [f for f in result.findings if f.file == name]
    for (cell, text), problem in zip(strays, named, strict=True):
        assert f"cell {cell}: a value far outside the sheet's table ('{text}')" in (
            problem.message)
    good_still_read(result)


def test_a_sheet_holding_more_values_than_the_budget_is_refused(monkeypatch) -> None:
    """Only the values a sheet really holds are counted against the budget (here lowered to
    three, in this process): a sheet of more is refused in plain words."""
    from planreports.read import sheetxml
    from planreports.read.opening import read_package
    from planreports.read.safety import UnsafeFileError

    monkeypatch.setattr(sheetxml, "MAX_CELLS", 3)
    with pytest.raises(UnsafeFileError, match=r"sheet 'Q2 return' holds (\d+) values, more than "
                                              r"the 3 a tracker can hold; split it"):
        read_package((ODD / "strays-at-the-foot.xlsx").read_bytes())


# --- legacy .xls ---------------------------------------------------------------------------------

EHR_XLS = [
    (P7, "Refine and enhance existing EHR functionality", "Amber", "A", CIO,
     dt.date(2017, 11, 30), "A2"),
    (P7, "Deliver New Data Warehouse", "", "G", CIO, dt.date(2018, 3, 31), "A3"),
    (P7, "Reporting Presentation Layer", "Green", "G", CIO, "Q4 2017/18", "A4"),
]
NO_FILLS = [(*row[:3], None, *row[4:]) for row in EHR_XLS]


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("biff8.xls", EHR_XLS),
        ("biff5.xls", EHR_XLS),  # no merges in BIFF5: the blank priority inherits from above
        ("xls-odd-size.xls", EHR_XLS),
        ("biff8-lying-dimensions.xls", EHR_XLS),
        ("biff8-unknown-codepage.xls", EHR_XLS),  # calamine refuses it: xlrd reads it
        ("excel3.xls", NO_FILLS),
        ("excel4.xls", NO_FILLS),
        ("xls-xor-default-password.xls", EHR_XLS),
        ("xls-rc4-default-password.xls", EHR_XLS),
        ("biff5-xor-default-password.xls", EHR_XLS),
    ],
)
def test_legacy_xls_of_every_kind_is_read_with_its_fills_and_dates(
    tmp_path: Path, name: str, rows: list[tuple]
) -> None:
    result = read(tmp_path, name)
    assert [(i.status, i.format) for i in result.inputs if i.path == name] == [("read", "xls")]
    assert table(result, name) == rows
    assert found(result, name) == []
    good_still_read(result)


def test_an_excel2_worksheet_is_read(tmp_path: Path) -> None:
    """BIFF2 keeps no cell formats here: its dates are the text it holds."""
    result = read(tmp_path, "excel2.xls")
    assert [row[:5] for row in table(result, "excel2.xls")] == [row[:5] for row in NO_FILLS]
    assert [row[5] for row in table(result, "excel2.xls")] == [
        "2017-11-30", "2018-03-31", "Q4 2017/18"]
    good_still_read(result)


def test_far_strays_in_an_xls_are_set_aside_and_the_grid_is_the_table() -> None:
    """Four values at the corners of a 65,536 x 256 sheet used to be read cell by cell
    (minutes, and ~400 MB); now the grid is the table and the far values are named."""
    start = time.perf_counter()
    (grid,) = read_xls((ODD / "biff8-far-strays.xls").read_bytes())
    assert time.perf_counter() - start < 5
    assert (len(grid.values), len(grid.values[0])) == (4, 256)  # "end of row" in IV1 is kept
    assert grid.values[0][255] == "end of row"
    assert [(r, c) for r, c, _text in grid.strays] == [(65535, 0), (65535, 255)]
    (lying,) = read_xls((ODD / "biff8-lying-dimensions.xls").read_bytes())
    assert (len(lying.values), len(lying.values[0])) == (4, 6)
    shown, hidden = read_xls((ODD / "biff8-hidden-far-strays.xls").read_bytes())
    assert (len(shown.values), hidden.visible, hidden.state) == (4, False, "hidden")


def test_a_hidden_sheets_far_strays_cost_no_memory() -> None:
    """calamine builds every sheet's grid as it opens an .xls: a hidden sheet's two values at
    A1 and IV65536 made it 16.7 million cells (550 MB) though the sheet is never read."""
    # The peak is measured from just before the read (reset through clear_refs: a forked
    # child's ru_maxrss would count the test runner's own pages).
    script = (
        "import re, sys; from pathlib import Path; "
        "from planreports.read.xls import read_xls; data = Path(sys.argv[1]).read_bytes(); "
        "open('/proc/self/clear_refs', 'w').write('5'); read_xls(data); "
        "status = open('/proc/self/status').read(); "
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) // 1024)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(ODD / "biff8-hidden-far-strays.xls")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert int(done.stdout) < 200  # MB, the interpreter and its libraries included


def test_far_strays_in_an_xls_are_named_in_the_run(tmp_path: Path) -> None:
    result = read(tmp_path, "biff8-far-strays.xls")
    assert table(result, "biff8-far-strays.xls") == EHR_XLS
    assert found(result, "biff8-far-strays.xls") == [
        ("stray-cells", "Priority 7", "A65536"), ("stray-cells", "Priority 7", "IV65536")]
    good_still_read(result)


# --- encryption --------------------------------------------------------------------------------

ENCRYPTED = ["xls-rc4-cryptoapi.xls", "xls-xor.xls", "biff5-xor.xls",
             "xlsx-standard-encryption.xlsx"]


@pytest.mark.parametrize("name", ENCRYPTED)
def test_each_encryption_is_encrypted_file_and_opens_with_its_password(
    tmp_path: Path, name: str
) -> None:
    locked = read(tmp_path / "locked", name)
    assert [(i.status, i.format, i.reason) for i in locked.inputs if i.path == name] == [
        ("failed", "encrypted", refusals.ENCRYPTED)]
    assert found(locked, name) == [("encrypted-file", None, None)]
    good_still_read(locked)
    opened = read(tmp_path / "opened", name, password=PASSWORD)
    assert table(opened, name) == (EHR_XLSX if name.endswith(".xlsx") else EHR_XLS)
    wrong = read(tmp_path / "wrong", name, password="Quarter1!")
    assert [i.reason for i in wrong.inputs if i.path == name] == [refusals.WRONG_PASSWORD]


@pytest.mark.parametrize(
    "name", ["xlsx-standard-default-password.xlsx", "xlsx-agile-default-password.xlsx"]
)
def test_excels_default_password_is_tried_before_asking_for_one(tmp_path: Path, name: str) -> None:
    """Excel applies "VelvetSweatshop" to a workbook whose structure is protected, and opens
    it without asking: so do we, with or without a password configured."""
    for options in ({}, {"password": "Quarter1!"}):
        result = read(tmp_path / str(len(options)), name, **options)
        assert table(result, name) == EHR_XLSX
        assert found(result, name) == []


# --- what is refused, and in which words -------------------------------------------------------

INCOMPLETE = sorted(p.name for p in ODD.glob("cut-*.xlsx"))
REFUSED = {
    "word-document.xlsx": ("unreadable-file", refusals.NOT_A_WORKBOOK),
    "word-document.xls": ("unreadable-file", refusals.NOT_AN_XLS),
    "quadratic-blowup.xlsx": (
        "unreadable-file",
        "the workbook contains an XML entity payload in xl/sharedStrings.xml (refused)"),
    "overlapping-zip-bomb.xlsx": (
        "unreadable-file",
        "the workbook's parts declare 1,101,004,800 bytes in all, far more than any tracker "
        "holds (refused)"),
    "csv-really-gzip.csv": ("unreadable-file", refusals.GZIP),
    "csv-really-zip.csv": (
        "unreadable-file",
        "a zip archive holding returns.csv, not a workbook itself: unzip it and put the "
        "spreadsheets in the inputs folder"),
    "empty.csv": ("unreadable-file", refusals.EMPTY),
    "empty.xls": ("unreadable-file", refusals.EMPTY),
    "shortcut.xlsx": ("unreadable-file", refusals.SHORTCUT),
    **{name: ("unreadable-file", refusals.INCOMPLETE) for name in INCOMPLETE},
}


def test_truncations_at_every_part_boundary_are_there() -> None:
    assert len(INCOMPLETE) >= 10  # one per part of the return, its directory, its end


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_no_reader_can_open_is_refused_in_plain_words(tmp_path: Path, name: str) -> None:
    code, reason = REFUSED[name]
    result = read(tmp_path, name)
    assert [(i.status, i.reason) for i in result.inputs if i.path == name] == [
        ("failed", reason)]
    assert found(result, name) == [(code, None, None)]
    assert [f.message for f in result.findings if f.file == name] == [f"{name}: {reason}"]
    good_still_read(result)


def test_the_library_s_own_words_go_to_detail_not_to_the_message(tmp_path: Path) -> None:
    result = read(tmp_path, "cut-before-directory.xlsx", "word-document.xls")
    details = {i.path: i.detail for i in result.inputs if i.status == "failed"}
    assert details == {"cut-before-directory.xlsx": "BadZipFile: File is not a zip file",
                       "word-document.xls": "the compound file holds no workbook stream"}
    assert not any("BadZipFile" in f.message for f in result.findings)


def test_links_to_a_folder_or_to_nothing_named_like_trackers_are_named(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(FIXTURES / GOOD, inputs / GOOD)
    (tmp_path / "Q2 returns").mkdir()
    os.symlink(tmp_path / "Q2 returns", inputs / "Q2 returns.xlsx")
    os.symlink(tmp_path / "gone.xlsx", inputs / "moved.xlsx")
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "pipe", inputs / "pipe.csv")  # never opened: it would wait forever
    result = read_inputs(inputs, timeout=20)
    assert sorted((i.path, i.status, i.reason) for i in result.inputs) == [
        ("Q2 returns.xlsx", "failed", refusals.FOLDER_LINK),
        ("moved.xlsx", "failed", refusals.BROKEN_LINK),
        (GOOD, "read", ""),
        ("pipe.csv", "failed", refusals.UNKNOWN_BINARY),
    ]
    good_still_read(result)


# --- a task list is not the plan -----------------------------------------------------------------


def test_a_task_lists_priority_is_an_extra_field_and_assigned_to_is_the_lead(
    tmp_path: Path,
) -> None:
    result = read(tmp_path, "task-list.xlsx", priorities=["P1", "Joint endeavour", "P7"])
    rows = [r for r in result.rows if r.source.file == "task-list.xlsx"]
    assert [(r.text("priority"), r.text("item"), r.text("lead"), r.extras) for r in rows] == [
        ("", "Deliver New Data Warehouse", CIO, (("Priority", "High"),)),
        ("", "Reporting Presentation Layer", "BI lead", (("Priority", "Medium"),)),
        ("", "Enhance core IT infrastructure", "Head of IT", (("Priority", "Low"),)),
    ]
    # A plan that names a priority "High" keeps the column as its priorities.
    named = read(tmp_path / "named", "task-list.xlsx", priorities=["High", "Medium", "Low"])
    assert [r.text("priority") for r in named.rows if r.source.file == "task-list.xlsx"] == [
        "High", "Medium", "Low"]


# --- the whole folder, and what the command line prints -------------------------------------------


def test_the_whole_odd_folder_in_one_run(tmp_path: Path) -> None:
    names = sorted(p.name for p in ODD.iterdir() if p.is_file())
    result = read(tmp_path, *names)
    failed = {i.path: i.reason for i in result.inputs if i.status == "failed"}
    assert failed == {
        **{name: reason for name, (_code, reason) in REFUSED.items()},
        **{name: refusals.ENCRYPTED for name in ENCRYPTED},
    }
    assert sorted(i.path for i in result.inputs if i.status == "read") == sorted(
        {*names, GOOD} - set(failed))
    good_still_read(result)


def test_check_prints_json_and_nothing_else_with_any_folder(tmp_path: Path) -> None:
    """xlrd and openpyxl talk (to stdout, by default); `check --format json` must still
    print one JSON document, whatever the inputs folder holds."""
    inputs = tmp_path / "inputs"
    shutil.copytree(ODD, inputs)
    for name in ("legacy.xls", "xxe.xlsx", "zip-bomb.xlsx", "far-cell.xlsx", GOOD):
        shutil.copy(FIXTURES / name, inputs / name)
    done = subprocess.run(
        [sys.executable, "-m", "planreports", "check", "-c", str(ROOT / "config.yaml"),
         "--inputs", str(inputs), "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    findings = json.loads(done.stdout)
    assert {f["file"] for f in findings if f["code"] == "unreadable-file"} >= set(REFUSED)
    assert done.stderr == ""


@pytest.mark.parametrize("word", ["Assigned to", "Assigned To:", "Owner", "Responsible",
                                  "Assignee", "Action owner"])
def test_the_words_task_lists_use_for_a_lead(word: str) -> None:
    from planreports.read.header import match_header_row, synonym_table

    header = match_header_row(["Task", "RAG", word], synonym_table())
    assert header is not None and header.columns == {"item": 0, "rag": 1, "lead": 2}
    # "Responsible group" is still the committee, not a lead.
    group = match_header_row(["Task", "RAG", "Responsible group"], synonym_table())
    assert group is not None and group.columns["committee"] == 2


@pytest.mark.parametrize(
    ("values", "priorities", "is_the_plans"),
    [
        (["High", "Medium", "Low", "high"], [], False),  # urgencies: not the plan's priority
        (["High", "Low", -38245.67, dt.date(2008, 4, 15)], [], False),  # and a total row
        (["High", "Medium"], ["High"], True),  # a plan that calls a priority "High"
        (["1.", "Low"], ["P1"], True),  # not all urgencies: reconcile says what is unknown
        (["9. Reduce waiting lists"], ["P1"], True),  # an unknown priority stays one (an error)
        (["", ""], [], True),  # an empty column says nothing
    ],
)
def test_a_priority_column_is_the_plans_only_when_it_can_be(
    values: list[object], priorities: list[str], is_the_plans: bool
) -> None:
    from planreports.read.header import find_header, plan_priority, synonym_table

    table = synonym_table()
    grid = [["Objective", "Priority", "Task", "RAG"]] + [
        ["1. Joint endeavour", value, f"Task {i}", "Green"] for i, value in enumerate(values)]
    header = find_header(grid, table)
    assert header is not None and header.columns["priority"] == 0  # "Objective" came first
    grid = [row[1:] for row in grid]  # the same sheet with no objective column
    header = find_header(grid, table)
    assert header is not None
    kept = plan_priority(header, grid, table, priorities)
    assert kept is not None
    assert kept.columns.get("priority") == (0 if is_the_plans else None)
    if not is_the_plans:
        assert kept.extras[0] == "Priority"
