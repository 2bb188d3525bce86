"""The sample board pack as a board member reads it: LibreOffice's PDF of the sample build.

What issue 16 asks of a pack a trust secretary would table: every item whole in at most 16
slides, exceptions in at most two, no data-quality slides outside the PMO's pack, one body
size of at least 12 pt on every table slide, no table slide under half full but a priority's
last, and the trackers' own project titles in every output.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pptx.util import Emu

from planreports.template_check import slide_regions

RESEARCH = (
    "Biomedical Research Centre (BRC)",
    "Collaboration for Leadership in Applied Health Research & Care (CLAHRC)",
    "Clinical Research Facility (CRF)",
    "Clinical Research Network (CRN)",
    "Diagnostic Evidence Co-operative (DEC)",
    "Medtech & Invitro diagnostic Co-operative (MIC)",
)
PARTNERSHIPS = "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)"


def test_run_json_names_each_research_project_as_its_tracker_does(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    research = [(i["project"], i["workstream"]) for i in manifest["items"]
                if i["workstream"] == PARTNERSHIPS]
    assert research == [(name, PARTNERSHIPS) for name in RESEARCH]


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x0, y0, x1, y1, text) of every word LibreOffice drew."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    out, page = [], 0
    for line in bbox.splitlines():
        if "<page " in line:
            page += 1
        elif m := re.search(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                            r'yMax="([\d.-]+)">(.*)</word>', line):
            out.append((page, *map(float, m.groups()[:4]), html.unescape(m[5])))
    return out


def _deck(built: dict, name: str) -> dict:
    """The deck as drawn: per slide its title, table words and footer words."""
    prs = Presentation(str(built["out_dir"] / name))
    words = _words(built["pdfs"][name])
    regions = slide_regions(prs, prs.slides[1].slide_layout)
    slides = []
    for number, slide in enumerate(prs.slides, start=1):
        on = [w for w in words if w[0] == number]
        body = [w for w in on if regions.body.top - 1 <= w[2] and w[4] <= regions.footer.top]
        columns: dict[str, str] = {}
        for shape in (sh for sh in slide.shapes if sh.has_table):
            left = Emu(shape.left).pt
            for c, column in enumerate(shape.table.columns):
                right = left + Emu(column.width).pt
                inside = sorted((w for w in body if left <= (w[1] + w[3]) / 2 < right),
                                key=lambda w: (round(w[2]), w[1]))
                columns[shape.table.cell(0, c).text] = "".join(w[5] for w in inside)
                left = right
        slides.append({
            "title": slide.shapes.title.text,
            "table": bool(columns),
            "columns": columns,  # header -> the column's words top to bottom, no spaces
            "body": body,
            "footer": [w for w in on if w[2] >= regions.footer.top - 1],
        })
    return {"slides": slides, "body": regions.body, "pages": max(w[0] for w in words)}


needs_pdf = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext")
                               is None, reason="needs LibreOffice and pdftotext")
TABLED = ("board.pptx", "quality-committee.pptx", "finance-committee.pptx")


@needs_pdf
def test_board_deck_holds_every_item_in_at_most_sixteen_slides(built: dict) -> None:
    deck = _deck(built, "board.pptx")
    assert deck["pages"] == len(deck["slides"]) <= 16
    titles = [s["title"] for s in deck["slides"]]
    assert sum(t.startswith("Exceptions") for t in titles) <= 2
    # Every word of every update is drawn, in order (a row continued on the next slide reads
    # on after "(continued)").
    stream = "".join(s["columns"].get("Progress update", "") for s in deck["slides"])
    stream = stream.replace("(continued)", "")
    for item in built["run"].items:
        for sentence in re.split(r"(?<=[.!?])\s+|\n", item.update):
            assert re.sub(r"\s+", "", sentence) in stream, sentence[:60]


@needs_pdf
@pytest.mark.parametrize("name", TABLED)
def test_tabled_decks_have_no_data_quality_slide(built: dict, name: str) -> None:
    titles = [s["title"] for s in _deck(built, name)["slides"]]
    assert not [t for t in titles if "data quality" in t.lower() or t == "RAG key"]


@needs_pdf
@pytest.mark.parametrize("name", TABLED)
def test_every_table_slide_uses_one_body_size_of_at_least_twelve_points(
        built: dict, name: str) -> None:
    deck = _deck(built, name)
    # A word's box is a fixed share of its font size: the 10 pt slide numbers give it.
    numbers = [w[4] - w[2] for s in deck["slides"] for w in s["footer"] if w[5].isdigit()]
    per_point = statistics.median(numbers) / 10.0
    sizes = {round((w[4] - w[2]) / per_point, 1) for s in deck["slides"] if s["table"]
             for w in s["body"]}
    assert sizes == {12.0}, sizes


@needs_pdf
@pytest.mark.parametrize("name", TABLED)
def test_no_table_slide_but_a_priority_s_last_is_under_half_full(built: dict, name: str
                                                                 ) -> None:
    deck = _deck(built, name)
    body = deck["body"]
    slides = [s for s in deck["slides"] if s["table"]]
    shown = []
    for n, slide in enumerate(slides):
        fill = (max(w[4] for w in slide["body"]) - body.top) / body.height
        after = slides[n + 1]["title"] if n + 1 < len(slides) else ""
        # A priority's last slide: a priority on it is not on the next; or its section ends.
        last = (set(_priorities(slide["title"])) - set(_priorities(after))
                or _section(slide["title"]) != _section(after))
        shown.append((slide["title"], round(fill, 2), bool(last)))
    assert [s for s in shown if s[1] < 0.5 and not s[2]] == [], shown


def _section(title: str) -> str:
    """'Exceptions (cont.)' -> 'Exceptions'; 'Progress updates: Research' -> 'Progress updates'."""
    return re.split(r"[:(]", title, maxsplit=1)[0].strip()


def _priorities(title: str) -> list[str]:
    """'Progress updates: Research (cont.); Electronic health record' -> the two names."""
    if not title.startswith("Progress updates: "):
        return []
    return [re.sub(r" \(cont\.(?: \d+)?\)$", "", p) for p in
            title.removeprefix("Progress updates: ").split("; ")]


@needs_pdf
def test_research_projects_are_named_in_the_deck(built: dict) -> None:
    deck = _deck(built, "board.pptx")
    drawn = "".join(s["columns"].get("Project", "") for s in deck["slides"])
    for name in RESEARCH:
        assert name.replace(" ", "") in drawn, name


def test_research_projects_are_named_in_the_workbook(built: dict) -> None:
    book = openpyxl.load_workbook(built["out_dir"] / "board.xlsx", read_only=True)
    register = [v for row in book["Register"].iter_rows(values_only=True) for v in row if v]
    for name in RESEARCH:
        assert name in register, name


def test_workbook_keeps_the_workforce_comments_and_drops_empty_columns(built: dict) -> None:
    book = openpyxl.load_workbook(built["out_dir"] / "board.xlsx", read_only=True)
    header = next(book["Register"].iter_rows(max_row=1, values_only=True))
    assert "Comments" in header
    assert not {"Item", "Trend"} & set(header)  # no sample row has a sub-item or a trend
    # No tracker gives a directorate: a directorate x priority matrix would be empty.
    assert "Matrix" not in book.sheetnames


@needs_pdf
def test_printed_register_keeps_each_priority_heading_with_its_rows(built: dict) -> None:
    words = _words(built["pdfs"]["board.xlsx"])
    footer_top = 595.28 - 0.65 * 72
    pages = {}
    for page, x0, y0, _, y1, text in words:
        pages.setdefault(page, []).append((y0, x0, y1, text))
    register = []
    for _, on in sorted(pages.items()):
        foot = [w for w in on if w[0] >= footer_top]
        if not foot or min(foot, key=lambda w: w[1])[3] != "Register":
            continue
        body = [w for w in on if w[0] < footer_top]
        lowest = max(body, key=lambda w: w[2])
        line = sorted((w for w in body if abs(w[0] - lowest[0]) < 1), key=lambda w: w[1])
        register.append(" ".join(w[3] for w in line))
    assert len(register) >= 2
    # A heading row reads "P4  To support leaders ...": none ends a page.
    assert not [line for line in register if re.match(r"P\d+ To ", line)], register


def test_committee_packs_show_no_findings_about_other_committees_trackers(built: dict) -> None:
    run = built["run"]
    for name in ("quality-committee", "finance-committee"):
        view = next(p.view for p in run.packs if p.view.name == name)
        own = {i.source.file for i in view.items}
        shown = {f.file for f in view.findings if f.file}
        assert shown <= own, (name, shown - own)
        book = openpyxl.load_workbook(built["out_dir"] / f"{name}.xlsx", read_only=True)
        files = {r[3] for r in book["Data quality"].iter_rows(min_row=2, values_only=True)
                 if r[3]}
        assert files <= own, (name, files - own)
    # The Workforce return's skipped key sheet is the Workforce committee's business only.
    finance = next(p.view for p in run.packs if p.view.name == "finance-committee")
    assert not [f for f in finance.findings if f.file and f.file.startswith("Workforce")]


def test_only_the_pmo_deck_carries_the_data_quality_appendix(built: dict) -> None:
    titles = [s.shapes.title.text for s in Presentation(str(built["out_dir"] / "pmo.pptx")).slides]
    assert titles[-1] == "Data quality: 9 findings, none changes a figure"


def test_workbook_dashboard_shows_only_the_statuses_that_occur(built: dict) -> None:
    book = openpyxl.load_workbook(built["out_dir"] / "board.xlsx", read_only=True)
    header = next(r for r in book["Dashboard"].iter_rows(values_only=True)
                  if r and r[0] == "Priority")
    assert [v for v in header if v] == ["Priority", "Red", "Amber", "Green", "Total"]
