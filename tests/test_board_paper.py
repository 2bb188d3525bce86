"""The board paper: the cover report (.docx) read back, the portal PDF counted, sent by email.

The sample's board pack is built once per session (the `built` fixture, with its PDFs) and
its cover report converted by LibreOffice there; the numbers the paper shows are checked
against run.json, computed here from run.json's own items and findings.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn
from pptx import Presentation
from pypdf import PdfReader, PdfWriter
from smtp_server import RecordingHandler, free_port, start_server

from planreports.config import load_config
from planreports.deliver import send_packs
from planreports.deliver.scan import identifiers_in
from planreports.identifiers import IdentifierScanner
from planreports.render.pdf import _stamp

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice is not installed")
SECTIONS = ["Recommendation", "Executive summary", "Position by priority", "Exceptions",
            "Movement since last period", "Missing returns", "Equality impact",
            "Supporting information"]


def _manifest(built: dict) -> dict:
    return json.loads((built["out_dir"] / "run.json").read_text("utf-8"))


def _table(document, caption: str):  # noqa: ANN001, ANN202
    for table in document.tables:
        found = table._tbl.tblPr.find(qn("w:tblCaption"))
        if found is not None and found.get(qn("w:val")) == caption:
            return table
    raise AssertionError(f"no table captioned {caption!r}")


def _rows(table) -> list[list[str]]:  # noqa: ANN001
    return [[cell.text for cell in row.cells] for row in table.rows]


def _fill(cell) -> str | None:  # noqa: ANN001
    shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
    return shd.get(qn("w:fill")).upper() if shd is not None else None


def _exceptions_expected(manifest: dict) -> int:
    """Red, deteriorated or overdue items (an overdue finding on their row), overdue rows
    that are no item, and last period's items no longer reported: the deck's selection."""
    def row_of(file, sheet, cell):  # noqa: ANN001, ANN202
        return (file, sheet, re.sub(r"^[A-Z$]+", "", cell or ""))

    overdue = {row_of(f["file"], f["sheet"], f["cell"])
               for f in manifest["findings"] if f["code"] == "overdue"}
    count, matched = 0, set()
    for item in manifest["items"]:
        key = row_of(item["source"]["file"], item["source"]["sheet"], item["source"]["cell"])
        if key in overdue:
            matched.add(key)
        if item["rag"] == "R" or item["trend"] == "deteriorated" or key in overdue:
            count += 1
    return count + len(overdue - matched) + len(manifest["no_longer_reported"])


def test_cover_report_numbers_are_run_json_numbers(built: dict) -> None:
    manifest = _manifest(built)
    document = Document(str(built["out_dir"] / "board.docx"))
    config = load_config(built["folder"] / "config.yaml")

    rag = _rows(_table(document, "RAG status by priority"))
    labels = [s.label for s in config.rag]
    assert rag[0] == ["Priority", *labels, "Total"]
    # Each priority's counts, as run.json counts them, and the total row.
    for n, priority in enumerate(config.priorities, start=1):
        row = next(r for r in rag if r[0].startswith(f"{n}. "))
        counts = manifest["counts"][priority.id]
        assert row[1:] == [str(counts.get(s.key, 0)) for s in config.rag] + [
            str(sum(counts.values()))], priority.id
    assert rag[-1] == ["Total", *(str(sum(1 for i in manifest["items"] if i["rag"] == s.key))
                                  for s in config.rag), str(len(manifest["items"]))]

    exceptions = _table(document, "Exceptions")
    assert len(exceptions.rows) - 1 == _exceptions_expected(manifest) == 7
    colour = {s.label: s.colour.lstrip("#") for s in config.rag}
    for row in list(exceptions.rows)[1:]:  # RAG is a word as well as a colour, always
        word = row.cells[2].text.split("\n")[0]
        assert word in colour and _fill(row.cells[2]) == colour[word]

    missing = [f for f in manifest["findings"] if f["code"] == "missing-return"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert not missing and "Every workstream in this pack sent a return for FY18 Q2." in text
    assert f"{len(manifest['items'])} items reported for FY18 Q2" in text  # the key messages


def test_cover_report_is_the_configured_paper_and_accessible(built: dict) -> None:
    document = Document(str(built["out_dir"] / "board.docx"))
    paper = load_config(built["folder"] / "config.yaml").pack("board").paper
    sheet = dict((label, value) for label, value in _rows(_table(document, "Cover sheet")))
    assert sheet["Report to"] == paper.meeting
    assert sheet["Date of meeting"] == "8 November 2017"
    assert sheet["Agenda item"] == "14"
    assert sheet["Purpose"] == "For assurance"
    assert sheet["Level of assurance"] == "Reasonable"
    assert sheet["Board assurance framework risks"].split("\n") == list(paper.baf_risks)
    assert sheet["Strategic priorities"].count("\n") == 6  # the seven priorities, a line each
    title = "Business Plan FY18 Q2: progress against the strategic priorities"
    assert sheet["Paper title"] == title

    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [title]
    assert document.core_properties.title == title
    assert document.core_properties.language == "en-GB"
    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/"
                                        f"{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "en-GB"
    for table in document.tables:  # every table's first row is a repeating header row
        header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
        assert header is not None and header.get(qn("w:val")) == "true"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "{{" not in text and "{%" not in text
    assert "general equality duty" in text and "reasonable assurance" in text


@needs_soffice
def test_pdf_is_the_cover_report_then_every_slide(built: dict) -> None:
    out = built["out_dir"]
    cover_pages = len(PdfReader(built["pdfs"]["board.docx"]).pages)
    slides = len(Presentation(str(out / "board.pptx")).slides)
    reader = PdfReader(out / "board.pdf")
    assert cover_pages >= 2 and len(reader.pages) == cover_pages + slides
    first_slide = reader.pages[cover_pages].extract_text()
    assert "Position as at 30 September 2017" in first_slide  # the title slide follows
    for n in range(cover_pages, len(reader.pages)):  # the numbering runs on from the cover's
        assert f"Page {n + 1}" in reader.pages[n].extract_text()

    top = reader.outline
    titles = [e.title for e in top if not isinstance(e, list)]
    assert titles[0].startswith("Cover report: Business Plan FY18 Q2") and titles[1] == "Slides"
    cover_marks, slide_marks = (e for e in top if isinstance(e, list))
    assert [m.title for m in cover_marks] == SECTIONS
    assert len(slide_marks) == slides
    assert [reader.get_destination_page_number(m) for m in slide_marks] == list(
        range(cover_pages, cover_pages + slides))
    assert slide_marks[1].title == "Summary"
    assert reader.metadata.title.startswith("Business Plan FY18 Q2")
    manifest = _manifest(built)
    pdfs = {o["pack"] for o in manifest["outputs"] if o["kind"] == "pdf"}
    assert pdfs == {"board", "quality-committee", "finance-committee", "pmo"}


def test_without_libreoffice_every_other_output_is_written(sample_folder: Path) -> None:
    config = sample_folder / "config.yaml"
    config.write_text(config.read_text("utf-8").replace("  pdf: false", "  pdf: true"), "utf-8")
    stale = sample_folder / "outputs" / "fy18-q2" / "board.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.4 last quarter's")
    bare = sample_folder / "bin"
    bare.mkdir()
    done = subprocess.run([sys.executable, "-m", "planreports", "build", "-c", str(config)],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": str(bare), "HOME": str(sample_folder)})
    assert done.returncode == 0, done.stderr
    assert "LibreOffice (the `soffice` program) is not installed" in done.stderr
    written = sorted(p.name for p in stale.parent.iterdir())
    assert written == sorted(f"{pack}.{kind}" for pack in
                             ("board", "quality-committee", "finance-committee", "pmo")
                             for kind in ("xlsx", "pptx", "docx")) + ["run.json"]


@needs_soffice
def test_send_attaches_the_cover_report_and_pdf(built: dict, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    shutil.copytree(built["folder"] / "outputs", folder / "outputs")
    shutil.copytree(built["folder"] / "templates", folder / "templates")
    port = free_port()
    raw = yaml.safe_load((built["folder"] / "config.yaml").read_text("utf-8"))
    raw["email"] = {"smtp": {"host": "127.0.0.1", "port": port, "starttls": False},
                    "from": "pmo@example.nhs.uk",
                    "send": [{"pack": "board", "to": ["board.secretary@example.nhs.uk"],
                              "attach": ["docx", "pdf"]}]}
    (folder / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    handler = RecordingHandler()
    controller = start_server(handler, port)
    try:
        report = send_packs(load_config(folder / "config.yaml"))
    finally:
        controller.stop()
    assert report.states() == [("board", "board.secretary@example.nhs.uk", "sent")]
    [received] = handler.messages
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    out = folder / "outputs" / "fy18-q2"
    name = "Oxford Health NHS Foundation Trust - Trust Board - FY18 Q2"
    assert [(p.get_filename(), p.get_content_type(), p.get_content())
            for p in message.iter_attachments()] == [
        (f"{name}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml."
                         "document", (out / "board.docx").read_bytes()),
        (f"{name}.pdf", "application/pdf", (out / "board.pdf").read_bytes()),
    ]


def test_identifiers_are_found_in_the_text_of_a_docx_and_a_pdf(tmp_path: Path) -> None:
    scanner = IdentifierScanner()
    document = Document()
    document.add_paragraph("Discharged: patient ").add_run("943 476 5919")
    document.save(tmp_path / "paper.docx")
    assert identifiers_in((tmp_path / "paper.docx").read_bytes(), "paper.docx", scanner) == [
        "word/document.xml: NHS number"]

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    _stamp(writer, page, "Patient 9434765919")
    writer.write(tmp_path / "paper.pdf")
    clean = PdfWriter()
    _stamp(clean, clean.add_blank_page(width=595, height=842), "Page 12")
    clean.write(tmp_path / "clean.pdf")
    assert identifiers_in((tmp_path / "paper.pdf").read_bytes(), "paper.pdf", scanner) == [
        "page 1: NHS number"]
    assert identifiers_in((tmp_path / "clean.pdf").read_bytes(), "clean.pdf", scanner) == []


def test_paper_fields_are_checked_in_config(tmp_path: Path) -> None:
    from planreports.errors import ConfigError

    raw = yaml.safe_load(Path(__file__).resolve().parents[1].joinpath("config.yaml")
                         .read_text("utf-8"))
    raw["packs"][0]["paper"]["purpose"] = "approval"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    with pytest.raises(ConfigError, match=r"packs\[0\]\.paper\.purpose"):
        load_config(tmp_path / "config.yaml")
    raw["packs"][0]["paper"].update(purpose="Decision", agenda_item=12, date="2017-11-08")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    paper = load_config(tmp_path / "config.yaml").pack("board").paper
    assert (paper.purpose, paper.agenda_item, paper.date) == (
        "decision", "12", dt.date(2017, 11, 8))


def test_cover_report_shows_the_movement_since_last_period(tmp_path: Path) -> None:
    from two_periods import build, working_folder

    folder = working_folder(tmp_path / "work")
    build(folder, "FY18 Q2")
    q3 = build(folder, "FY18 Q3")
    document = Document(str(folder / "outputs" / "fy18-q3" / "board.docx"))
    movement = _rows(_table(document, "Movement since last period"))
    assert movement[0] == ["RAG status", "FY18 Q2", "FY18 Q3", "Change"]
    q2 = json.loads((folder / "outputs" / "fy18-q2" / "run.json").read_text("utf-8"))
    for status, before, now, change in movement[1:]:
        key = next(s.key for s in q3.config.rag if s.label == status.split("\n")[0])
        was = sum(1 for i in q2["items"] if i["rag"] == key)
        is_ = sum(1 for i in q3.items if i.rag == key)
        assert (before, now) == (str(was), str(is_))
        assert change == ("no change" if was == is_ else f"+{is_ - was}" if is_ > was
                          else f"\u2212{was - is_}")
    text = "\n".join(p.text for p in document.paragraphs)
    worse = sum(1 for i in q3.items if i.trend == "deteriorated")
    assert f"Compared with FY18 Q2: {worse} deteriorated" in text


def test_a_libreoffice_that_converts_nothing_still_leaves_every_other_output(
    sample_folder: Path,
) -> None:
    """A LibreOffice without Writer (libreoffice-writer) exits 0 and converts no .docx."""
    config = sample_folder / "config.yaml"
    config.write_text(config.read_text("utf-8").replace("  pdf: false", "  pdf: true"), "utf-8")
    bare = sample_folder / "bin"
    bare.mkdir()
    broken = bare / "soffice"
    broken.write_text("#!/bin/sh\nexit 0\n", "utf-8")
    broken.chmod(0o755)
    done = subprocess.run([sys.executable, "-m", "planreports", "build", "-c", str(config)],
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": f"{bare}:/usr/bin:/bin", "HOME": str(sample_folder)})
    assert done.returncode == 0, done.stderr
    assert "LibreOffice could not convert board.docx or board.pptx, so board.pdf was not " \
           "made" in " ".join(done.stderr.split())
    out = sample_folder / "outputs" / "fy18-q2"
    assert not list(out.glob("*.pdf")) and (out / "board.docx").is_file()
