"""Every finding code planted in a real folder, raised exactly where planted and nowhere else."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, sample_config
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.styles import PatternFill

import planreports
from planreports.findings import CATALOGUE
from planreports.identifiers import IdentifierScanner, nhs_number_valid

HEADER = ["Priority", "RAG", "Project Title", "Progress Update", "Lead", "Due date"]
LONG_UPDATE = "The business case was approved by the board. " * 900  # ~40,000 characters

# (row, values, fill of the RAG cell, the findings this row must raise as (code, column))
PLANTED: list[tuple[int, list, str | None, list[tuple[str, str]]]] = [
    (2, ["1.", "Green", "Deliver the carers strategy", "On track.", "Head of PX",
         dt.datetime(2018, 3, 31)], None, [("conflicting-rag", "A")]),
    (3, ["9. Reduce waiting lists", "Red", "Elective recovery", "Behind.", "COO", None], None,
     [("unknown-priority", "A")]),
    (4, ["2.", "Green", "Perinatal mental health service", "Launched.", "Clinical Director",
         None], None, [("unmatched-workstream", "C")]),
    (5, ["3.", "Green", "Deliver Quality Account priority work", "Compiled.", "DDoN", None],
     None, [("weak-match", "C")]),
    (6, ["2.", "Amber", "Estates strategy", "Options drafted.", "Director of Estates", None],
     None, [("ambiguous-match", "C")]),
    (7, ["3.", "Purple", "Implement the recommendations from the Mazars review", "Done.",
         "Medical Director", None], None, [("invalid-rag", "B")]),
    (8, ["4.", None, "Deliver recruitment & flexible workforce management solutions",
         "Carter work continues.", "HR Director", None], None, [("missing-rag", "B")]),
    (9, ["4.", "Amber", "Deliver workforce strategy to attract and retain staff", None, "HRD",
         None], None, [("missing-update", "D")]),
    (10, ["5.", "Green", "Embed Patient-level costing and Service Line Reporting",
          "SLR launched.", "?", None], None, [("missing-lead", "E")]),
    (11, ["6.", "Amber", "Deliver Case Records Interactive Search", "CRIS is operational.",
          "Head of R&D", dt.datetime(2017, 8, 1)], None,
     [("overdue", "F"), ("rag-deteriorated", "A")]),
    (12, ["6.", "Green", "Deliver effective Research Management Group", "Good attendance.",
          "Head of R&D", "when the business case is approved"], None,
     [("unparsed-date", "F"), ("stale-update", "A")]),
    (13, ["7.", "Green", "Deliver New Data Warehouse", "Build is delayed by supplier issues.",
          "CIO", None], None, [("rag-text-mismatch", "B"), ("rag-improved", "A")]),
    (14, ["7.", "Green", "Reporting Presentation Layer", "Dashboards drafted.", "BI lead", None],
     "FFFF0000", [("rag-colour-mismatch", "B")]),
    (15, ["7.", None, "Enhance core IT infrastructure", "Office 365 rollout begun.",
          "Head of IT", None], "FF7030A0", [("unrecognised-colour", "B")]),
    (16, ["5.", "Red", "Deliver the Cost Improvement Programme", '=HYPERLINK("http://x")',
          "Director of Finance", None], None, [("formula-text", "D")]),
    (17, ["4.", "Green", "Deliver Leadership and Management Development pathways",
          "Patient 999 000 0018 was discussed at panel.", "Head of L&D", None], None,
     [("patient-identifier", "D")]),
    (18, ["5.", "Red", "Deliver the Cost Improvement Programme", '=HYPERLINK("http://x")',
          "Director of Finance", None], None, [("duplicate-item", "A")]),
]


def _workbook(path: Path, rows: list[tuple[int, list, str | None]], rag_key: bool = False) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Returns"
    ws.append(HEADER)
    for number, values, fill in rows:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(number, col, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text a lead typed, stored as text (as Excel's ' does)
        if fill:
            ws.cell(number, 2).fill = PatternFill("solid", fgColor=fill)
    if rag_key:
        key = wb.create_sheet("RAG Key")
        key.append(["RAG Key", "Meaning"])
        key.append(["Red", "Milestones delayed"])
    wb.save(path)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("planted")
    config = sample_config().replace(
        "      - title: Estates Redevelopment\n",
        "      - Estates strategy north\n      - Estates strategy south\n"
        "      - title: Estates Redevelopment\n",
    )
    (folder / "config.yaml").write_text(config, "utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates")
    # Last period: three rows whose RAG or update this period moves against.
    q1 = folder / "inputs-q1"
    q1.mkdir()
    _workbook(q1 / "q1.xlsx", [
        (2, ["6.", "Green", "Deliver Case Records Interactive Search", "CRIS live.", "R&D",
             None], None),
        (3, ["6.", "Green", "Deliver effective Research Management Group", "Good attendance.",
             "R&D", None], None),
        (4, ["7.", "Red", "Deliver New Data Warehouse", "Supplier late.", "CIO", None], None),
    ])
    planreports.build(folder / "config.yaml", inputs=q1, period="FY18 Q1",
                      as_of=dt.date(2017, 6, 30))
    inputs = folder / "inputs"
    inputs.mkdir()
    _workbook(inputs / "planted.xlsx", [(r, v, f) for r, v, f, _ in PLANTED], rag_key=True)
    _workbook(inputs / "conflict.xlsx", [
        (2, ["1.", "Red", "Deliver the carers strategy", "Launch slipped to Q3.", "Head of PX",
             None], None),
    ])
    # An xlsx cell cannot hold more than Excel's limit; a CSV field can, and is cut at that limit
    # when read, with a finding naming its cell.
    (inputs / "long.csv").write_text(
        "Priority,RAG,Project Title,Progress Update,Lead\n"
        f'3.,Green,Deliver Oxford Centre for Quality Improvement,"{LONG_UPDATE}",Head of QI\n',
        encoding="utf-8",
    )
    # A value typed at the foot of the grid, a million rows under the table: set aside.
    _workbook(inputs / "stray.xlsx", [])
    stray = openpyxl.load_workbook(inputs / "stray.xlsx")
    stray.active["C1048576"] = "checked by PMO"
    stray.save(inputs / "stray.xlsx")
    good = (inputs / "conflict.xlsx").read_bytes()
    (inputs / "broken.xlsx").write_bytes(good[: len(good) // 3])
    with (inputs / "conflict.xlsx").open("rb") as src, (inputs / "locked.xlsx").open("wb") as dst:
        OOXMLFile(src).encrypt("Password1", dst)
    run = planreports.build(folder / "config.yaml")
    manifest = json.loads((run.out_dir / "run.json").read_text("utf-8"))
    return {"run": run, "manifest": manifest, "config": run.config}


def test_each_planted_finding_is_raised_exactly_where_planted(planted: dict) -> None:
    got = sorted(
        (f["code"], f["file"], f["sheet"], f["cell"])
        for f in planted["manifest"]["findings"]
        if f["code"] != "missing-return"
    )
    expected = [
        (code, "planted.xlsx", "Returns", f"{column}{row}")
        for row, _values, _fill, codes in PLANTED
        for code, column in codes
    ]
    expected += [
        ("conflicting-rag", "conflict.xlsx", "Returns", "A2"),
        ("text-truncated", "long.csv", "long", "D2"),
        ("stray-cells", "stray.xlsx", "Returns", "C1048576"),
        ("unreadable-file", "broken.xlsx", None, None),
        ("encrypted-file", "locked.xlsx", None, None),
        ("sheet-skipped", "planted.xlsx", "RAG Key", None),
    ]
    assert got == sorted(expected)


def test_missing_returns_are_exactly_the_unreported_workstreams(planted: dict) -> None:
    config = planted["config"]
    reported = {(i["priority"], i["workstream"]) for i in planted["manifest"]["items"]
                if i["workstream_matched"]}
    expected = sorted((p.id, w.title) for p in config.priorities for w in p.workstreams
                      if (p.id, w.title) not in reported)
    got = sorted((f["priority"], f["workstream"]) for f in planted["manifest"]["findings"]
                 if f["code"] == "missing-return")
    assert got == expected
    assert ("P2", "Deliver new Learning Disability service (Adults)") in got


def test_every_code_in_the_catalogue_was_planted(planted: dict) -> None:
    raised = {f["code"] for f in planted["manifest"]["findings"]}
    # row-unaccounted is a fault, never planted; the organisation codes are planted in
    # test_organisations.py (they need a config with organisations).
    organisations = {"missing-organisation", "unknown-organisation", "unassigned-tracker",
                     "organisation-mismatch"}
    assert raised == set(CATALOGUE) - {"row-unaccounted"} - organisations


def test_nothing_lost_and_duplicates_counted_once(planted: dict) -> None:
    manifest = planted["manifest"]
    assert manifest["accounting"]["unaccounted"] == 0
    sheet = next(s for i in manifest["inputs"] if i["path"] == "planted.xlsx"
                 for s in i["sheets"] if s["name"] == "Returns")
    assert sheet["accounting"] == {"rows": 17, "item_rows": 16, "sections": 0,
                                   "named_by_findings": 1, "unaccounted": 0}
    cip = [i for i in manifest["items"] if i["workstream"] == "Deliver the Cost Improvement "
           "Programme"]
    assert len(cip) == 1


def test_unknown_priority_is_kept_with_priority_null(planted: dict) -> None:
    (item,) = [i for i in planted["manifest"]["items"] if i["workstream"] == "Elective recovery"]
    assert item["priority"] is None
    assert planted["manifest"]["counts"]["unknown"] == {"R": 1}


def test_patient_identifier_is_named_but_never_repeated_and_blocks_email(planted: dict) -> None:
    manifest = planted["manifest"]
    (f,) = [f for f in manifest["findings"] if f["code"] == "patient-identifier"]
    assert "999" not in f["message"] and "0018" not in f["message"]
    board = next(p for p in manifest["packs"] if p["name"] == "board")
    assert board["emailable"] is False
    assert board["blocked_reason"] == "patient-identifier in planted.xlsx!Returns!D17"


def test_counts_follow_from_items(planted: dict) -> None:
    manifest = planted["manifest"]
    counts: dict[str, dict[str, int]] = {}
    for item in manifest["items"]:
        by_rag = counts.setdefault(item["priority"] or "unknown", {})
        by_rag[item["rag"] or "none"] = by_rag.get(item["rag"] or "none", 0) + 1
    assert {k: v for k, v in manifest["counts"].items() if v} == counts


def test_strict_build_exits_1_but_writes_everything(planted: dict) -> None:
    run = planted["run"]
    assert run.errors  # unknown priority, invalid RAG, unreadable, encrypted, NHS number
    assert {o.kind for o in run.outputs} == {"xlsx", "pptx", "docx"}


@pytest.mark.parametrize(
    ("text", "valid"),
    [("9990000018", True), ("999 000 0018", True), ("999-000-0018", True),
     ("9990000017", False), ("4010232137", True), ("1234567890", False)],
)
def test_nhs_number_check_digit(text: str, valid: bool) -> None:
    assert nhs_number_valid(text.replace(" ", "").replace("-", "")) is valid
    assert IdentifierScanner().contains(f"Patient {text} seen") is valid


def test_a_refused_file_says_what_to_do_and_run_json_keeps_the_librarys_words(
    planted: dict,
) -> None:
    (broken,) = [i for i in planted["manifest"]["inputs"] if i["path"] == "broken.xlsx"]
    assert broken["status"] == "failed"
    assert broken["reason"].startswith("the file is damaged or incomplete")
    assert broken["detail"] == "BadZipFile: File is not a zip file"
    assert all("detail" in i for i in planted["manifest"]["inputs"])
