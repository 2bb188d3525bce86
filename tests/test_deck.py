"""The board deck: structure read back with python-pptx, then LibreOffice's PDF of it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Pt

from planreports.config import load_config
from planreports.model import Finding, Item, PackView, PeriodSummary, Source
from planreports.render.deck import render_deck
from planreports.render.deck_tables import BLANK_LINE_PT
from planreports.template_check import check_template
from tests.conftest import pdf_word_boxes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "planreports" / "init" / "templates" / "deck.pptx"
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")

# Real sentences from the Oxford Health FY18 Q2 board pack (seed 002), for the long update.
EHR = (
    "Q2 has focused on optimising Carenotes and Aadastra to improve end user experience, "
    "support the reporting of key contractual data and mobile working. Enabling Carenotes for "
    "Community Hospitals is now underway with the first phase planned to go live in November "
    "17. The Child Health Service has now migrated away from Carenotes, with an element of "
    "dual entry being agreed to support operational processes. E-correspondence is being "
    "rolled out further within Oxfordshire to include Part 1 and 2 discharge summaries. Wider "
    "county deployment has a dependency for the Docman Managed Service which is linked to a "
    "version of Carenotes to be deployed early 2018. Viewing primary care data directly from "
    "Carenotes and Aadastra via the MIG is in the final stages of issue resolution with go "
    "live dates scheduled for October 17. Deployment of a patch has resolved the majority of "
    "Carenotes issues when accessed via the iPad using Web@Work and Safari. Carenotes iOS App "
    "for Community instance is now deployed and tested, one key issue remains to be resolved "
    "for go live. E-prescribing workshops have been held to review the functionality against "
    "current processes. "
)
NETWORK = (
    "Legacy Wi-Fi Access Points are now fully replaced, and planned work to replace legacy "
    "Local Area Network (LAN) switching has commenced, with priority on in-patient areas. "
    "Plans to re-procure the trust's network continue to make little progress due to the "
    "speed of progress of the national programme supporting the delivery of Health and Social "
    "Care network (HSCN)-compliant solutions. To date there is only a single provider that "
    "can deliver HSCN, although more are currently going through the certification process "
    "required by NHS Digital. "
)
LONG_UPDATE = ((EHR + NETWORK) * 3)[:4000].rsplit(". ", 1)[0] + "."


def item(priority, workstream, rag, update, lead, row, sub="", trend=None, previous=None,
         due=None):
    return Item(
        priority=priority, workstream=workstream, item=sub, rag=rag, update=update, lead=lead,
        committee="Quality", directorate="Corporate", due=due, milestone="",
        source=Source("Q2 trackers/business-plan.xlsx", "Progress", f"D{row}"),
        workstream_matched=True, previous_rag=previous, trend=trend,
    )


ITEMS = (
    item("P1", "Deliver patient involvement and experience strategy", "A",
         "PEI strategy objectives identified for commencement in 2016/2017 have not been fully "
         "achieved but a large number from 2017/18 have begun. In total, 8 out of the 61 "
         "objectives have been fully completed, 31 are currently in progress and a further 22 "
         "are yet to be started.", "Director of Nursing", 5, trend="deteriorated",
         previous="G"),
    item("P1", "Deliver the carers strategy", "G",
         "New strategy for families, friends and carers launched in Q1 including Linking "
         "Leaders, ICareYouCare video and promotional material. Detailed action plan created. "
         "All Q2/Q3 deliverables on track.", "Head of Patient Experience", 6, trend="same",
         previous="G"),
    item("P2", "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)", "G",
         "Scoping of project, deciding on KPIs and implementation plan completed. "
         "Implementation of model planned for Q3.", "Chief Operating Officer", 7,
         sub="Developing neighbourhood working (ILT Phase 2)"),
    item("P2", "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)", "R",
         "Public consultation still planned for revised timetable, to start May 2018.",
         "Chief Operating Officer", 8, sub="Community Hospitals – Consultation",
         trend="deteriorated", previous="A", due=dt.date(2017, 7, 31)),
    item("P2", "Deliver new Learning Disability service (Adults)", "B",
         "First 100 days post transition completed.\nTransfer of Slade site completed at "
         "beginning of October.", "Director of Operations", 9, trend="improved", previous="G"),
    item("P5", "Deliver the Cost Improvement Programme", None,
         "CIP delivery at month 6 is £4.2m against a plan of £4.5m; schemes for the shortfall "
         "are being worked up with directorates.", "Director of Finance", 10, trend="new"),
    item("P7", "Refine and enhance existing EHR functionality", "A", LONG_UPDATE,
         "Chief Information Officer", 11),
    item("P7", "Enhance core IT infrastructure", "G", NETWORK.strip(), "", 12),
    item(None, "Staff car parking review", "A",
         "Options appraisal for staff parking at the Warneford site goes to the estates group "
         "in November.", "Head of Estates", 13),
)
FINDINGS = (
    Finding("overdue", "warning",
            "Milestone due 31 July 2017 is before 30 September 2017 and the RAG is Red",
            "Q2 trackers/business-plan.xlsx", "Progress", "F8", "P2",
            "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)"),
    Finding("missing-lead", "warning", "No lead given for Enhance core IT infrastructure",
            "Q2 trackers/business-plan.xlsx", "Progress", "E12", "P7",
            "Enhance core IT infrastructure"),
    Finding("unknown-priority", "error",
            "Priority 'Estates and facilities' matches no configured priority",
            "Q2 trackers/estates.xlsx", "Sheet1", "A13"),
    Finding("sheet-skipped", "info", "Sheet 'RAG key' has no tracker header",
            "Q2 trackers/business-plan.xlsx", "RAG key"),
)


HISTORY = (
    PeriodSummary("FY17 Q4", dt.date(2017, 3, 31), {"R": 2, "A": 3, "G": 3, None: 1}),
    PeriodSummary("FY18 Q1", dt.date(2017, 6, 30), {"R": 1, "A": 2, "G": 4}),
)
# Last period's items that no tracker reports now, as history hands them back (no trend).
GONE = (
    item("P6", "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)", "G",
         "Partnership agreements renewed for the CRF and DEC.", "Director of Research", 14),
    item("P2", "Estates Redevelopment", "R",
         "Warneford business case delayed pending the estates strategy refresh.",
         "Director of Finance", 15, sub="Warneford site"),
)


def sample_view(items=ITEMS, findings=FINDINGS, history=HISTORY, gone=GONE) -> PackView:
    config = load_config(ROOT / "config.yaml")
    return PackView(config=config, name="board", title="Trust Board", items=tuple(items),
                    findings=tuple(findings), inputs=(), history=tuple(history),
                    no_longer_reported=tuple(gone))


@pytest.fixture(scope="module")
def deck_path(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("deck") / "board.pptx"
    render_deck(sample_view(), TEMPLATE, target)
    return target


@pytest.fixture(scope="module")
def deck(deck_path):
    return Presentation(str(deck_path))


def titles(prs) -> list[str]:
    return [slide.shapes.title.text for slide in prs.slides]


def tables(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table:
                yield slide, shape.table


def test_slides_in_pack_order_with_unique_titles(deck):
    names = titles(deck)
    assert len(names) == len(set(names))
    assert names[:4] == ["Business Plan: FY18 Q2 report", "Summary", "Plan on a page",
                         "RAG over time"]
    # A board pack ends with its exceptions: data quality goes to the PMO, and the RAG key is
    # a legend on the slides that use colour, not a slide of its own.
    assert names[-1] == "Exceptions"
    assert not [n for n in names if n.startswith(("Data quality", "RAG key"))]
    # Progress runs through the priorities: a slide is titled by those it holds.
    progress = [n for n in names if n.startswith("Progress updates: ")]
    assert progress[0].startswith("Progress updates: Joint endeavour; Transforming services")
    assert any(n.startswith("Progress updates: Electronic health record (cont.)")
               for n in progress)


def test_title_first_in_reading_order_and_footer_on_every_slide(deck):
    for number, slide in enumerate(deck.slides, start=1):
        assert slide.shapes[0].is_placeholder and slide.shapes[0] == slide.shapes.title
        footer = {shape.name: shape.text_frame.text for shape in slide.shapes
                  if shape.name in ("Footer", "Slide number")}
        assert footer["Slide number"] == str(number)
        assert "FY18 Q2" in footer["Footer"]


def test_chart_is_native_with_alt_text_and_rag_colours(deck):
    slide = next(s for s in deck.slides if s.shapes.title.text == "Summary")
    frame = next(shape for shape in slide.shapes if shape.has_chart)
    descr = frame._element.nvGraphicFramePr.cNvPr.get("descr")
    assert descr.startswith("Stacked bar chart of RAG status counts by priority")
    assert "Transforming services: 1 Red" in descr
    plot = frame.chart.plots[0]
    colours = {s.name: str(s.format.fill.fore_color.rgb) for s in plot.series}
    assert colours == {"Red": "D5281B", "Amber": "FFB81C", "Green": "007F3B", "Blue": "005EB8",
                       "No RAG": "D8DDE0"}
    assert list(plot.categories)[0] == "1. Joint endeavour"
    text = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
    assert ("Deteriorated since FY18 Q1: Deliver patient involvement and experience strategy "
            "(Green to Amber)") in text


def test_rag_over_time_is_a_native_chart_of_each_period(deck):
    slide = next(s for s in deck.slides if s.shapes.title.text == "RAG over time")
    frame = next(shape for shape in slide.shapes if shape.has_chart)
    plot = frame.chart.plots[0]
    assert list(plot.categories) == ["FY17 Q4", "FY18 Q1", "FY18 Q2"]
    # Now: 1 Red, 3 Amber, 3 Green, 1 Blue, 1 without a RAG; an empty segment is None.
    assert [(s.name, str(s.format.fill.fore_color.rgb), s.values) for s in plot.series] == [
        ("Red", "D5281B", (2.0, 1.0, 1.0)),
        ("Amber", "FFB81C", (3.0, 2.0, 3.0)),
        ("Green", "007F3B", (3.0, 4.0, 3.0)),
        ("Blue", "005EB8", (None, None, 1.0)),
        ("No RAG", "D8DDE0", (1.0, None, 1.0)),
    ]
    assert frame.chart.has_legend and plot.has_data_labels
    descr = frame._element.nvGraphicFramePr.cNvPr.get("descr")
    assert descr == (
        "Stacked column chart of RAG status counts by period, oldest first. "
        "FY17 Q4: 2 Red, 3 Amber, 3 Green, 0 Blue, 1 No RAG; "
        "FY18 Q1: 1 Red, 2 Amber, 4 Green, 0 Blue, 0 No RAG; "
        "FY18 Q2 (this period): 1 Red, 3 Amber, 3 Green, 1 Blue, 1 No RAG."
    )
    caption = next(sh for sh in slide.shapes if sh.name == "Movement").text_frame.text
    assert caption == ("Since FY18 Q1: Red 1 → 1, Amber 2 → 3, Green 4 → 3, Blue 0 → 1, "
                       "No RAG 0 → 1.")


def test_no_rag_over_time_slide_without_history(tmp_path):
    target = tmp_path / "first.pptx"
    render_deck(sample_view(history=(), gone=()), TEMPLATE, target)
    names = titles(Presentation(str(target)))
    assert "RAG over time" not in names
    assert names[1:3] == ["Summary", "Plan on a page"]
    assert names[3].startswith("Progress updates: Joint endeavour")


def test_rag_shown_as_word_and_colour_with_trend(deck):
    seen = set()
    for _, table in tables(deck):
        if table.cell(0, 1).text != "RAG":
            continue
        for r in range(1, len(table.rows)):
            cell = table.cell(r, 1)
            seen.add((cell.text, str(cell.fill.fore_color.rgb)))
    seen = {(text.replace("\u00a0", " "), fill) for text, fill in seen}
    assert {("Amber\n▼ deteriorated", "FFB81C"), ("Green\n► same", "007F3B"),
            ("Red\n▼ deteriorated", "D5281B"), ("Blue\n▲ improved", "005EB8"),
            ("No RAG\n● new", "D8DDE0"), ("Amber", "FFB81C")} <= seen


def test_every_table_uses_one_body_size_of_twelve_points(deck):
    sizes, gaps = set(), set()
    for _, table in tables(deck):
        for row in table.rows:
            for cell in row.cells:
                for p in cell.text_frame.paragraphs:
                    sizes |= {run.font.size for run in p.runs}
                    mark = Pt(int(p._p.endParaRPr.get("sz")) / 100)
                    (sizes if p.runs else gaps).add(mark)
    assert sizes == {Pt(12)}
    # A tracker's blank line between paragraphs is a small gap, not a line of body text.
    assert gaps == {Pt(BLANK_LINE_PT)}


def test_progress_tables_in_the_seed_format(deck):
    table = next(t for s, t in tables(deck) if s.shapes.title.text.startswith(
        "Progress updates: Joint endeavour; Transforming"))
    header = [table.cell(0, c).text for c in range(5)]
    assert header == ["Priority", "RAG", "Project", "Progress update", "Lead"]
    rows = [[table.cell(r, c).text for c in range(5)] for r in range(1, len(table.rows))]
    opd = "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)"
    assert [r[0] for r in rows[:4]] == ["1. Joint endeavour", "", "2. Transforming services",
                                        ""]
    assert rows[2][2] == f"{opd}\nDeveloping neighbourhood working (ILT Phase 2)"
    assert rows[3][2] == "Community Hospitals – Consultation"


def test_long_update_continues_on_further_slides_whole(deck):
    pieces = []
    for slide, table in tables(deck):
        if "Electronic health record" in slide.shapes.title.text:
            pieces += [table.cell(r, 3).text for r in range(1, len(table.rows))
                       if "Carenotes" in table.cell(r, 3).text or "(continued)" in
                       table.cell(r, 3).text]
    assert len(pieces) >= 2 and pieces[1].startswith("(continued) ")
    joined = " ".join(p.removeprefix("(continued) ") for p in pieces)
    assert joined.split()[: len(LONG_UPDATE.split())] == LONG_UPDATE.split()


def test_notes_list_the_source_cell_of_every_row(deck):
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in deck.slides
                      if s.shapes.title.text.startswith("Progress updates"))
    for it in ITEMS:
        assert str(it.source) in notes


def test_exceptions_hold_red_deteriorated_and_overdue(deck):
    rows = []
    for slide, table in tables(deck):
        if slide.shapes.title.text.startswith("Exceptions"):
            assert [table.cell(0, c).text for c in range(6)] == [
                "Priority", "Project", "RAG", "Why it is here", "Action or latest position",
                "Lead"]
            rows += [tuple(table.cell(r, c).text for c in range(6)) for r in
                     range(1, len(table.rows))]
    why = {row[1].split("\n")[-1]: row for row in rows}
    assert set(why) == {"Deliver patient involvement and experience strategy",
                        "Community Hospitals – Consultation",
                        "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)",
                        "Warneford site"}
    red = why["Community Hospitals – Consultation"]
    assert red[2] == "Red\nwas Amber"  # the RAG with last period's
    assert red[3].split("\n") == ["Red: Milestones delayed", "Deteriorated",
                                   "Overdue: due 31 Jul 2017"]
    # The action is the update's first sentence; the whole update is on its progress slide.
    assert red[4] == "Public consultation still planned for revised timetable, to start May 2018."
    pei = why["Deliver patient involvement and experience strategy"]
    assert pei[4] == ("PEI strategy objectives identified for commencement in 2016/2017 have "
                      "not been fully achieved but a large number from 2017/18 have begun.")


def test_exceptions_list_what_is_no_longer_reported_with_last_rag(deck):
    rows = []
    for slide, table in tables(deck):
        if slide.shapes.title.text.startswith("Exceptions"):
            rows += [(table.cell(r, 0).text, table.cell(r, 2).text,
                      str(table.cell(r, 2).fill.fore_color.rgb), table.cell(r, 1).text,
                      table.cell(r, 3).text) for r in range(1, len(table.rows))]
    gone = [row for row in rows if row[4].startswith("No longer reported")]
    assert gone == [
        ("2. Transforming services", "Red", "D5281B", "Estates Redevelopment\nWarneford site",
         "No longer reported (was Red in FY18 Q1)"),
        ("6. Research", "Green", "007F3B",
         "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)",
         "No longer reported (was Green in FY18 Q1)"),
    ]


def test_pack_without_items_says_so(tmp_path):
    target = tmp_path / "empty.pptx"
    render_deck(sample_view(items=(), findings=(), gone=()), TEMPLATE, target)
    prs = Presentation(str(target))
    names = titles(prs)
    assert names == ["Business Plan: FY18 Q2 report", "Summary", "Plan on a page",
                     "Progress updates"]
    text = " ".join(sh.text_frame.text for sh in prs.slides[3].shapes if sh.has_text_frame)
    assert "No items were reported for Trust Board in FY18 Q2." in text
    # Items reported last period and not now are still the board's news.
    render_deck(sample_view(items=(), findings=()), TEMPLATE, target)
    prs = Presentation(str(target))
    assert titles(prs) == ["Business Plan: FY18 Q2 report", "Summary", "Plan on a page",
                           "Progress updates", "Exceptions"]
    table = next(t for s, t in tables(prs) if s.shapes.title.text == "Exceptions")
    assert [table.cell(r, 3).text for r in range(1, len(table.rows))] == [
        "No longer reported (was Red in FY18 Q1)", "No longer reported (was Green in FY18 Q1)"]


def other_templates(tmp_path: Path) -> dict[str, Path]:
    """python-pptx's own 4:3 default, and one whose layouts have a trust's own names."""
    plain = tmp_path / "python-pptx-default.pptx"
    Presentation().save(str(plain))
    renamed = Presentation()
    for layout in list(renamed.slide_layouts):
        if layout.name in ("Title Slide", "Title Only", "Title and Content", "Blank"):
            renamed.slide_layouts.remove(layout)
    renamed.slides.add_slide(renamed.slide_layouts[0])  # a sample slide, not for packs
    path = tmp_path / "trust-renamed.pptx"
    renamed.save(str(path))
    return {"plain": plain, "renamed": path}


def test_template_check_on_the_default_template():
    report = check_template(TEMPLATE)
    assert (report.ok, report.problems, report.substitutions) == (True, (), ())
    assert report.layouts == (("Title Slide", "Title Slide"), ("Title Only", "Title Only"),
                              ("Title and Content", "Title and Content"))
    assert report.slide_size == (13.333, 7.5)
    # The sample working folder ships the same template (scripts/make_deck_template.py).
    assert (ROOT / "templates" / "deck.pptx").read_bytes() == TEMPLATE.read_bytes()


def test_template_check_on_other_templates(tmp_path):
    paths = other_templates(tmp_path)
    plain = check_template(paths["plain"])
    assert plain.ok and plain.substitutions == () and plain.slide_size == (10.0, 7.5)
    renamed = check_template(paths["renamed"])
    assert renamed.ok and renamed.slides == 1
    assert renamed.substitutions == (
        "no layout named 'Title Only': using 'Two Content' (has a title placeholder)",
        "no layout named 'Title Slide': using 'Two Content' (title only)",
        "no layout named 'Title and Content': using 'Two Content' (has a title and body "
        "placeholders)",
    )
    assert "instead: no layout named 'Title Only'" in renamed.describe()


def test_template_check_names_what_is_missing(tmp_path):
    blank = Presentation()
    for layout in list(blank.slide_layouts):
        if layout.name != "Blank":
            blank.slide_layouts.remove(layout)
    blank.save(str(tmp_path / "blank.pptx"))
    (tmp_path / "notes.pptx").write_text("not a presentation")
    report = check_template(tmp_path / "blank.pptx")
    assert not report.ok and "no layout has a title placeholder" in report.problems[0]
    assert "NOT usable" in report.describe()
    assert not check_template(tmp_path / "notes.pptx").ok
    assert not check_template(tmp_path / "missing.pptx").ok


@pytest.mark.parametrize("kind", ["plain", "renamed"])
def test_render_on_other_templates(tmp_path, kind):
    target = tmp_path / f"{kind}.pptx"
    render_deck(sample_view(), other_templates(tmp_path)[kind], target)
    prs = Presentation(str(target))
    names = titles(prs)
    assert len(names) == len(set(names)) and "Summary" in names
    assert names[0] == "Business Plan: FY18 Q2 report"
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.left + shape.width <= prs.slide_width
            assert shape.top + shape.height <= prs.slide_height


# --- LibreOffice: the deck as a reader sees it -------------------------------------------------


def to_pdf(pptx: Path, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(outdir), str(pptx)],
        check=True, capture_output=True, timeout=180,
    )
    return outdir / (pptx.stem + ".pdf")


@pytest.fixture(scope="session")
def pdf_words(tmp_path_factory) -> list[dict]:
    """Every word LibreOffice draws, with its page size and box, converted once per session."""
    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice")
    outdir = tmp_path_factory.mktemp("pdf")
    source = outdir / "board.pptx"
    render_deck(sample_view(), TEMPLATE, source)
    pdf = to_pdf(source, outdir)
    return pdf_word_boxes(pdf)


@needs_soffice
def test_pdf_has_one_page_per_slide(pdf_words, deck):
    assert max(w["n"] for w in pdf_words) == len(deck.slides)


@needs_soffice
def test_pdf_shows_every_word_of_every_update(pdf_words):
    stream = "".join(w["text"] for w in pdf_words)
    for it in ITEMS:
        for word in it.update.split():
            assert word in stream, word
        # Whole sentences read on in order: no line of a cell was dropped or clipped.
        for sentence in re.split(r"(?<=[.!?])\s+|\n", it.update):
            assert "".join(sentence.split()) in stream, sentence


@needs_soffice
def test_pdf_words_stay_on_the_page_and_off_the_footer(pdf_words):
    for w in pdf_words:
        x0, y0, x1, y1 = w["box"]
        assert x0 >= 0 and y0 >= 0 and x1 <= w["w"] and y1 <= w["h"], w
    # Our template's footer band starts 7.05 in down; only the footer may be drawn there.
    footer_top = 7.05 * 72
    low = {w["text"] for w in pdf_words if w["box"][3] > footer_top - 2}
    footer = "Business Plan FY18 Q2 · Trust Board"
    # ...and the RAG key, a legend of the statuses the pack uses.
    legend = ("■ Red: Milestones delayed ■ Amber: Milestones at risk of delay ■ Green: "
              "Milestones complete and/or on track ■ Blue: Complete ■ No RAG: none given")
    allowed = set(footer.split(" ")) | set(legend.split(" "))
    assert {t for t in low if not t.isdigit()} <= allowed


def test_render_refuses_a_template_without_titles(tmp_path):
    from planreports.errors import RenderError

    blank = Presentation()
    for layout in list(blank.slide_layouts):
        if layout.name != "Blank":
            blank.slide_layouts.remove(layout)
    blank.save(str(tmp_path / "blank.pptx"))
    with pytest.raises(RenderError, match="no layout has a title placeholder"):
        render_deck(sample_view(), tmp_path / "blank.pptx", tmp_path / "out.pptx")
    assert not (tmp_path / "out.pptx").exists()


def test_template_script_rebuilds_the_shipped_template(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_deck_template", ROOT / "scripts" / "make_deck_template.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.make_template(tmp_path / "deck.pptx")
    shipped, fresh = Presentation(str(TEMPLATE)), Presentation(str(built))
    assert [lay.name for lay in fresh.slide_layouts] == [lay.name for lay in
                                                         shipped.slide_layouts] == [
        "Title Slide", "Title and Content", "Section Header", "Title Only"]
    assert (fresh.slide_width, fresh.slide_height) == (shipped.slide_width, shipped.slide_height)
    assert check_template(built).ok


def _exception_rows(prs) -> list[tuple[str, ...]]:
    return [tuple(t.cell(r, c).text for c in range(6)) for s, t in tables(prs)
            if s.shapes.title.text.startswith("Exceptions") for r in range(1, len(t.rows))]


def test_exception_action_is_the_trackers_mitigation_column_where_it_has_one(tmp_path):
    from dataclasses import replace

    red = replace(ITEMS[3], extras=(("Comments", "Board to note."),
                                    ("Mitigating actions", "Consultation brought forward to "
                                                           "January; interim beds agreed.")))
    target = tmp_path / "mitigation.pptx"
    render_deck(sample_view(items=(red,), findings=(), history=(), gone=()), TEMPLATE, target)
    (row,) = _exception_rows(Presentation(str(target)))
    assert row[4] == "Consultation brought forward to January; interim beds agreed."


def test_a_tabled_pack_holds_its_exceptions_to_two_slides(tmp_path):
    from dataclasses import replace

    many = [replace(ITEMS[3], source=Source("big.xlsx", "Progress", f"D{n}"),
                    item=f"Scheme {n}") for n in range(40)]
    target = tmp_path / "many.pptx"
    render_deck(sample_view(items=many, findings=(), history=(), gone=()), TEMPLATE, target)
    prs = Presentation(str(target))
    assert sum(t.startswith("Exceptions") for t in titles(prs)) == 2
    rows = _exception_rows(prs)
    left = 40 - (len(rows) - 1)
    assert rows[-1][1] == f"{left} more exceptions" and left > 0
    assert rows[-1][4].startswith("See the Exceptions sheet of board.xlsx")
