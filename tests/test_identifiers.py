"""Patient identifiers: found without false alarms, and masked in every file a build writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, sample_config

from planreports.deliver.scan import file_identifiers
from planreports.identifiers import IdentifierScanner, mask_value

SEEDS = ROOT / "tests" / "fixtures" / "seeds"  # copies of ../shared/seeds, for a clean clone
HOSPITAL = ("hospital number", r"\bRHM\d{7}\b")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Patient 943 476 5919 seen in clinic", "Patient 943 *** **** seen in clinic"),
        ("ref 9434765919.", "ref 943*******."),
        ("943-476-5919", "943-***-****"),
        # Labelled: meant as an NHS number, whatever its check digit says.
        ("NHS no: 123 456 7890", "NHS no: 123 *** ****"),
        ("nhs number 1234567890", "nhs number 123*******"),
        ("CHI No 1234567890", "CHI No 123*******"),
        ("MRN: A1234567 escalated", "MRN: A12***** escalated"),
        ("hospital no. 00123456", "hospital no. 001*****"),
        ("PAS number RHM1234567", "PAS number RHM*******"),
        ("seen under RHM7654321 today", "seen under RHM******* today"),  # configured shape
    ],
)
def test_identifiers_are_masked_keeping_three_characters(text: str, masked: str) -> None:
    assert IdentifierScanner([HOSPITAL]).mask(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "Call 01865 901000 or 0300 123 1234; mobile 07700 900123; +44 1865 901000",
        "£1,234,567 saved; £12.5m CIP; budget 1234567890 (cost centre, invalid check digit)",
        "Due 30/09/2017, 2017-09-30, FY2019/20 Q3, 31st March 2019",
        "ODS code RNU; ticket INC0012345678; PO 4500123456789",
        "Hospital numbers reduced by 12% across 3 sites",  # a plural, no number after it
        "The 18-week RTT standard: 92% within 18 weeks for 1,234,567 pathways",
        "Reference QIPP-2018-19-001, version 1.2.3, 10000 staff, 2,500 beds",
    ],
)
def test_everyday_numbers_are_not_identifiers(text: str) -> None:
    assert IdentifierScanner([HOSPITAL]).find(text) == ()


def test_no_false_alarm_in_the_seed_papers() -> None:
    scanner = IdentifierScanner([HOSPITAL])
    hits = {
        seed.name: [seed.read_text("utf-8")[h.start:h.end] for h in scanner.find(
            seed.read_text("utf-8"))]
        for seed in sorted(SEEDS.glob("*.txt"))
    }
    assert len(hits) == 5
    assert hits == {name: [] for name in hits}


def test_mask_value_keeps_separators() -> None:
    assert mask_value("999 000 0018") == "999 *** ****"


# What the tracker holds, and the tails that must appear nowhere in any output.
PLANTED = {
    "update": "Patient 943 476 5919 was discharged to the ward.",
    "lead": "Head of PX (NHS no: 123 456 7890)",
    "comments": "MRN: RHM1234567 escalated to Datix",
    "priority": "9. Waiting list of 401 023 2137",
    "sheet": "Returns 9990000018",
    "configured": "Clinic list RHM7654321 reviewed.",
}
TAILS = ["4765919", "476 5919", "4567890", "456 7890", "1234567", "0232137", "023 2137",
         "0000018", "7654321"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("identifiers")
    config = sample_config() + (
        "privacy:\n  identifiers:\n    - name: hospital number\n"
        "      pattern: '\\bRHM\\d{7}\\b'\n"
    )
    (folder / "config.yaml").write_text(config, "utf-8")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = PLANTED["sheet"]
    ws.append(["Priority", "RAG", "Project Title", "Progress Update", "Lead", "Comments"])
    ws.append(["1.", "Green", "Deliver the carers strategy", PLANTED["update"], PLANTED["lead"],
               PLANTED["comments"]])
    ws.append([PLANTED["priority"], "Red", "Elective recovery", "Behind plan.", "COO", ""])
    ws.append(["2.", "Amber", "Perinatal mental health service", PLANTED["configured"],
               "Clinical Director", ""])
    wb.save(folder / "inputs" / "Ward returns.xlsx")
    done = subprocess.run(
        [sys.executable, "-m", "planreports", "build", "-c", str(folder / "config.yaml")],
        capture_output=True, text=True, timeout=300,
    )
    out = folder / "outputs"
    run = json.loads(next(out.glob("*/run.json")).read_text("utf-8"))
    return {"folder": folder, "out": out, "run": run, "cli": done}


def _texts_of(path: Path) -> list[tuple[str, str]]:
    """(part, text) for every part of a package, or the whole file."""
    if path.suffix in {".xlsx", ".pptx", ".docx"}:
        with zipfile.ZipFile(path) as z:
            return [(f"{path.name}:{n}", z.read(n).decode("utf-8", "replace"))
                    for n in z.namelist()]
    return [(path.name, path.read_bytes().decode("utf-8", "replace"))]


def test_no_output_holds_any_planted_identifier(built: dict) -> None:
    files = [p for p in built["out"].rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".xlsx", ".pptx", ".json", ".sqlite"}
    leaks = [
        (part, tail) for path in files for part, text in _texts_of(path) for tail in TAILS
        if tail in text
    ]
    assert leaks == []
    printed = built["cli"].stdout + built["cli"].stderr
    assert [t for t in TAILS if t in printed] == []


def test_every_workbook_and_deck_passes_the_send_scan(built: dict) -> None:
    scanner = IdentifierScanner([HOSPITAL])
    packages = sorted(built["out"].rglob("*.xlsx")) + sorted(built["out"].rglob("*.pptx"))
    assert len(packages) >= 6
    assert {p.name: file_identifiers(p, scanner) for p in packages} == {
        p.name: [] for p in packages
    }


def test_each_identifier_is_a_finding_at_its_tracker_cell(built: dict) -> None:
    found = sorted(
        (f["sheet"], f["cell"] or "") for f in built["run"]["findings"]
        if f["code"] == "patient-identifier"
    )
    sheet = "Returns 999*******"
    assert found == sorted([
        (sheet, "D2"), (sheet, "E2"), (sheet, "A2"),  # update, lead, the Comments row
        (sheet, "A3"), (sheet, "D4"),  # priority text; the configured hospital-number shape
        (sheet, ""),  # the sheet's own name
    ])
    masked = {i["update"] for i in built["run"]["items"] if i["source"]["sheet"] == sheet}
    assert "Patient 943 *** **** was discharged to the ward." in masked
    assert all(not p["emailable"] for p in built["run"]["packs"]
               if p["name"] in {"board", "quality-committee"})
