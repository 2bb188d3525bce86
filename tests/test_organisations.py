"""A system's plan: the same trackers from several organisations, reconciled per organisation.

The region folder is the sample's own trackers copied into three members' folders, a fourth
member that sent nothing, a shared tracker whose Organisation column names the member of each
row, and one tracker nobody claims. Each member's counts must equal the sample's (it is the
same trackers), nothing may be a duplicate or conflict across members, and every view (run.json,
the workbook's Organisations sheet, the deck's matrix slide, a member's own pack) must agree.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, sample_config, soffice_convert_many
from pptx import Presentation

import planreports
from planreports.config import Organisation, load_config
from planreports.errors import ConfigError
from planreports.findings import CATALOGUE
from planreports.reconcile.organisations import OrganisationFinder
from planreports.render.org_matrix import Cell, counts_text, risk_score, shade, tint

MEMBERS = {"NBT": "nbt", "UHBW": "uhbw", "SIRONA": "sirona"}
ORGANISATIONS = """organisation: Bristol, North Somerset and South Gloucestershire
organisations:
  - id: NBT
    name: North Bristol NHS Trust
    folder: nbt
  - id: UHBW
    name: University Hospitals Bristol and Weston NHS Foundation Trust
    aliases: [UH Bristol]
    folder: uhbw
  - id: SIRONA
    name: Sirona care & health
    folder: sirona
  - id: AWP
    name: Avon and Wiltshire Mental Health Partnership NHS Trust
    folder: awp
"""
MEMBER_PACK = """  - name: nbt
    title: North Bristol NHS Trust
    organisations: [NBT]
  - name: pmo
"""
SHARED = [  # the shared tracker: (organisation as written, priority, project, RAG)
    ("North Bristol", "7.", "Deliver New Data Warehouse", "Red"),
    ("UH Bristol", "7.", "Deliver New Data Warehouse", "Green"),
    ("Weston General Hospital", "7.", "Deliver New Data Warehouse", "Amber"),
]


def _tracker(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Returns"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)


def _region_folder(folder: Path) -> Path:
    config = sample_config().replace("organisation: Oxford Health NHS Foundation Trust\n",
                                     ORGANISATIONS)
    config = config.replace("  - name: pmo\n", MEMBER_PACK)
    (folder / "config.yaml").write_text(config, "utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates")
    for sub in MEMBERS.values():
        shutil.copytree(ROOT / "inputs", folder / "inputs" / sub)
    (folder / "inputs" / "awp").mkdir()
    (folder / "inputs" / "shared").mkdir()
    header = ("Organisation", "Priority", "Project Title", "RAG", "Progress Update", "Lead")
    _tracker(folder / "inputs" / "shared" / "informatics system return.xlsx",
             [(*row, f"Shared update {n}.", "CIO") for n, row in enumerate(SHARED)], header)
    # Filed in North Bristol's folder, but its row says Sirona's: the row wins, and says so.
    _tracker(folder / "inputs" / "nbt" / "community.xlsx",
             [("Sirona care and health", "2.", "New Care Models", "Amber", "Hubs open.", "COO")],
             header)
    # Nobody's folder, no Organisation column.
    _tracker(folder / "inputs" / "stray return.xlsx",
             [("4.", "Deliver workforce strategy to attract and retain staff", "Green",
               "Stray update.", "HRD")],
             ("Priority", "Project Title", "RAG", "Progress Update", "Lead"))
    return folder


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory, built: dict) -> dict:
    folder = _region_folder(tmp_path_factory.mktemp("region"))
    run = planreports.build(folder / "config.yaml")
    out = run.out_dir
    manifest = json.loads((out / "run.json").read_text("utf-8"))
    pdfs: dict[str, Path] = {}
    if shutil.which("soffice"):
        pdf_dir = folder / "pdf"
        pdf_dir.mkdir()
        deck = pdf_dir / "board.pptx"
        book = pdf_dir / "board-workbook.xlsx"
        shutil.copy(out / "board.pptx", deck)
        shutil.copy(out / "board.xlsx", book)
        pdfs = dict(zip(("deck", "workbook"), soffice_convert_many([deck, book], pdf_dir),
                        strict=True))
    sample = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    return {"run": run, "manifest": manifest, "out": out, "pdfs": pdfs, "sample": sample}


def _counts(items: list[dict]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for item in items:
        out.setdefault(item["organisation"], Counter())[(item["priority"], item["rag"])] += 1
    return out


def _sample_counts(sample: dict) -> Counter:
    return Counter((i["priority"], i["rag"]) for i in sample["items"])


# --- each member's figures --------------------------------------------------------------------

def test_each_member_counts_exactly_its_own_trackers(region: dict) -> None:
    by_org = _counts(region["manifest"]["items"])
    same = _sample_counts(region["sample"])
    assert by_org["UHBW"] == same + Counter({("P7", "G"): 1})
    assert by_org["SIRONA"] == same + Counter({("P2", "A"): 1})
    assert by_org["NBT"] == same + Counter({("P7", "R"): 1})
    assert by_org[None] == Counter({("P7", "A"): 1, ("P4", "G"): 1})
    assert "AWP" not in by_org
    summary = {o["id"]: o for o in region["manifest"]["organisations"]}
    assert summary["NBT"]["items"] == sum(by_org["NBT"].values())
    assert summary["AWP"]["items"] == 0
    assert summary["NBT"]["counts"]["P7"]["R"] == by_org["NBT"][("P7", "R")]


def test_copies_across_members_are_neither_duplicates_nor_conflicts(region: dict) -> None:
    findings = region["manifest"]["findings"]
    sample = Counter(f["code"] for f in region["sample"]["findings"])
    assert sample["duplicate-item"] == sample["conflicting-rag"] == 0
    assert not [f for f in findings if f["code"] == "duplicate-item"]
    # The only conflicts are the two planted within one member: North Bristol's shared row
    # says Red where its own tracker says Green; Sirona's row filed under North Bristol says
    # Amber where Sirona's own says Green. UH Bristol's shared row agrees with its own.
    conflicts = {(f["organisation"], f["workstream"]) for f in findings
                 if f["code"] == "conflicting-rag"}
    assert conflicts == {("NBT", "Deliver New Data Warehouse"), ("SIRONA", "New Care Models")}


def test_missing_returns_are_per_member_and_one_finding_for_a_silent_member(region: dict) -> None:
    manifest = region["manifest"]
    missing = [f for f in manifest["findings"] if f["code"] == "missing-return"]
    sample_missing = {(f["priority"], f["workstream"]) for f in region["sample"]["findings"]
                      if f["code"] == "missing-return"}
    reported = {(i["organisation"], i["priority"], i["workstream"]) for i in manifest["items"]
                if i["workstream_matched"]}
    for oid in MEMBERS:
        got = {(f["priority"], f["workstream"]) for f in missing if f["organisation"] == oid}
        assert got == {k for k in sample_missing if (oid, *k) not in reported}
    silent = [f for f in manifest["findings"] if f["organisation"] == "AWP"]
    assert [f["code"] for f in silent] == ["missing-organisation"]
    assert "inputs/awp/" in silent[0]["message"]


def test_whose_row_is_said_where_it_is_unclear(region: dict) -> None:
    found = {(f["code"], f["file"], f["cell"]) for f in region["manifest"]["findings"]
             if f["code"] in {"unknown-organisation", "organisation-mismatch",
                              "unassigned-tracker"}}
    assert found == {
        ("unknown-organisation", "shared/informatics system return.xlsx", "A4"),
        ("unassigned-tracker", "shared/informatics system return.xlsx", None),
        ("organisation-mismatch", "nbt/community.xlsx", "A2"),
        ("unassigned-tracker", "stray return.xlsx", None),
    }


def test_every_organisation_code_in_the_catalogue_is_planted(region: dict) -> None:
    raised = {f["code"] for f in region["manifest"]["findings"]}
    assert {c for c in CATALOGUE if "organisation" in c or c == "unassigned-tracker"} <= raised


def test_a_members_pack_holds_only_its_own(region: dict) -> None:
    packs = {p["name"]: p for p in region["manifest"]["packs"]}
    by_org = _counts(region["manifest"]["items"])
    assert packs["nbt"]["organisations"] == ["NBT"]
    assert packs["nbt"]["items"] == sum(by_org["NBT"].values())
    view = next(p.view for p in region["run"].packs if p.view.name == "nbt")
    assert {i.organisation for i in view.items} == {"NBT"}
    assert {f.organisation for f in view.findings} <= {"NBT", None}
    assert all(f.code != "missing-organisation" for f in view.findings)
    # ...and no roll-up matrix: there is nothing to compare it with.
    names = openpyxl.load_workbook(region["out"] / "nbt.xlsx", read_only=True).sheetnames
    assert "Organisations" not in names
    assert "Organisations" in openpyxl.load_workbook(region["out"] / "board.xlsx",
                                                     read_only=True).sheetnames


def test_the_workbook_matrix_is_run_jsons_counts(region: dict) -> None:
    by_org = _counts(region["manifest"]["items"])
    config = region["run"].config
    ws = openpyxl.load_workbook(region["out"] / "board.xlsx")["Organisations"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Organisation" and header[-1] == "All priorities"
    names = {o.name: o.id for o in config.organisations}
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2, max_row=7)}
    assert set(rows) == {*names, "(no organisation)", "All organisations"}
    labels = {p.label: p.id for p in config.priorities}
    for name, oid in names.items():
        for col, title in enumerate(header[1:-1], start=1):
            pid = labels[title]
            cell = Cell({rag: n for (p, rag), n in by_org.get(oid, Counter()).items()
                         if p == pid})
            assert rows[name][col].value == counts_text(cell, config.rag), (name, title)
    assert rows[names and "Avon and Wiltshire Mental Health Partnership NHS Trust"][-1].value \
        == "no return"
    # The scores below sit under Excel's own colour scale.
    assert any(cf.rules[0].type == "colorScale" for cf in ws.conditional_formatting)


def test_the_deck_shows_the_matrix_once_with_the_same_counts(region: dict) -> None:
    prs = Presentation(str(region["out"] / "board.pptx"))
    slides = [s for s in prs.slides if s.shapes.title.text == "Where each organisation stands"]
    assert len(slides) == 1
    table = next(s.table for s in slides[0].shapes if s.has_table)
    rows = [[c.text for c in r.cells] for r in table.rows]
    ws = openpyxl.load_workbook(region["out"] / "board.xlsx")["Organisations"]
    sheet = {r[0].value: [c.value for c in r[1:]] for r in ws.iter_rows(min_row=2, max_row=7)}
    for row in rows[1:]:
        assert row[1:] == sheet[row[0]]
    assert len(rows) - 1 == len(region["run"].config.organisations) + 1  # and the unclaimed
    member = Presentation(str(region["out"] / "nbt.pptx"))
    assert all(s.shapes.title.text != "Where each organisation stands" for s in member.slides)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_prints_the_matrix_slide_and_sheet(region: dict) -> None:
    import subprocess

    for kind in ("deck", "workbook"):
        text = subprocess.run(["pdftotext", "-layout", str(region["pdfs"][kind]), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "North Bristol NHS Trust" in text and "no return" in text, kind
        # The system's totals: a row of the sheet; on the slides, the summary's chart.
        assert ("All organisations" in text) == (kind == "workbook"), kind


def test_a_single_trust_has_no_organisation_anywhere(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    assert manifest["organisations"] == []
    assert {i["organisation"] for i in manifest["items"]} == {None}
    assert "Organisations" not in openpyxl.load_workbook(built["out_dir"] / "board.xlsx",
                                                         read_only=True).sheetnames


# --- the pure parts ---------------------------------------------------------------------------

ORGS = (
    Organisation(id="NBT", name="North Bristol NHS Trust", folder="nbt"),
    Organisation(id="UHBW", name="University Hospitals Bristol and Weston NHS Foundation Trust",
                 aliases=("UH Bristol",), pattern="uhbw-*.xlsx"),
    Organisation(id="BCC", name="Bristol City Council"),
)


@pytest.mark.parametrize(("text", "expected"), [
    ("NBT", "NBT"),
    ("north bristol", "NBT"),
    ("NORTH BRISTOL NHS TRUST", "NBT"),
    ("North Bristol NHS Trust.", "NBT"),
    ("UH Bristol", "UHBW"),
    ("University Hospitals Bristol & Weston NHS FT", "UHBW"),
    ("Bristol City Council", "BCC"),
    ("Bristol", None),  # three members have Bristol in their name: none is chosen
    ("NHS Trust", None),
    ("Weston General Hospital", None),
    ("", None),
])
def test_an_organisation_column_names_a_member(text: str, expected: str | None) -> None:
    assert OrganisationFinder(ORGS).named(text) == expected


@pytest.mark.parametrize(("path", "expected"), [
    ("nbt/finance.xlsx", ("NBT", "folder")),
    ("NBT/sub/finance.xlsx", ("NBT", "folder")),
    ("nbtx/finance.xlsx", (None, "none")),
    ("uhbw-q2.xlsx", ("UHBW", "pattern")),
    ("returns/uhbw-q2.xlsx", ("UHBW", "pattern")),
    ("finance.xlsx", (None, "none")),
])
def test_a_tracker_is_filed_under_its_folder_or_pattern(path: str, expected: tuple) -> None:
    placed = OrganisationFinder(ORGS).filed(path)
    assert (placed.organisation, placed.how) == expected


def test_one_configured_organisation_claims_every_tracker() -> None:
    placed = OrganisationFinder(ORGS[:1]).filed("anything.xlsx")
    assert (placed.organisation, placed.how) == ("NBT", "only")


def test_the_risk_score_runs_from_all_green_to_all_red(built: dict) -> None:
    rag = built["run"].config.rag  # R, A, G open; B complete
    assert risk_score(Cell({"R": 3}), rag) == 100
    assert risk_score(Cell({"G": 2, "B": 5}), rag) == 0
    assert risk_score(Cell({"A": 2}), rag) == 50
    assert risk_score(Cell({"R": 1, "G": 1}), rag) == 50
    assert risk_score(Cell({None: 4}), rag) is None
    assert shade(0, rag) == tint("#007F3B") and shade(100, rag) == tint("#D5281B")
    assert shade(50, rag) == tint("#FFB81C")
    assert counts_text(Cell({"G": 5, "R": 3, None: 1}), rag) == "3R 5G 1 no RAG"


def test_a_pack_naming_an_unknown_organisation_is_refused(tmp_path: Path) -> None:
    config = (ROOT / "config.yaml").read_text("utf-8").replace(
        "organisation: Oxford Health NHS Foundation Trust\n", ORGANISATIONS).replace(
        "    committees: [Quality]\n", "    committees: [Quality]\n    organisations: [OUH]\n", 1)
    (tmp_path / "config.yaml").write_text(config, "utf-8")
    with pytest.raises(ConfigError, match=r"line \d+: packs\[1\]\.organisations\[0\]: unknown "
                                          r"organisation 'OUH'"):
        load_config(tmp_path / "config.yaml")


def test_one_name_for_two_members_is_refused(tmp_path: Path) -> None:
    config = (ROOT / "config.yaml").read_text("utf-8").replace(
        "organisation: Oxford Health NHS Foundation Trust\n", ORGANISATIONS).replace(
        "    aliases: [UH Bristol]\n", "    aliases: [UH Bristol, North Bristol NHS Trust]\n")
    (tmp_path / "config.yaml").write_text(config, "utf-8")
    with pytest.raises(ConfigError, match="'north bristol nhs trust' names both NBT and UHBW"):
        load_config(tmp_path / "config.yaml")


def test_next_quarter_pairs_each_item_with_its_own_members_last(tmp_path: Path) -> None:
    import datetime as dt

    folder = _region_folder(tmp_path)
    q2 = planreports.build(folder / "config.yaml")
    nbt_q2 = sum(1 for i in q2.items if i.organisation == "NBT")
    header = ("Organisation", "Priority", "Project Title", "RAG", "Progress Update", "Lead")
    rows = [("North Bristol", "7.", "Deliver New Data Warehouse", "Green", "Shared update 0.",
             "CIO"), *((*r, f"Shared update {n}.", "CIO") for n, r in enumerate(SHARED) if n)]
    _tracker(folder / "inputs" / "shared" / "informatics system return.xlsx", rows, header)
    q3 = planreports.build(folder / "config.yaml", period="FY18 Q3", as_of=dt.date(2017, 12, 31))
    moved = [(f.code, f.organisation) for f in q3.findings
             if f.code in {"rag-improved", "rag-deteriorated"}]
    # North Bristol's shared row went Red -> Green; UH Bristol's, the same text, did not move.
    assert moved == [("rag-improved", "NBT")]
    assert {i.trend for i in q3.items} <= {"same", "improved"}
    member = next(p.view for p in q3.packs if p.view.name == "nbt")
    assert [sum(h.counts.values()) for h in member.history] == [nbt_q2]


def test_the_roll_ups_exceptions_say_whose_each_is(region: dict) -> None:
    prs = Presentation(str(region["out"] / "board.pptx"))
    rows = [[c.text for c in r.cells] for s in prs.slides
            if s.shapes.title.text.startswith("Exceptions")
            for shape in s.shapes if shape.has_table for r in list(shape.table.rows)[1:]]
    projects = [r[1] for r in rows if r[2]]  # not the closing "N more" row
    assert projects and all(p.split(": ")[0] in {*MEMBERS, "(no organisation)"}
                            for p in projects)
    assert {p.split(": ")[0] for p in projects} >= {"NBT", "UHBW", "SIRONA"}
    member = Presentation(str(region["out"] / "nbt.pptx"))
    own = [[c.text for c in r.cells] for s in member.slides
           if s.shapes.title.text.startswith("Exceptions")
           for shape in s.shapes if shape.has_table for r in list(shape.table.rows)[1:]]
    assert own and not any(r[1].startswith("NBT: ") for r in own)


def test_a_summary_papers_cover_report_is_bounded_and_says_what_the_slides_say(
        region: dict) -> None:
    from docx import Document

    from planreports.render.cover import COVER_EXCEPTIONS

    manifest = region["manifest"]
    board = next(p for p in manifest["packs"] if p["name"] == "board")
    assert board["items"] > region["run"].config.deck.max_rows  # a summary paper
    document = Document(str(region["out"] / "board.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    exceptions = next(t for t in document.tables if t.rows[0].cells[1].text == "Project")
    shown = len(exceptions.rows) - 1
    assert shown == COVER_EXCEPTIONS
    assert f"The {COVER_EXCEPTIONS} worst are below" in text
    slide = Presentation(str(region["out"] / "board.pptx")).slides[1]
    said = next(s.text_frame.text for s in slide.shapes
                if s.has_text_frame and f"{board['items']} items" in s.text_frame.text)
    for line in said.splitlines():
        assert line.lstrip("• ") in text, line


def test_a_return_is_owed_only_by_the_members_that_deliver_the_work(tmp_path: Path) -> None:
    import datetime as dt

    from planreports.model import Item, Source
    from planreports.reconcile import missing_returns

    config_text = sample_config().replace(
        "organisation: Oxford Health NHS Foundation Trust\n", ORGANISATIONS).replace(
        "      - title: Estates Redevelopment\n",
        "      - title: Estates Redevelopment\n        organisations: [NBT]\n").replace(
        "    short: Research\n", "    short: Research\n    organisations: [UHBW, SIRONA]\n")
    (tmp_path / "config.yaml").write_text(config_text, "utf-8")
    config = load_config(tmp_path / "config.yaml")

    def item(oid: str) -> Item:
        return Item(priority="P1", workstream="Deliver the carers strategy", item="", rag="G",
                    update="On track.", lead="", committee="", directorate="",
                    due=dt.date(2018, 3, 31), milestone="", source=Source("a.xlsx", "S", "A2"),
                    workstream_matched=True, organisation=oid)

    found = missing_returns(config, [item("NBT"), item("SIRONA")])
    owed = {(f.organisation, f.priority, f.workstream) for f in found
            if f.code == "missing-return"}
    assert ("NBT", "P2", "Estates Redevelopment") in owed
    assert ("SIRONA", "P2", "Estates Redevelopment") not in owed
    research = {w.title for w in config.priority("P6").workstreams}
    assert {ws for oid, pid, ws in owed if pid == "P6" and oid == "SIRONA"} == research
    assert not {ws for oid, pid, ws in owed if pid == "P6" and oid == "NBT"}
    # UHBW sent nothing: one finding, counting only the workstreams it owes.
    silent = [f for f in found if f.code == "missing-organisation"]
    assert [f.organisation for f in silent] == ["UHBW", "AWP"]
    every = sum(len(p.workstreams) for p in config.priorities)
    assert f"none of its {every - 1} workstreams" in silent[0].message  # not Estates
    assert f"none of its {every - 1 - len(research)} workstreams" in silent[1].message


def test_a_workstream_naming_an_unknown_member_is_refused(tmp_path: Path) -> None:
    config_text = sample_config().replace(
        "organisation: Oxford Health NHS Foundation Trust\n", ORGANISATIONS).replace(
        "      - title: Estates Redevelopment\n",
        "      - title: Estates Redevelopment\n        organisations: [OUH]\n")
    (tmp_path / "config.yaml").write_text(config_text, "utf-8")
    with pytest.raises(ConfigError, match=r"priorities\[1\]\.workstreams\[5\]\.organisations: "
                                          "unknown organisation 'OUH'"):
        load_config(tmp_path / "config.yaml")
