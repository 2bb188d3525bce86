"""The pack workbook: sheets, safe text, print set-up, charts, and LibreOffice opening it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from planreports.config import load_config
from planreports.errors import RenderError
from planreports.model import Finding, InputFile, Item, PackView, PeriodSummary, SheetReport, Source
from planreports.render.text import headline
from planreports.render.workbook import SHEETS, render_workbook
from planreports.render.workbook_sheets import cell_order, text_lines, text_on

CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"
TRACKER = "returns/Q2 tracker.xlsx"
LONG_UPDATE = "Slipped. " * 4_444 + "Done"  # 40,000 characters: more than a cell holds
FORMULA_LIKE = ("=SUM(A1)", "+44 1865 902000", "-", "@user", "- Listening to the patient voice")


def item(priority: str | None, workstream: str, rag: str | None, row: int, **fields) -> Item:
    values = {
        "item": "", "update": "", "lead": "", "committee": "Quality", "directorate": "",
        "due": None, "milestone": "",
    }
    values.update(fields)
    return Item(priority=priority, workstream=workstream, rag=rag,
                source=Source(TRACKER, "Progress", f"C{row}"), **values)


def make_view(pack: str = "board", *, directorates: bool = True,
              history: bool = True) -> PackView:
    config = load_config(CONFIG)
    d = (lambda name: name) if directorates else (lambda name: "")
    items = (
        item("P1", "Deliver patient involvement and experience strategy", "A", 5,
             update="PEI strategy objectives identified for 2016/17 have not been fully "
                    "achieved but a large number from 2017/18 have begun.",
             lead="Director of Nursing", directorate=d("Nursing"), trend="deteriorated",
             previous_rag="G", due=dt.date(2017, 8, 31), milestone="Strategy refresh"),
        item("P1", "Deliver the carers strategy", "G", 6,
             update="New strategy for families, friends and carers launched in Q1.",
             lead="Head of Patient Experience", directorate=d("Nursing"), trend="same",
             previous_rag="G", due=dt.date(2017, 12, 15)),
        item("P2", "=SUM(A1)", "R", 7, item="+44 1865 902000", update=LONG_UPDATE,
             lead="@user", committee="-", directorate=d("Operations"),
             milestone="- Listening to the patient voice", trend="new"),
        item("P5", "Deliver the Cost Improvement Programme", "R", 8,
             item="Older Adults Directorate", update="In Q2 delivered £290,259 vs target "
             "of £543,818 (-47%).", lead="Director of Finance", committee="Finance and "
             "Investment", directorate=d("Finance"), trend="same", previous_rag="R"),
        item("P5", "Embed Patient-level costing and Service Line Reporting", "B", 9,
             update="Complete.", lead="Director of Finance", directorate=d("Finance"),
             due=dt.date(2017, 6, 30), trend="improved", previous_rag="G"),
        item(None, "Mystery scheme", None, 10, update="", lead="?"),
    )
    findings = (
        Finding("missing-update", "warning", "No progress update for 'Mystery scheme'",
                TRACKER, "Progress", "D10", None, "Mystery scheme"),
        Finding("unknown-priority", "error", "'Priority 9' matches no configured priority",
                TRACKER, "Progress", "A10", None, "Mystery scheme"),
        Finding("sheet-skipped", "info", "Sheet 'Key' has no tracker header", TRACKER, "Key"),
        Finding("formula-text", "info", "'=SUM(A1)' written as text", TRACKER, "Progress",
                "B7", "P2", "=SUM(A1)"),
        Finding("overdue", "warning", "Due 01/07/2017, not complete", "estates.xlsx", "Plan",
                "F9", "P2", "Estates Redevelopment"),
        Finding("unreadable-file", "error", "Not a spreadsheet (truncated zip)", "broken.xlsx"),
    )
    inputs = (
        InputFile(TRACKER, "a" * 64, "read", "xlsx", (
            SheetReport("Progress", "read", header_row=4, rows=7, items=6, sections=1),
            SheetReport("Key", "skipped", reason="no tracker header"),
        )),
        InputFile("broken.xlsx", "b" * 64, "failed", "xlsx", reason="not a spreadsheet"),
    )
    earlier = (
        PeriodSummary("FY18 Q1", dt.date(2017, 6, 30), {"R": 1, "A": 1, "G": 3}),
        PeriodSummary("FY17 Q4", dt.date(2017, 3, 31), {"A": 2, "G": 2, None: 1}),
    ) if history else ()
    # Last period's items that no tracker reports now, as history hands them back.
    gone = (
        item("P6", "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)", "G", 11,
             update="Partnership agreements renewed.", lead="Director of Research"),
        item("P2", "Estates Redevelopment", "A", 12, item="Warneford site",
             update="Business case with the estates group.", lead="Director of Finance"),
    ) if history else ()
    title = config.pack(pack).title
    return PackView(config, pack, title, items, findings, inputs, earlier, gone)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Finding]]:
    target = tmp_path_factory.mktemp("workbook") / "board.xlsx"
    return target, render_workbook(make_view(), target)


@pytest.fixture(scope="module")
def book(rendered: tuple[Path, list[Finding]]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(rendered[0])


def rows(ws, first: int = 2, columns: int | None = None) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=first, max_col=columns, values_only=True)
            if any(v is not None for v in r)]


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Dashboard", "Register", "Exceptions", "Data quality", "Matrix", "Sources", "RAG key",
    ]
    # Organisations is a system's roll-up sheet (tests/test_organisations.py).
    assert [n for n in SHEETS if n != "Organisations"] == book.sheetnames


@pytest.mark.parametrize("sheet", ["Register", "Exceptions", "Data quality", "Sources"])
def test_table_sheets_have_frozen_header_and_filter(book: openpyxl.Workbook, sheet: str) -> None:
    ws = book[sheet]
    assert ws.freeze_panes in ("A2", "B2")
    assert ws.auto_filter.ref is not None
    assert ws.auto_filter.ref.startswith("A1:")


def column(ws, title: str) -> str:
    """The letter of the column headed `title`: columns no row uses are left out."""
    return next(c.column_letter for c in ws[1] if c.value == title)


def test_register_rows_grouped_by_priority(book: openpyxl.Workbook) -> None:
    ws = book["Register"]
    # Every column is used by some row here; the project as the tracker names it is not,
    # since every tracker title is the configured one.
    assert [c.value for c in ws[1]] == [
        "Priority", "Workstream", "Item", "RAG", "Trend", "Lead", "Committee", "Directorate",
        "Due", "Milestone", "Progress update", "Source",
    ]
    table = [(r[0], r[1], r[3], r[4]) for r in rows(ws)]
    assert table == [
        ("P1  To make care a joint endeavour with patients, families and carers", None, None,
         None),
        ("Joint endeavour", "Deliver patient involvement and experience strategy", "Amber",
         "▼ deteriorated"),
        ("Joint endeavour", "Deliver the carers strategy", "Green", "► same"),
        ("P2  To improve the quality of care by transforming services", None, None, None),
        ("Transforming services", "=SUM(A1)", "Red", "new"),
        ("P5  To ensure Oxford Health NHS FT is high performing and financially viable", None,
         None, None),
        ("High performing", "Deliver the Cost Improvement Programme", "Red", "► same"),
        ("High performing", "Embed Patient-level costing and Service Line Reporting", "Blue",
         "▲ improved"),
        ("Unknown priority (not in config)", None, None, None),
        ("Unknown priority", "Mystery scheme", "No RAG", None),
    ]
    headings = {str(rng) for rng in ws.merged_cells.ranges}
    assert {"A2:L2", "A5:L5", "A7:L7", "A10:L10"} <= headings
    assert ws["L3"].value == f"{TRACKER}!Progress!C5"


def test_formula_looking_text_is_stored_as_text(rendered, book: openpyxl.Workbook) -> None:
    ws = book["Register"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in FORMULA_LIKE:
        cell = cells[text]
        assert (cell.data_type, cell.value) == ("s", text)
        # Excel's quote prefix keeps it text even after someone edits the cell.
        assert cell.quotePrefix is True
    with zipfile.ZipFile(rendered[0]) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in package.read(name), f"{name} holds a formula"


def test_over_long_text_is_cut_with_a_finding(rendered, book: openpyxl.Workbook) -> None:
    _, findings = rendered
    assert [(f.code, f.severity, f.file, f.sheet, f.cell, f.priority) for f in findings] == [
        ("text-truncated", "warning", TRACKER, "Progress", "C7", "P2"),
    ]
    assert findings[0].message.endswith("of 40,000")
    update = book["Register"][column(book["Register"], "Progress update") + "6"].value
    assert len(update) <= 32_767
    assert update.startswith("Slipped. Slipped.")
    assert update.endswith(f"the full text is in {TRACKER}!Progress!C7]")
    quality = [(r[0], r[4], r[5]) for r in rows(book["Data quality"])]
    assert ("text-truncated", "Progress", "C7") in quality


def test_text_excel_cannot_hold_is_made_safe(tmp_path: Path) -> None:
    # 20,000 emoji are 40,000 UTF-16 units, which is what Excel's limit counts; a lone
    # surrogate is what a CSV decoded with surrogateescape leaves for a stray byte.
    view = make_view()
    odd = item("P1", "Caf\udce9 scheme", "G", 40, update="😀" * 20_000)
    target = tmp_path / "board.xlsx"
    findings = render_workbook(
        PackView(view.config, "board", "Trust Board", (odd,), (), ()), target
    )
    assert [(f.code, f.cell) for f in findings] == [("text-truncated", "C40")]
    ws = openpyxl.load_workbook(target)["Register"]
    assert ws["B3"].value == "Caf\ufffd scheme"
    update = ws[column(ws, "Progress update") + "3"].value
    assert len(update.encode("utf-16-le")) // 2 <= 32_767
    assert update.startswith("😀😀")


def test_rag_cells_are_coloured_and_labelled(book: openpyxl.Workbook) -> None:
    config = load_config(CONFIG)
    ws = book["Register"]
    seen = set()
    for (cell,) in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        status = next((s for s in config.rag if s.label == cell.value), None)
        if status is None:
            continue
        seen.add(status.key)
        assert cell.fill.fgColor.rgb == "FF" + status.colour[1:]
        # Dark fills carry white text, Amber black: never colour alone, never unreadable.
        expected_ink = "FFFFFFFF" if status.key in ("R", "G", "B") else "FF000000"
        assert cell.font.color.rgb == expected_ink
    assert seen == {"R", "A", "G", "B"}


def test_due_dates_are_real_dates_in_uk_format(book: openpyxl.Workbook) -> None:
    cell = book["Register"][column(book["Register"], "Due") + "3"]
    assert cell.value == dt.datetime(2017, 8, 31)
    assert cell.number_format == "dd/mm/yyyy"
    as_of = book["Dashboard"]["B5"]
    assert (as_of.value, as_of.number_format) == (dt.datetime(2017, 9, 30), "dd/mm/yyyy")


TRUST_SHEETS = [n for n in SHEETS if n != "Organisations"]


@pytest.mark.parametrize("sheet", TRUST_SHEETS)
def test_print_set_up(book: openpyxl.Workbook, sheet: str) -> None:
    ws = book[sheet]
    setup = ws.page_setup
    assert setup.orientation == "landscape"
    assert setup.paperSize == 9  # A4
    if sheet in ("Register", "Exceptions", "Data quality"):
        # A scale, not "fit to width": Excel ignores manual page breaks under fit to width,
        # and these sheets break their pages themselves (a heading kept with its rows).
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        assert 10 <= int(setup.scale) <= 100
    else:
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (setup.fitToWidth or 1) == 1  # OOXML's default is 1; xlsxwriter leaves it out
        assert int(setup.fitToHeight if setup.fitToHeight is not None else 1) == (
            1 if sheet == "Dashboard" else 0
        )
    if sheet != "Dashboard":
        assert ws.print_title_rows == "$1:$1"
    assert ws.oddHeader.left.text == "Oxford Health NHS Foundation Trust"
    assert ws.oddHeader.right.text == "FY18 Q2"
    assert ws.oddFooter.center.text == "Page &P of &N"


def test_dashboard(book: openpyxl.Workbook) -> None:
    ws = book["Dashboard"]
    assert ws["A1"].value == "Oxford Health NHS Foundation Trust"
    assert ws["A2"].value == "Business Plan: Trust Board"
    assert (ws["A4"].value, ws["B4"].value) == ("Period", "FY18 Q2")
    assert ws["A9"].value == headline(make_view())
    table = [r for r in ws.iter_rows(min_row=12, max_row=21, max_col=7, values_only=True)]
    assert table == [
        ("Priority", "Red", "Amber", "Green", "Blue", "No RAG", "Total"),
        ("Joint endeavour", 0, 1, 1, 0, 0, 2),
        ("Transforming services", 1, 0, 0, 0, 0, 1),
        ("Safety and quality", 0, 0, 0, 0, 0, 0),
        ("Positive culture", 0, 0, 0, 0, 0, 0),
        ("High performing", 1, 0, 0, 1, 0, 2),
        ("Research", 0, 0, 0, 0, 0, 0),
        ("Electronic health record", 0, 0, 0, 0, 0, 0),
        ("Unknown priority", 0, 0, 0, 0, 1, 1),
        ("Total", 2, 1, 1, 1, 1, 6),
    ]
    severities = {r[0]: r[1] for r in ws.iter_rows(min_row=24, max_row=28, max_col=2,
                                                  values_only=True)}
    assert (severities["Error"], severities["Warning"], severities["Info"]) == (2, 3, 2)
    links = [c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink]
    assert links == ["'Data quality'!A1"]


def test_dashboard_charts_have_alt_text(rendered) -> None:
    with zipfile.ZipFile(rendered[0]) as package:
        names = set(package.namelist())
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= names
        drawing = package.read("xl/drawings/drawing1.xml").decode()
        chart = package.read("xl/charts/chart1.xml").decode()
    descriptions = re.findall(r'descr="([^"]*)"', drawing)
    assert descriptions[0].startswith("Stacked bar chart of items by RAG status")
    assert "Joint endeavour: 1 Amber, 1 Green." in descriptions[0]
    assert descriptions[1].startswith("Stacked column chart of items by RAG status per period.")
    assert "FY17 Q4: 2 Amber, 2 Green, 1 no RAG" in descriptions[1]
    # Series are filled in the configured RAG colours, worst first.
    assert re.findall(r'<c:spPr><a:solidFill><a:srgbClr val="([0-9A-F]{6})"', chart)[:4] == [
        "D5281B", "FFB81C", "007F3B", "005EB8",
    ]


def test_no_history_means_one_chart(tmp_path: Path) -> None:
    target = tmp_path / "board.xlsx"
    render_workbook(make_view(history=False), target)
    with zipfile.ZipFile(target) as package:
        charts = [n for n in package.namelist() if n.startswith("xl/charts/")]
    assert charts == ["xl/charts/chart1.xml"]


def test_exceptions_say_why(book: openpyxl.Workbook) -> None:
    table = [(r[2], r[0]) for r in rows(book["Exceptions"])]
    assert table == [
        ("Deliver patient involvement and experience strategy",
         "Deteriorated since last period (was Green); Overdue: due 31/08/2017"),
        ("=SUM(A1)", "Red (milestones delayed)"),
        ("Deliver the Cost Improvement Programme", "Red (milestones delayed)"),
        ("Estates Redevelopment", "Overdue: Due 01/07/2017, not complete"),
        ("Estates Redevelopment", "No longer reported (was Amber in FY18 Q1)"),
        ("Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)",
         "No longer reported (was Green in FY18 Q1)"),
    ]
    # A row that comes from a finding alone has no RAG to show, not "No RAG".
    assert rows(book["Exceptions"])[3][4] is None


def test_exceptions_show_last_rag_of_what_is_no_longer_reported(book) -> None:
    ws = book["Exceptions"]
    gone = [(r[0].value, r[3].value, r[4].value, r[4].fill.fgColor.rgb, r[7].value)
            for r in ws.iter_rows(min_row=2) if str(r[0].value).startswith("No longer")]
    assert gone == [
        ("No longer reported (was Amber in FY18 Q1)", "Warneford site", "Amber", "FFFFB81C",
         "Business case with the estates group."),
        ("No longer reported (was Green in FY18 Q1)", None, "Green", "FF007F3B",
         "Partnership agreements renewed."),
    ]


def test_data_quality_worst_first(book: openpyxl.Workbook) -> None:
    table = [(r[0], r[1], r[3], r[5], r[6]) for r in rows(book["Data quality"])]
    assert table == [
        ("unknown-priority", "error", TRACKER, "A10", None),
        ("unreadable-file", "error", "broken.xlsx", None, None),
        ("missing-update", "warning", TRACKER, "D10", None),
        ("overdue", "warning", "estates.xlsx", "F9", "Transforming services"),
        ("text-truncated", "warning", TRACKER, "C7", "Transforming services"),
        ("formula-text", "info", TRACKER, "B7", "Transforming services"),
        ("sheet-skipped", "info", TRACKER, None, None),
    ]
    error = book["Data quality"]["B2"]
    assert error.fill.fgColor.rgb == "FFF6D4D1"


def test_matrix_by_directorate(book: openpyxl.Workbook) -> None:
    ws = book["Matrix"]
    header = [c.value for c in ws[1]]
    # Only the priorities the pack reports on: P3, P4, P6 and P7 have no items here.
    assert header == ["Directorate", "Joint endeavour", "Transforming services",
                      "High performing", "Unknown priority", "Total"]
    table = {r[0]: r[1:6] for r in rows(ws) if r[1] is not None}
    assert table == {
        "Finance": ("–", "–", "1 R, 1 B", "–", "1 R, 1 B"),
        "Nursing": ("1 A, 1 G", "–", "–", "–", "1 A, 1 G"),
        "Operations": ("–", "1 R", "–", "–", "1 R"),
        "(not given)": ("–", "–", "–", "1 no RAG", "1 no RAG"),
    }


def test_matrix_is_left_out_without_directorates(tmp_path: Path) -> None:
    # A lead x priority table in its place was rows of dashes: no matrix is better.
    target = tmp_path / "board.xlsx"
    render_workbook(make_view(directorates=False), target)
    names = openpyxl.load_workbook(target).sheetnames
    assert names == [n for n in TRUST_SHEETS if n != "Matrix"]


def test_register_keeps_tracker_columns_and_drops_unused_ones(tmp_path: Path) -> None:
    view = make_view()
    research = item("P6", "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)", "G", 41,
                    update="Individual theme meetings are commencing.", lead="BRC Manager",
                    project="Biomedical Research Centre (BRC)", workstream_matched=True,
                    extras=(("Comments", "Theme leads meet monthly"), ("Notes", "")))
    target = tmp_path / "board.xlsx"
    render_workbook(PackView(view.config, "board", "Trust Board", (research,), (), ()), target)
    ws = openpyxl.load_workbook(target)["Register"]
    assert [c.value for c in ws[1]] == [
        "Priority", "Workstream", "Project as the tracker names it", "RAG", "Lead",
        "Committee", "Progress update", "Comments", "Source"]
    assert [c.value for c in ws[3]][1:3] == [research.workstream,
                                              "Biomedical Research Centre (BRC)"]
    assert ws["H3"].value == "Theme leads meet monthly"


def test_sources(book: openpyxl.Workbook) -> None:
    table = [r[:3] + r[4:11] for r in rows(book["Sources"])]
    assert table == [
        ("broken.xlsx", "xlsx", "failed", "b" * 64, None, None, None, None, None, None),
        (TRACKER, "xlsx", "read", "a" * 64, "Progress", "read", 4, 7, 6, 1),
        (None, None, None, None, "Key", "skipped", None, 0, 0, 0),
    ]
    assert book["Sources"]["D2"].value == "not a spreadsheet"


def test_rag_key(book: openpyxl.Workbook) -> None:
    table = [r[:5] for r in rows(book["RAG key"], columns=6) if r[1] is not None]
    assert table[:4] == [
        ("R", "Red", "#D5281B", "Milestones delayed", "No"),
        ("A", "Amber", "#FFB81C", "Milestones at risk of delay", "No"),
        ("G", "Green", "#007F3B", "Milestones complete and/or on track", "No"),
        ("B", "Blue", "#005EB8", "Complete", "Yes: never overdue"),
    ]
    assert book["RAG key"]["B2"].fill.fgColor.rgb == "FFD5281B"


def test_committee_pack_carries_its_title(tmp_path: Path) -> None:
    target = tmp_path / "quality-committee.xlsx"
    render_workbook(make_view("quality-committee"), target)
    book = openpyxl.load_workbook(target)
    assert book["Dashboard"]["A2"].value == "Business Plan: Quality Committee"
    assert book["Register"].oddHeader.center.text == "&BBusiness Plan: Quality Committee"
    # Only the priorities the committee's items fall under, not seven rows of dashes.
    labels = [r[0] for r in book["Dashboard"].iter_rows(min_row=13, max_row=17, max_col=1,
                                                        values_only=True)]
    assert labels == ["Joint endeavour", "Transforming services", "High performing",
                      "Unknown priority", "Total"]


def test_same_view_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    render_workbook(make_view(), first)
    render_workbook(make_view(), second)
    assert first.read_bytes() == second.read_bytes()


def test_unwritable_target_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="could not be written"):
        render_workbook(make_view(), tmp_path / "no such folder" / "board.xlsx")


def test_thirty_thousand_rows_in_seconds(tmp_path: Path) -> None:
    view = make_view()
    many = tuple(
        item(f"P{n % 7 + 1}", f"Workstream {n % 40}", "RAGB"[n % 4], n + 2,
             update="Scoping complete; implementation of the model planned for Q3. " * (1 + n % 3),
             lead=f"Lead {n % 50}", directorate=f"Directorate {n % 9}",
             due=dt.date(2017, 1 + n % 12, 1) if n % 2 else None)
        for n in range(30_000)
    )
    big = PackView(view.config, "board", "Trust Board", many, view.findings, view.inputs)
    started = time.perf_counter()
    render_workbook(big, tmp_path / "big.xlsx")
    # About 4 s on a laptop; the bound catches work that grows faster than the rows.
    assert time.perf_counter() - started < 30


OPD = "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)"


@pytest.mark.parametrize(("text", "width", "scale", "lines"), [
    ("", 10, 1.0, 1),
    ("Green", 10, 1.0, 1),
    ("x" * 100, 58, 1.0, 2),  # one unbroken word breaks mid-word
    ("x" * 600, 58, 1.0, 10),  # long text: estimated from its length
    ("one\ntwo\nthree", 58, 1.0, 3),
    # The Register's bold workstream column, as LibreOffice wraps it (seen in the PDF).
    (OPD, 24, 0.92, 4),
    ("Deliver New Data Warehouse", 24, 0.92, 1),
    ("Deliver patient involvement and experience strategy", 24, 0.92, 3),
])
def test_text_lines(text: str, width: float, scale: float, lines: int) -> None:
    assert text_lines(text, width, scale) == lines


@pytest.mark.parametrize(("fill", "ink"), [
    ("#D5281B", "#FFFFFF"), ("#FFB81C", "#000000"), ("#007F3B", "#FFFFFF"),
    ("#005EB8", "#FFFFFF"), ("#FFFFFF", "#000000"),
])
def test_text_on(fill: str, ink: str) -> None:
    assert text_on(fill) == ink


@pytest.mark.parametrize(("cell", "order"), [
    ("B9", (9, 2)), ("B10", (10, 2)), ("AA3", (3, 27)), ("$C$4", (4, 3)), (None, (0, 0)),
])
def test_cell_order(cell: str | None, order: tuple[int, int]) -> None:
    assert cell_order(cell) == order


@pytest.fixture(scope="session")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test workbook converted by LibreOffice once: it must open and print."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("lo")
    source = folder / "board.xlsx"
    render_workbook(make_view(), source)
    subprocess.run(
        [soffice, "--headless", "-env:UserInstallation=file:///tmp/lo-wb-profile",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return folder / "board.pdf"


def test_libreoffice_prints_the_workbook(pdf: Path) -> None:
    assert pdf.exists()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(TRUST_SHEETS)
