"""Return templates: written per lead with their controls, filled in as a lead would, read back.

Q2 of the sample folder is built first so the Q3 returns show last period's RAG and update;
the filled returns, alone in a fresh inputs folder, must place every row by its hidden id.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import ROOT, copy_config, soffice_convert

import planreports
from planreports import api
from planreports.config import load_config
from planreports.reconcile.match import stable_id
from planreports.returns import HEADERS, ID_HEADER

Q3 = ("FY18 Q3", dt.date(2017, 12, 31))
HEADER_ROW = 7  # 1-based: title rows and the RAG key above it
LABELS = ("Red", "Amber", "Green", "Blue")
NOT_RETURNED = "Director-of-Research"  # this lead never sends the return back
LEFT_BLANK = ("Director-of-HR", "Deliver Leadership and Management Development pathways")
PLACEMENT_CODES = {"unmatched-workstream", "weak-match", "ambiguous-match", "unknown-priority"}
# Columns, 1-based, as a lead sees them
(PRIORITY, TITLE, ITEM, LAST_RAG, LAST_UPDATE, RAG, UPDATE, LEAD, DUE, ID) = range(1, 11)
SPARE = 5
INFRA = "Enhance core IT infrastructure"
# Q2's sub-items: an IT tracker whose next steps each have their own lead (BNSSG's layout)
NEXT_STEPS = (
    "Priority,Project,Next steps,RAG,Progress update,Lead\n"
    f"P7,{INFRA},Replace the core network switches,Amber,Two of five sites done,"
    "Network Manager\n"
    f"P7,{INFRA},Move email to NHSmail,Green,Migration booked for November,Head of IT Services\n"
)


@pytest.fixture(scope="session")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Q2 built (the sample and an IT tracker with next steps), then Q3's returns from it."""
    folder = tmp_path_factory.mktemp("returns") / "work"
    folder.mkdir()
    copy_config(folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "inputs" / "IT next steps - FY18 Q2.csv").write_text(NEXT_STEPS, "utf-8")
    q2 = planreports.build(folder / "config.yaml", pack="board")
    paths = api.templates(folder / "config.yaml", period=Q3[0], as_of=Q3[1])
    return {"folder": folder, "q2": q2, "paths": paths,
            "config": load_config(folder / "config.yaml")}


def _lead_slug(lead: str) -> str:
    return lead.replace(" ", "-")


def test_one_return_per_lead_in_the_period_returns_folder(returns: dict) -> None:
    config = returns["config"]
    leads = {w.lead or p.lead for p in config.priorities for w in p.workstreams}
    folder = returns["folder"] / "outputs" / "fy18-q3" / "returns"
    assert sorted(returns["paths"]) == sorted(
        folder / f"Return - {_lead_slug(lead)} - fy18-q3.xlsx" for lead in leads
    )


def _sheet(path: Path):  # noqa: ANN202
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Return"]
    return wb["Return"]


def _span(column: str, first: int, last: int) -> str:
    return f"{column}{first}" if first == last else f"{column}{first}:{column}{last}"


def _rows(ws) -> list[int]:  # noqa: ANN001
    """The sheet rows that hold last period's rows (not the spare white rows under them)."""
    return [r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, TITLE).value]


def test_every_return_has_its_controls(returns: dict) -> None:
    config = returns["config"]
    for path in returns["paths"]:
        ws = _sheet(path)
        header = [c.value for c in ws[HEADER_ROW]]
        assert tuple(header) == HEADERS
        first, last = HEADER_ROW + 1, ws.max_row
        rows = _rows(ws)
        assert rows == list(range(first, last - SPARE + 1)), path.name
        rules = {(dv.type, str(dv.sqref)): dv for dv in ws.data_validations.dataValidation}
        rag = rules[("list", _span("F", first, last))]
        assert rag.formula1 == '"' + ",".join(LABELS) + '"'
        assert (rag.showErrorMessage, rag.showInputMessage) == (True, True)
        assert rag.prompt.startswith("Red: Milestones delayed; Amber:")
        due = rules[("date", _span("I", first, last))]
        assert (due.operator, due.showErrorMessage) == ("greaterThan", True)
        assert ws.column_dimensions["J"].hidden
        assert ws["J" + str(HEADER_ROW)].value == ID_HEADER
        assert ws.protection.sheet
        assert ws.protection.insertRows is False  # inserting rows is allowed
        for r in rows:
            locked = {c.column_letter: c.protection.locked for c in ws[r]}
            assert locked == {"A": True, "B": True, "C": True, "D": True, "E": True,
                              "F": False, "G": False, "H": False, "I": False, "J": True}, r
        for r in range(last - SPARE + 1, last + 1):  # white rows a new project is typed in
            locked = {c.column_letter: c.protection.locked for c in ws[r]}
            assert locked == {"A": False, "B": False, "C": False, "D": True, "E": True,
                              "F": False, "G": False, "H": False, "I": False, "J": True}, r
        texts = [c.value for row in ws.iter_rows(max_row=HEADER_ROW - 1) for c in row if c.value]
        assert any(str(t).startswith("Fill in the white cells") for t in texts)
        assert "RAG key" in texts
        key = {ws.cell(r, RAG).value: (ws.cell(r, UPDATE).value, ws.cell(r, RAG).fill.fgColor.rgb)
               for r in range(2, 2 + len(config.rag))}
        assert key == {s.label: (s.meaning, "FF" + s.colour.lstrip("#").upper())
                       for s in config.rag}
        assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)


def _returned(ws, r: int) -> tuple:  # noqa: ANN001
    return tuple(ws.cell(r, c).value or "" for c in (TITLE, ITEM, LEAD, LAST_RAG, LAST_UPDATE))


def test_each_lead_gets_the_rows_they_returned_last_period(returns: dict) -> None:
    """The COO's directorate returned eleven rows with eight named leads: eleven rows come back,
    each with its own lead, RAG and update (not one row per workstream with the executive)."""
    q2 = returns["q2"]
    ws = _sheet(next(p for p in returns["paths"] if "Chief-Operating-Officer" in p.name))
    got = [_returned(ws, r) for r in _rows(ws)]
    labels = {s.key: s.label for s in returns["config"].rag}
    expected = [(i.workstream, i.item, i.lead, labels[i.rag], i.update)
                for i in q2.items if i.priority == "P2"]
    assert len(got) == 11 and sorted(got) == sorted(expected)
    pathway = [g for g in got if g[0].startswith("Deliver Oxfordshire Community Pathway")]
    assert [g[3] for g in pathway] == ["Green", "Green", "Green", "Red"]
    assert len({g[2] for g in pathway}) == 3  # three named leads, one of them twice


def test_sub_items_and_their_leads_come_back_too(returns: dict) -> None:
    ws = _sheet(next(p for p in returns["paths"] if "Chief-Information-Officer" in p.name))
    infra = [_returned(ws, r)[1:4] for r in _rows(ws) if ws.cell(r, TITLE).value == INFRA]
    assert infra == [  # the row without a sub-item first: the reader gives a blank item the
        ("", "Head of IT Infrastructure", "Green"),  # item above it
        ("Replace the core network switches", "Network Manager", "Amber"),
        ("Move email to NHSmail", "Head of IT Services", "Green"),
    ]


def test_a_workstream_no_one_returned_gets_one_row_from_config(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    copy_config(folder / "config.yaml")
    written = api.templates(folder / "config.yaml")
    assert written.last_period is None and "no period before FY18 Q2" in written.note
    ws = _sheet(next(p for p in written if "Chief-Operating-Officer" in p.name))
    got = [_returned(ws, r) for r in _rows(ws)]
    config = load_config(folder / "config.yaml")
    p2 = config.priority("P2")
    assert got == [(w.title, "", w.lead or p2.lead, "", "") for w in p2.workstreams]


NEW_PROJECT = ("P7", "Deliver the cyber security programme", "Green", "Penetration test booked")


def _fill(path: Path, target: Path, *, blank_title: str | None = None) -> dict[str, tuple]:
    """Fill the return as a lead does; cell -> (title, item, RAG label, update, due).

    The CIO also types a project that is new this period into the first white row."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Return"]
    filled = {}
    rows = _rows(ws)
    for i, r in enumerate(rows):
        title, item = ws.cell(r, TITLE).value, ws.cell(r, ITEM).value or ""
        if title == blank_title:
            filled[f"A{r}"] = (title, item, None, "", None)
            continue
        label = LABELS[i % 3]
        update = f"Q3: {title} {item} (row {r}) reviewed at the programme board."
        due = dt.datetime(2018, 3, 31)
        ws.cell(r, RAG).value, ws.cell(r, UPDATE).value, ws.cell(r, DUE).value = (
            label, update, due)
        filled[f"A{r}"] = (title, item, label, update, due.date().isoformat())
    if "Chief-Information-Officer" in path.name:
        r = rows[-1] + 1
        pid, title, label, update = NEW_PROJECT
        for column, value in ((PRIORITY, pid), (TITLE, title), (RAG, label), (UPDATE, update),
                              (LEAD, "Head of Cyber Security")):
            ws.cell(r, column).value = value
        filled[f"A{r}"] = (title, "", label, update, None)
    wb.save(target)
    return filled


@pytest.fixture(scope="session")
def round_trip(returns: dict) -> dict:
    """The returns filled in (all but one lead's), dropped into a fresh inputs folder, built."""
    folder = returns["folder"]
    inbox = folder / "inputs-q3"
    inbox.mkdir()
    filled: dict[str, dict[str, tuple]] = {}
    for path in returns["paths"]:
        if NOT_RETURNED in path.name:
            continue
        blank = LEFT_BLANK[1] if LEFT_BLANK[0] in path.name else None
        filled[path.name] = _fill(path, inbox / path.name, blank_title=blank)
    run = planreports.build(folder / "config.yaml", inputs=inbox, period=Q3[0], as_of=Q3[1],
                            pack="board")
    data = json.loads((folder / "outputs" / "fy18-q3" / "run.json").read_text("utf-8"))
    return {"run": run, "manifest": data, "filled": filled}


def test_returned_templates_place_every_row_by_its_id(returns: dict, round_trip: dict) -> None:
    config, data = returns["config"], round_trip["manifest"]
    expected = {(file, cell): values for file, rows in round_trip["filled"].items()
                for cell, values in rows.items()}
    got = {}
    for item in data["items"]:
        status = config.rag_status(item["rag"])
        got[(item["source"]["file"], item["source"]["cell"])] = (
            item["workstream"], item["item"], status.label if status else None, item["update"],
            item["due"])
        if item["workstream"] != NEW_PROJECT[1]:
            assert (item["workstream_matched"], item["match_score"]) == (True, 100.0)
    assert got == expected
    # and the hidden id in the row each item came from names that very workstream
    ids = {stable_id(p, w): (p.id, w.title) for p in config.priorities for w in p.workstreams}
    inbox = returns["folder"] / "inputs-q3"
    sheets = {f: openpyxl.load_workbook(inbox / f)["Return"]
              for f in round_trip["filled"]}
    for item in data["items"]:
        row = int(item["source"]["cell"][1:])
        hidden = sheets[item["source"]["file"]].cell(row, ID).value
        if item["workstream"] == NEW_PROJECT[1]:
            assert hidden is None
        else:
            assert ids[hidden] == (item["priority"], item["workstream"])


def test_every_returned_row_pairs_with_last_period_and_the_new_one_is_new(
    round_trip: dict,
) -> None:
    trends = {(i["workstream"], i["item"]): (i["previous_rag"] is not None, i["trend"])
              for i in round_trip["manifest"]["items"]}
    assert trends.pop((NEW_PROJECT[1], "")) == (False, "new")
    assert trends[(INFRA, "Replace the core network switches")][0]
    assert all(paired for paired, _ in trends.values()), trends
    new = [i for i in round_trip["manifest"]["items"] if i["workstream"] == NEW_PROJECT[1]]
    assert [(i["priority"], i["lead"]) for i in new] == [("P7", "Head of Cyber Security")]


def test_returned_templates_need_no_fuzzy_matching(round_trip: dict) -> None:
    data = round_trip["manifest"]
    placement = [(f["code"], f["workstream"]) for f in data["findings"]
                 if f["code"] in PLACEMENT_CODES]
    assert placement == [("unmatched-workstream", NEW_PROJECT[1])]  # the new one, rightly
    missing = sorted((f["priority"], f["workstream"]) for f in data["findings"]
                     if f["code"] == "missing-return")
    assert missing == [  # only the return that never came back
        ("P6", "Deliver Case Records Interactive Search"),
        ("P6", "Deliver effective Research Management Group"),
        ("P6", "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)"),
    ]
    blank_file = f"Return - {LEFT_BLANK[0]} - fy18-q3.xlsx"
    (blank_cell,) = [c for c, v in round_trip["filled"][blank_file].items()
                     if v[0] == LEFT_BLANK[1]]
    row = blank_cell[1:]
    about_blank = sorted((f["code"], f["cell"]) for f in data["findings"]
                         if f["file"] == blank_file and f["code"].startswith("missing"))
    assert about_blank == [("missing-rag", f"F{row}"), ("missing-update", f"G{row}")]
    sheet = data["inputs"][0]["sheets"][0]
    assert (sheet["header_row"], sheet["sections"]) == (HEADER_ROW, 0)


def test_last_period_columns_are_kept_as_extras_not_read_as_this_period(
    round_trip: dict,
) -> None:
    (item,) = [i for i in round_trip["manifest"]["items"]
               if i["workstream"] == "Deliver New Data Warehouse"]
    assert item["extras"]["Last RAG"] == "Green"
    assert item["extras"]["Last update"].startswith("The third party tool")
    assert item["update"].startswith("Q3: Deliver New Data Warehouse")
    assert item["previous_rag"] == "G"  # paired with Q2's row by the workstream's stable id


def test_templates_by_directorate_keep_the_lead_column_for_leads(
    returns: dict, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(returns["folder"], out, ignore=shutil.ignore_patterns("inputs*"))
    (path,) = api.templates(out / "config.yaml", by="directorate", period=Q3[0], as_of=Q3[1])
    assert path.name == "Return - Unassigned - fy18-q3.xlsx"  # the sample names no directorates
    ws = _sheet(path)
    leads = {ws.cell(r, LEAD).value for r in _rows(ws)}
    assert leads == {i.lead for i in returns["q2"].items}  # the leads named last period


def _words(pdf: Path) -> list[list[tuple[str, float, float, float]]]:
    """Per page, (word, width pt, height pt, page width pt) as poppler lays the PDF out."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = [(html.unescape(m.group(5)), float(m.group(3)) - float(m.group(1)),
                  float(m.group(4)) - float(m.group(2)), float(page.group(1)))
                 for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                      r'yMax="([\d.]+)">([^<]*)</word>', page.group(3))]
        pages.append(words)
    return pages


@pytest.fixture(scope="session")
def printed(returns: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The COO's return as LibreOffice prints it, beside a reference: 9 pt text at full size."""
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice and poppler-utils are needed to print a return")
    out = tmp_path_factory.mktemp("returns-pdf")
    reference = out / "reference.xlsx"
    wb = xlsxwriter.Workbook(str(reference))
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "Reference", wb.add_format({"font_size": 9, "font_name": "Calibri"}))
    ws.set_landscape()
    ws.set_paper(9)
    wb.close()
    path = next(p for p in returns["paths"] if "Chief-Operating-Officer" in p.name)
    return {"pdf": _words(soffice_convert(path, out)),
            "reference": _words(soffice_convert(reference, out))}


def test_a_return_prints_at_nine_points_or_more_across_a4_landscape(printed: dict) -> None:
    (ref,) = [w for w in printed["reference"][0] if w[0] == "Reference"]
    pages = printed["pdf"]
    assert len(pages) >= 2  # eleven rows with last period's updates: as many pages as needed
    for words in pages:
        assert words[0][3] == pytest.approx(841.9, abs=1)  # A4 landscape, 297 mm wide
        texts = [w[0] for w in words]
        # one page wide: every column's header on every page (the header row repeats)
        for header in ("Priority", "Project", "Item", "Last", "RAG", "Progress", "Lead",
                       "Due"):
            assert header in texts
        assert ID_HEADER.split()[0] not in texts  # the id column is hidden on paper too
        # no text on the page, footer included, is smaller than 9-point text at full size
        smallest = min(words, key=lambda w: w[2])
        assert smallest[2] >= ref[2] * 0.99, (smallest, ref)
    text = " ".join(w[0] for page in pages for w in page)
    assert "RAG key" in text and "Estates Redevelopment" in text
