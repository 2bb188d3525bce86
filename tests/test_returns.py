"""Return templates: written per lead with their controls, filled in as a lead would, read back.

Q2 of the sample folder is built first so the Q3 returns show last period's RAG and update;
the filled returns, alone in a fresh inputs folder, must place every row by its hidden id.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, soffice_convert

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


@pytest.fixture(scope="session")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Q2 built, then the Q3 return templates written from it."""
    folder = tmp_path_factory.mktemp("returns") / "work"
    folder.mkdir()
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
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


def test_every_return_has_its_controls(returns: dict) -> None:
    config = returns["config"]
    for path in returns["paths"]:
        ws = _sheet(path)
        header = [c.value for c in ws[HEADER_ROW]]
        assert tuple(header) == HEADERS
        first, last = HEADER_ROW + 1, ws.max_row
        assert all(ws.cell(r, 9).value for r in range(first, last + 1))
        rules = {(dv.type, str(dv.sqref)): dv for dv in ws.data_validations.dataValidation}
        rag = rules[("list", _span("E", first, last))]
        assert rag.formula1 == '"' + ",".join(LABELS) + '"'
        assert (rag.showErrorMessage, rag.showInputMessage) == (True, True)
        assert rag.prompt.startswith("Red: Milestones delayed; Amber:")
        due = rules[("date", _span("H", first, last))]
        assert (due.operator, due.showErrorMessage) == ("greaterThan", True)
        assert ws.column_dimensions["I"].hidden
        assert ws["I" + str(HEADER_ROW)].value == ID_HEADER
        assert ws.protection.sheet
        for r in range(first, last + 1):
            locked = {c.column_letter: c.protection.locked for c in ws[r]}
            assert locked == {"A": True, "B": True, "C": True, "D": True, "E": False,
                              "F": False, "G": False, "H": False, "I": True}, (path.name, r)
        texts = [c.value for row in ws.iter_rows(max_row=HEADER_ROW - 1) for c in row if c.value]
        assert any(str(t).startswith("Fill in the white cells") for t in texts)
        assert "RAG key" in texts
        key = {ws.cell(r, 5).value: (ws.cell(r, 6).value, ws.cell(r, 5).fill.fgColor.rgb)
               for r in range(2, 2 + len(config.rag))}
        assert key == {s.label: (s.meaning, "FF" + s.colour.lstrip("#").upper())
                       for s in config.rag}


def test_returns_show_last_period_worst_rag_and_every_update(returns: dict) -> None:
    ws = _sheet(next(p for p in returns["paths"] if "Chief-Operating-Officer" in p.name))
    rows = {ws.cell(r, 2).value: (ws.cell(r, 3).value, ws.cell(r, 4).value)
            for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    pathway = "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)"
    rag, update = rows[pathway]
    assert rag == "Red"  # Q2: Green, Green, Green, Red: the worst is what a lead must see
    assert update.count("\n\n") == 3 and update.startswith("District Nursing Service")
    assert rows["Estates Redevelopment"][0] == "Green"


def _fill(path: Path, target: Path, *, blank_title: str | None = None) -> dict[str, tuple]:
    """Fill the return as a lead does; workstream -> (RAG label, update, due, cell)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Return"]
    filled = {}
    for i, r in enumerate(range(HEADER_ROW + 1, ws.max_row + 1)):
        title = ws.cell(r, 2).value
        if title == blank_title:
            filled[title] = (None, "", None, f"A{r}")
            continue
        label = LABELS[i % 3]
        update = f"Q3: {title} reviewed at the programme board."
        due = dt.datetime(2018, 3, 31)
        ws.cell(r, 5).value, ws.cell(r, 6).value, ws.cell(r, 8).value = label, update, due
        filled[title] = (label, update, due.date().isoformat(), f"A{r}")
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
    expected = {}
    for file, rows in round_trip["filled"].items():
        for title, (label, update, due, cell) in rows.items():
            expected[title] = (file, "Return", cell, label, update, due)
    got = {}
    for item in data["items"]:
        status = config.rag_status(item["rag"])
        got[item["workstream"]] = (item["source"]["file"], item["source"]["sheet"],
                                   item["source"]["cell"], status.label if status else None,
                                   item["update"], item["due"])
        assert (item["workstream_matched"], item["match_score"]) == (True, 100.0)
    assert got == expected
    # and the hidden id in the row each item came from names that very workstream
    ids = {stable_id(p, w): (p.id, w.title) for p in config.priorities for w in p.workstreams}
    inbox = returns["folder"] / "inputs-q3"
    sheets = {f: openpyxl.load_workbook(inbox / f)["Return"]
              for f in round_trip["filled"]}
    for item in data["items"]:
        row = int(item["source"]["cell"][1:])
        hidden = sheets[item["source"]["file"]].cell(row, 9).value
        assert ids[hidden] == (item["priority"], item["workstream"])


def test_returned_templates_need_no_fuzzy_matching(round_trip: dict) -> None:
    data = round_trip["manifest"]
    codes = {f["code"] for f in data["findings"]}
    assert not PLACEMENT_CODES & codes
    missing = sorted((f["priority"], f["workstream"]) for f in data["findings"]
                     if f["code"] == "missing-return")
    assert missing == [  # only the return that never came back
        ("P6", "Deliver Case Records Interactive Search"),
        ("P6", "Deliver effective Research Management Group"),
        ("P6", "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)"),
    ]
    blank_file = f"Return - {LEFT_BLANK[0]} - fy18-q3.xlsx"
    blank_cell = round_trip["filled"][blank_file][LEFT_BLANK[1]][3]
    row = blank_cell[1:]
    about_blank = sorted((f["code"], f["cell"]) for f in data["findings"]
                         if f["file"] == blank_file and f["code"].startswith("missing"))
    assert about_blank == [("missing-rag", f"E{row}"), ("missing-update", f"F{row}")]
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
    config = returns["folder"] / "config.yaml"
    out = tmp_path / "out"
    shutil.copytree(returns["folder"], out, ignore=shutil.ignore_patterns("inputs*"))
    (path,) = api.templates(out / "config.yaml", by="directorate", period=Q3[0], as_of=Q3[1])
    assert path.name == "Return - Unassigned - fy18-q3.xlsx"  # the sample names no directorates
    ws = _sheet(path)
    leads = {ws.cell(r, 7).value for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    plan = load_config(config)
    assert leads == {w.lead or p.lead for p in plan.priorities for w in p.workstreams}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_a_return(returns: dict, tmp_path_factory: pytest.TempPathFactory
                                    ) -> None:
    path = next(p for p in returns["paths"] if "Chief-Operating-Officer" in p.name)
    pdf = soffice_convert(path, tmp_path_factory.mktemp("returns-pdf"))
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "RAG key" in text and "Estates Redevelopment" in text
        assert ID_HEADER not in text  # the id column is hidden on paper too
