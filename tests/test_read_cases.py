"""Every case of issue 4 read from a real file in tests/fixtures (see make_fixtures.py there).

Each test copies its fixture (and, for a bad file, a good one beside it) into a fresh inputs
folder and reads it as a run would, in worker processes. Rows are flattened to
(priority, workstream, item, RAG text, RAG fill, lead, due, sheet!cell); findings to
(code, file, sheet, cell); colours to the RAG key config.yaml's scale gives them.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from planreports.config import load_config
from planreports.read import ReadResult, read_inputs
from planreports.read.colour import nearest_rag
from planreports.read.xlsx import read_xlsx
from planreports.reconcile import reconcile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = load_config(ROOT / "config.yaml")
PASSWORD = "Quarter2!"
BNSSG_COLUMNS = {
    "priority": ["2020/21 Ambition"], "workstream": ["2019/20 milestone"],
    "item": ["Next steps"], "committee": ["Responsible Group"], "lead": ["Executive Lead"],
    "due": ["Milestones"],
}

P1 = "1. To make care a joint endeavour with patients, families & carers"
P2 = "2. To improve the quality of care by transforming services"
P5 = "5. To ensure Oxford Health NHS FT is high performing and financially viable"
P6 = "6. To lead research and adopt evidence that improves the quality of care"
P7 = "7. To embed and enhance the electronic health record"
OPD = "Deliver Oxfordshire Community Pathway : Locality & Bed Based services (OPD)"
DIR_R = "Director of Research"
CIO = "Chief Information Officer"


def read(tmp_path: Path, *names: str, **options: object) -> ReadResult:
    inputs = tmp_path / "inputs"
    inputs.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, inputs / name)
    return read_inputs(inputs, timeout=60, **options)  # type: ignore[arg-type]


def table(result: ReadResult) -> list[tuple]:
    return [
        (r.text("priority"), r.text("workstream"), r.text("item"), r.text("rag"), r.rag_fill,
         r.text("lead"), r.values.get("due"), f"{r.source.sheet}!{r.source.cell}")
        for r in result.rows
    ]


def found(result: ReadResult, *codes: str) -> list[tuple]:
    return [(f.code, f.file, f.sheet, f.cell) for f in result.findings
            if not codes or f.code in codes]


def rag_keys(result: ReadResult) -> list[str | None]:
    return [nearest_rag(r.rag_fill, CONFIG.rag).key if r.rag_fill else None
            for r in result.rows]


def statuses(result: ReadResult) -> list[tuple]:
    return [(i.path, i.status, i.format) for i in result.inputs]


# --- layouts ----------------------------------------------------------------------------------


def test_oxford_progress_table(tmp_path: Path) -> None:
    """Title rows, priority merged down its group, continuation rows under their project
    (one coloured only), several paragraphs in an update, a RAG key sheet skipped."""
    result = read(tmp_path, "oxford-progress.xlsx")
    pei = "Deliver patient involvement and experience (PEI) strategy"
    assert table(result) == [
        (P1, pei, "", "Yellow", "#FFFF00", "", None, "Priorities 1-2!A6"),
        (P1, "Deliver the carers strategy", "", "Green", "#00B050", "", None,
         "Priorities 1-2!A7"),
        (P2, OPD, "", "Green", "#00B050", "", None, "Priorities 1-2!A8"),
        (P2, OPD, "", "Green", "#00B050", "", None, "Priorities 1-2!A9"),
        (P2, OPD, "", "", "#00B050", "", None, "Priorities 1-2!A10"),
        (P2, OPD, "", "Red", "#FF0000", "", None, "Priorities 1-2!A11"),
        (P2, "Deliver new Learning Disability service (Adults)", "", "Green", "#00B050", "",
         None, "Priorities 1-2!A12"),
        (P2, "Deliver improved Adult MH pathway (reduce OATS) (Adults)", "", "Yellow",
         "#FFFF00", "", None, "Priorities 1-2!A13"),
        (P5, "Cost Improvement Programme", "", "Red", None, "", None, "Priority 5!A4"),
        (P5, "Cost Improvement Programme", "", "Red", None, "", None, "Priority 5!A5"),
        (P5, "Embed New Performance Team and Performance Management Framework", "", "Green",
         None, "", None, "Priority 5!A6"),
    ]
    assert rag_keys(result)[:8] == ["A", "G", "G", "G", "G", "R", "G", "A"]
    first, *_ = result.rows
    assert first.text("update").split("\n\n") == [
        "PEI strategy objectives identified for commencement in 2016/2017 have not been fully "
        "achieved but a large number from 2017/18 have begun.",
        "In total, 8 out of the 61 objectives have been fully completed, 31 are currently in "
        "progress and a further 22 are yet to be started.",
        "The capacity of the PEI Team continues to grow.",
    ]
    assert (first.cell_of("update"), first.cell_of("rag")) == ("D6", "B6")
    assert result.rows[3].text("update").startswith("Developing neighbourhood working")
    assert "priority" in result.rows[1].inherited  # from the merged A6:A7
    (file,) = result.inputs
    assert [(s.name, s.status, s.header_row, s.rows, s.items, s.reason) for s in file.sheets] == [
        ("Priorities 1-2", "read", 5, 8, 8, ""),
        ("Priority 5", "read", 3, 3, 3, ""),
        ("RAG Key", "skipped", None, 0, 0, "no tracker header (e.g. a RAG key or notes)"),
    ]
    assert found(result) == [("sheet-skipped", "oxford-progress.xlsx", "RAG Key", None)]


def test_bht_objectives_one_item_per_line(tmp_path: Path) -> None:
    """Projects listed line by line with leads, committees and RAGs aligned; a heading line
    is context (kept as an extra field), not an item; "Enablers" lists its projects in the
    objective cell itself; the objective cell merged or left blank for its other projects."""
    result = read(tmp_path, "bht-objectives.xlsx")
    culture = "Continue to improve our culture"
    workforce = "Implement new workforce models"
    variation = "Tackle inequalities and variation"
    sheet = "Corporate objectives!"
    assert table(result) == [
        (culture, "Listening to the patient voice", "", "Green", None, "Chief Nurse", None,
         sheet + "A4"),
        (culture, "An organisation that learns", "", "Green", None, "Chief Nurse", None,
         sheet + "A4"),
        (culture, "Culture of quality improvement", "", "Amber", None, "Director of Strategy",
         None, sheet + "A4"),
        (culture, "Making it easier to get things done", "", "Green", None,
         "Chief Operating Officer", None, sheet + "A4"),
        (culture, "Clinically-led financial plan", "", "Amber", None, "Medical Director", None,
         sheet + "A5"),
        (workforce, "Innovate with new models of care and/or staffing to tackle gaps in "
         "workforce", "", "Amber", None, "Chief Nurse", None, sheet + "A6"),
        (workforce, "Make BHT a great place to work", "", "Green", None,
         "Director of Workforce & OD", None, sheet + "A7"),
        (variation, "Build new community partnerships", "", "Green", None,
         "Director of Strategy", None, sheet + "A8"),
        (variation, "Modernise outpatient services", "", "Red", None,
         "Chief Operating Officer / Medical Director", None, sheet + "A9"),
        ("Enablers", "Digital strategy", "", "Green", None, "Director of Strategy", None,
         sheet + "A10"),
        ("Enablers", "Estates strategy", "", "Amber", None, "Commercial Director", None,
         sheet + "A10"),
        ("Enablers", "Clinical strategy", "", "Green", None, "Director of Strategy", None,
         sheet + "A10"),
        ("Enablers", "Commercial transformation", "", "Green", None, "Commercial Director",
         None, sheet + "A10"),
        ("Enablers", "Corporate service transformation", "", "Green", None,
         "Director of Finance", None, sheet + "A10"),
    ]
    assert [r.text("committee") for r in result.rows] == [
        "Quality", "Quality", "Board", "Finance", "Finance", "Workforce", "Workforce", "Board",
        "Quality", "Finance", "Finance", "Quality", "Finance", "Finance",
    ]
    assert result.rows[0].extras == (("Heading", "BHT Way \u2013 always improving:"),)
    assert result.rows[-1].extras == (("Heading", "To deliver:"),)
    assert result.rows[-1].cell_of("workstream") == "A10"  # the projects were in that cell
    (sheet_report,) = result.inputs[0].sheets
    assert (sheet_report.rows, sheet_report.items, sheet_report.sections) == (7, 14, 0)


def test_bnssg_delivery_plan_with_config_columns(tmp_path: Path) -> None:
    """Ambition and milestone rows start groups and are not items; next steps are items under
    them; a row that only adds a deliverable (or a lead, or a milestone date) belongs to the
    next step above it; "?" leads read as "?"; the header repeated mid-table is a heading."""
    result = read(tmp_path, "bnssg-delivery.xlsx", columns=BNSSG_COLUMNS)
    a1 = "Be accountable to one another for the delivery of services and use of resources"
    m1 = ("Establish a system performance management framework for delivery of all key "
          "Constitutional standards, building in peer review as a core element")
    s1 = "Establish a shared information framework to provide 'one version of the truth'"
    s2 = "Develop a single BNSSG activity and capacity model with a single set of assumptions"
    s3 = "Agree system approach to the achievement of waiting time standards (eg RTT)"
    a2 = ("Work to a shared vision within a single plan, built from one version of the truth "
          "and consistent ways of working")
    m2 = "Publish a single system plan for 2019/20 that is jointly owned"
    a3 = ("Establish a governance infrastructure which enables and embeds shared decision "
          "making with delegated accountability from each organisation")
    m3 = "A full roadmap for delivery of ICS."
    s4 = "Participate in the Aspirant ICS Programme and agree a roadmap for ICS delivery"
    sheet = "Delivery Plan!"
    assert table(result) == [
        (a1, m1, s1, "", None, "Mark Smith", "Paper to SDOG Nov 18", sheet + "A7"),
        (a1, m1, s1, "", None, "Anne Morris",
         "Identify Care & Quality metrics and report to SDOG Nov 18", sheet + "A8"),
        (a1, m1, s1, "", None, "Mark Smith", "Proposal to SDOG Nov 18", sheet + "A9"),
        (a1, m1, s2, "", None, "Sarah Truelove",
         "Approve key high level assumptions: DoFs 14 Sept", sheet + "A10"),
        (a1, m1, s2, "", None, "", "Approve key products required \u2013 TBC", sheet + "A11"),
        (a1, m1, s2, "", None, "?", None, sheet + "A12"),
        (a1, m1, s3, "", None, "", None, sheet + "A14"),
        (a2, m2, 'Set 5 key "outcome goals" for BNSSG', "", None, "Julia Ross/Robert Woolley",
         "Exec group Oct", sheet + "A17"),
        (a3, m3, s4, "", None, "Julia Ross/Robert Woolley",
         "ToR approved by Sponsoring Board 24 September", sheet + "A20"),
        (a3, m3, s4, "", None, "", "Application to be Shadow ICS, if agreed \u2013 Dec 18",
         sheet + "A21"),
        (a3, m3, "Draft and agree MOU", "", None, "Julia Ross/Robert Woolley",
         "By 31st Oct as per STP CQUIN", sheet + "A22"),
    ]
    # The next step's own row names its group; its deliverable rows keep theirs as extras.
    assert [(r.text("committee"), sorted(r.inherited), r.extras) for r in result.rows[:2]] == [
        ("SDOG", ["priority", "workstream"], (
            ("Planning Lead", "Chris Davies"),
            ("Deliverables", "\u2022 Content and format of integrated performance report"),
        )),
        ("", ["item", "priority", "workstream"], (
            ("Planning Lead", "Marie Davies"), ("Deliverables", "\u2022 Identify Quality metrics"),
        )),
    ]
    (report,) = result.inputs[0].sheets
    # 18 non-empty rows: 11 items, 3 ambitions + 3 milestones + 1 repeated header as headings.
    assert (report.header_row, report.rows, report.items, report.sections) == (4, 18, 11, 7)
    # Reconcile flags the "?" lead (and the rows that name none) at the lead's cell.
    flagged = reconcile(result.rows, CONFIG).findings
    assert [(f.code, f.cell) for f in flagged if f.code == "missing-lead"] == [
        ("missing-lead", "E11"), ("missing-lead", "E12"), ("missing-lead", "E14"),
        ("missing-lead", "E21"),
    ]


# --- RAG from colour --------------------------------------------------------------------------

RESEARCH = [  # (priority, project, lead, due) of the colour fixtures' rows
    (P6, "Biomedical Research Centre (BRC)", DIR_R, "Q3 2017/18"),
    (P6, "Clinical Research Facility (CRF)", DIR_R, "Nov 17"),
    (P6, "Clinical Research Network (CRN)", DIR_R, "31/12/17"),
    (P6, "Diagnostic Evidence Co-operative (DEC)", DIR_R, "TBC"),
    (P6, "Deliver Case Records Interactive Search", DIR_R, "ongoing"),
    (P7, "Refine and enhance existing EHR functionality", CIO, "Nov 17"),
    (P7, "Deliver New Data Warehouse", CIO, "Q4 2017/18"),
    (P7, "Reporting Presentation Layer", CIO, "end of March 2018"),
    (P7, "Enhance core IT infrastructure", CIO, "?"),
]


def colour_table(rags: list[str], fills: list[str | None]) -> list[tuple]:
    return [
        (priority, project, "", rag, fill, lead, due, f"Q2 return!A{5 + i}")
        for i, ((priority, project, lead, due), rag, fill) in enumerate(
            zip(RESEARCH, rags, fills, strict=False)
        )
    ]


@pytest.mark.parametrize(
    ("name", "fills", "keys"),
    [
        pytest.param(
            "rag-fill-standard.xlsx",
            # Excel's standard Red, Orange, Yellow, Green, Light Green; config's own colours
            ["#FF0000", "#FFC000", "#FFFF00", "#00B050", "#92D050", "#D5281B", "#FFB81C",
             "#007F3B", "#005EB8"],
            ["R", "A", "A", "G", "G", "R", "A", "G", "B"],
            id="standard",
        ),
        pytest.param(
            "rag-theme-tint.xlsx",
            # the trust's theme: accent2 NHS Red (Office's is orange) plain and darker 25%,
            # accent3 NHS Orange plain and lighter 40%, accent4 NHS Green plain and lighter
            # 40%, accent6 darker 25%, accent1 NHS Blue plain and lighter 80% (too pale to be
            # a status: beyond the limit, so no key)
            ["#DA291C", "#A42015", "#ED8B00", "#FFBA5B", "#009639", "#28FF79", "#598E17",
             "#005EB8", "#BDDEFF"],
            ["R", "R", "A", "A", "G", "G", "G", "B", None],
            id="theme-tint",
        ),
        pytest.param(
            "rag-good-neutral-bad.xlsx",
            ["#FFC7CE", "#FFEB9C", "#C6EFCE", "#C6EFCE", "#FFEB9C"],
            ["R", "A", "G", "G", "A"],
            id="good-neutral-bad",
        ),
    ],
)
def test_rag_from_fill_alone(
    tmp_path: Path, name: str, fills: list[str], keys: list[str | None]
) -> None:
    result = read(tmp_path, name)
    assert table(result) == colour_table([""] * len(fills), fills)
    assert rag_keys(result) == keys
    assert found(result) == []


def test_rag_from_conditional_formatting(tmp_path: Path) -> None:
    """cellIs equal and containsText rules colour text; expressions on the milestone-status
    column colour blank RAG cells; the higher-priority rule wins where two apply (row 11:
    "Green" text, but its status is "Delayed", so the red expression rule shows)."""
    result = read(tmp_path, "rag-conditional-format.xlsx")
    rags = ["Red", "Green", "Amber - at risk", "", "", "", "Green"]
    fills = ["#FF0000", "#00B050", "#FFC000", "#FF0000", "#00B050", "#FFC000", "#FF0000"]
    assert table(result) == colour_table(rags, fills)
    assert rag_keys(result) == ["R", "G", "A", "R", "G", "A", "R"]
    assert [r.extras for r in result.rows][:2] == [
        (("Milestone status", "Delayed"),), (("Milestone status", "On track"),),
    ]


def test_rag_text_that_disagrees_with_its_fill_is_flagged(tmp_path: Path) -> None:
    result = read(tmp_path, "rag-colour-mismatch.xlsx")
    assert table(result) == colour_table(
        ["Green", "Red", "Amber", "Green"], ["#FF0000", "#FF0000", "#00B050", None]
    )
    assert rag_keys(result) == ["R", "R", "G", None]
    reconciled = reconcile(result.rows, CONFIG)
    assert [(f.code, f.file, f.sheet, f.cell) for f in reconciled.findings
            if f.code == "rag-colour-mismatch"] == [
        ("rag-colour-mismatch", "rag-colour-mismatch.xlsx", "Q2 return", "C5"),
        ("rag-colour-mismatch", "rag-colour-mismatch.xlsx", "Q2 return", "C7"),
    ]
    assert [i.rag for i in reconciled.items] == ["G", "R", "A", "G"]  # the text is used


def test_a_fill_that_is_no_rag_colour_is_unrecognised(tmp_path: Path) -> None:
    result = read(tmp_path, "rag-unrecognised-colour.xlsx")
    assert table(result) == colour_table(["", "", ""], ["#7030A0", "#D9D9D9", "#00B050"])
    assert rag_keys(result) == [None, None, "G"]
    reconciled = reconcile(result.rows, CONFIG)
    assert [(f.code, f.file, f.sheet, f.cell) for f in reconciled.findings
            if f.code in ("unrecognised-colour", "missing-rag")] == [
        ("unrecognised-colour", "rag-unrecognised-colour.xlsx", "Q2 return", "C5"),
        ("unrecognised-colour", "rag-unrecognised-colour.xlsx", "Q2 return", "C6"),
    ]
    assert [i.rag for i in reconciled.items] == [None, None, "G"]


# --- sheets and formats -----------------------------------------------------------------------

TWO_GREEN = [
    (P6, "Biomedical Research Centre (BRC)", "", "Green", None, DIR_R, "Q3 2017/18",
     "Q2 return!A2"),
    (P6, "Clinical Research Facility (CRF)", "", "Green", None, DIR_R, "Nov 17",
     "Q2 return!A3"),
]
EHR_GREEN = [
    (P7, "Refine and enhance existing EHR functionality", "", "Green", None, CIO, "Nov 17",
     "Q2 return!A2"),
    (P7, "Deliver New Data Warehouse", "", "Green", None, CIO, "Q4 2017/18", "Q2 return!A3"),
]


def test_hidden_and_very_hidden_sheets_are_skipped_and_listed(tmp_path: Path) -> None:
    result = read(tmp_path, "hidden-sheets.xlsx")
    assert table(result) == TWO_GREEN
    assert [(s.name, s.status, s.reason) for s in result.inputs[0].sheets] == [
        ("Q2 return", "read", ""),
        ("Q1 return", "skipped", "the sheet is hidden"),
        ("Lists", "skipped", "the sheet is very hidden"),
    ]
    assert found(result) == [
        ("sheet-skipped", "hidden-sheets.xlsx", "Q1 return", None),
        ("sheet-skipped", "hidden-sheets.xlsx", "Lists", None),
    ]


def test_a_chart_sheet_is_skipped_and_listed(tmp_path: Path) -> None:
    result = read(tmp_path, "chart-sheet.xlsx")
    assert table(result) == TWO_GREEN
    assert [(s.name, s.status, s.reason) for s in result.inputs[0].sheets] == [
        ("Q2 return", "read", ""),
        ("Counts", "skipped", "no tracker header (e.g. a RAG key or notes)"),
        ("RAG chart", "skipped", "a chart sheet, not a table"),
    ]
    assert found(result) == [
        ("sheet-skipped", "chart-sheet.xlsx", "Counts", None),
        ("sheet-skipped", "chart-sheet.xlsx", "RAG chart", None),
    ]


def test_legacy_xls_with_fills_merges_and_dates(tmp_path: Path) -> None:
    result = read(tmp_path, "legacy.xls")
    assert statuses(result) == [("legacy.xls", "read", "xls")]
    assert table(result) == [
        (P7, "Refine and enhance existing EHR functionality", "", "Amber", "#FFC000", "",
         dt.date(2017, 11, 30), "Priority 7!A2"),
        (P7, "Deliver New Data Warehouse", "", "", "#00B050", "", dt.date(2018, 3, 31),
         "Priority 7!A3"),
        (P7, "Reporting Presentation Layer", "", "Green", "#00B050", "", "Q4 2017/18",
         "Priority 7!A4"),
    ]
    assert rag_keys(result) == ["A", "G", "G"]
    assert [sorted(r.inherited) for r in result.rows] == [[], ["priority"], ["priority"]]


def test_macro_workbook_is_read_and_its_macro_never_runs(tmp_path: Path) -> None:
    with zipfile.ZipFile(FIXTURES / "macro.xlsm") as zf:
        assert b"Workbook_Open" in zf.read("xl/vbaProject.bin")  # the fixture is what it says
    result = read(tmp_path, "macro.xlsm")
    assert statuses(result) == [("macro.xlsm", "read", "xlsx")]
    assert table(result) == TWO_GREEN
    assert sorted(p.name for p in (tmp_path / "inputs").iterdir()) == ["macro.xlsm"]


def test_encrypted_workbook_without_with_and_with_a_wrong_password(tmp_path: Path) -> None:
    locked = read(tmp_path, "encrypted.xlsx")
    assert statuses(locked) == [("encrypted.xlsx", "failed", "encrypted")]
    assert found(locked) == [("encrypted-file", "encrypted.xlsx", None, None)]
    assert locked.findings[0].message == (
        "encrypted.xlsx: the workbook is password-protected; set inputs.password_env in "
        "config.yaml to the name of an environment variable holding the password"
    )
    opened = read(tmp_path, "encrypted.xlsx", password=PASSWORD)
    assert statuses(opened) == [("encrypted.xlsx", "read", "xlsx")]
    assert table(opened) == EHR_GREEN
    wrong = read(tmp_path, "encrypted.xlsx", password="Quarter1!")
    assert found(wrong) == [("encrypted-file", "encrypted.xlsx", None, None)]
    assert wrong.findings[0].message == (
        "encrypted.xlsx: the workbook is password-protected and the configured password did "
        "not open it"
    )


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("renamed-xlsx.xls", "xlsx"), ("huge-dimension.xlsx", "xlsx"), ("far-cell.xlsx", "xlsx")],
)
def test_read_by_content_and_safely(tmp_path: Path, name: str, fmt: str) -> None:
    """An .xlsx renamed .xls is read as what it is; a stored dimension of A1:XFD1048576
    over a few cells, or one stray value in XFD1048576, is read as the table's cells, not a
    million rows (the stray value named by a finding)."""
    result = read(tmp_path, name)
    assert statuses(result) == [(name, "read", fmt)]
    assert table(result) == EHR_GREEN
    if name != "renamed-xlsx.xls":
        (grid,) = read_xlsx(FIXTURES / name)
        assert (len(grid.values), max(len(row) for row in grid.values)) == (3, 6)
    assert found(result, "stray-cells") == (
        [("stray-cells", name, "Q2 return", "XFD1048576")] if name == "far-cell.xlsx" else []
    )


CSV_ROWS = [
    (P5, "Cost Improvement Programme", "", "Red", None, "Director of Finance", "31/03/2018"),
    (P5, "Embed Patient-level costing and Service Line Reporting", "", "Green", None,
     "Director of Finance", "Q3 2017/18"),
]


@pytest.mark.parametrize(
    "name",
    ["csv-cp1252.csv", "csv-utf8-bom-semicolon.csv", "csv-tab.csv", "csv-saved-as.xls"],
)
def test_csv_encodings_delimiters_and_a_csv_named_xls(tmp_path: Path, name: str) -> None:
    result = read(tmp_path, name)
    sheet = name.rsplit(".", 1)[0]
    assert statuses(result) == [(name, "read", "csv")]
    assert table(result) == [(*row, f"{sheet}!A{i}") for i, row in enumerate(CSV_ROWS, 2)]
    assert result.rows[0].text("update") == (
        "Adults: in Q2 delivered \u00a3582,164 vs plan of \u00a3511,203; forecast "
        "\u00a31,194,817 vs target of \u00a32,100,000"
    )


# --- bad files --------------------------------------------------------------------------------

BAD_FILES = {
    "text-renamed.xlsx": "the file is plain text, not an Excel workbook (renamed to .xlsx?)",
    "empty.xlsx": "the file is empty (0 bytes): ask for it to be sent again",
    "truncated.xlsx": "the file is damaged or incomplete (not a whole workbook: it may have been "
                      "cut short while it was saved or copied); ask for it to be saved and sent "
                      "again",
    "zip-bomb.xlsx": "the workbook looks like a zip bomb: part xl/worksheets/sheet1.xml would "
                     "inflate 1,022 times, to 104,859,300 bytes (refused)",
    "xxe.xlsx": "the workbook contains an XML entity payload in xl/sharedStrings.xml (refused)",
    "billion-laughs.xlsx": "the workbook contains an XML entity payload in "
                           "xl/worksheets/sheet1.xml (refused)",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_unreadable_and_the_file_beside_it_is_read(
    tmp_path: Path, name: str
) -> None:
    result = read(tmp_path, name, "oxford-progress.xlsx")
    assert [(i.path, i.status) for i in result.inputs] == sorted(
        [(name, "failed"), ("oxford-progress.xlsx", "read")]
    )
    assert found(result, "unreadable-file") == [("unreadable-file", name, None, None)]
    (problem,) = [f for f in result.findings if f.code == "unreadable-file"]
    assert problem.message == f"{name}: {BAD_FILES[name]}"
    assert len([r for r in result.rows if r.source.file == "oxford-progress.xlsx"]) == 11


def test_the_whole_fixture_folder_in_one_run(tmp_path: Path) -> None:
    """Every fixture in one inputs folder: each file's fate, and the run goes on."""
    names = sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".py" and p.is_file())
    result = read(tmp_path, *names, columns=BNSSG_COLUMNS)
    failed = {i.path: i.reason for i in result.inputs if i.status == "failed"}
    assert failed == {**BAD_FILES, "encrypted.xlsx": (
        "the workbook is password-protected; set inputs.password_env in config.yaml to the "
        "name of an environment variable holding the password"
    )}
    assert sorted(i.path for i in result.inputs if i.status == "read") == sorted(
        set(names) - set(failed)
    )
    assert "Traceback" not in " ".join(f.message for f in result.findings)
    assert len(result.rows) == 11 + 14 + 11 + 9 + 9 + 5 + 7 + 4 + 3 + 2 + 2 + 3 + 2 + 2 + 2 + 8 + 2
