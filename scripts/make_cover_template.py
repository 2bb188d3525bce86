"""Write the shipped cover-report template (cover.docx): a docxtpl (jinja2 in Word) document.

A trust restyles it in Word: the heading, table and body styles, the labels of the cover
sheet, the order of the sections and their wording are all the template's; the tags in
`{{ }}` and `{% %}` are filled from config.yaml's `packs[].paper` and the run (see
planreports/render/cover.py for the names). Row tags (`{%tr ... %}`), paragraph tags
(`{%p ... %}`) and column tags (`{%tc ... %}`) stand alone in their row, paragraph or cell.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "planreports" / "init" / "templates" / "cover.docx"
COPY = ROOT / "templates" / "cover.docx"

NHS_BLUE = "005EB8"
NHS_DARK_BLUE = "003087"
NHS_DARK_GREY = "425563"
NHS_PALE_GREY = "E8EDEE"
FONT = "Arial"
BODY_WIDTH = Cm(17.0)  # A4 less 2 cm margins


def _styles(doc) -> None:  # noqa: ANN001 - a python-docx Document
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    # East Asian and complex-script fonts too, or Word substitutes its own for them.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for name, size, colour, before in (("Title", 20, NHS_DARK_BLUE, 0),
                                       ("Heading 1", 14, NHS_BLUE, 14),
                                       ("Heading 2", 12, NHS_DARK_BLUE, 10)):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor.from_string(colour)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        r_pr = style.element.get_or_add_rPr()
        r_fonts = r_pr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            r_fonts.set(qn(attr), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            r_fonts.attrib.pop(qn(theme), None)
    title = doc.styles["Title"]
    # python-docx's Title has a bottom border and expanded spacing: a plain heading reads better.
    p_pr = title.element.get_or_add_pPr()
    for child in p_pr.findall(qn("w:pBdr")):
        p_pr.remove(child)
    r_pr = title.element.get_or_add_rPr()
    for tag in ("w:spacing", "w:kern"):
        for child in r_pr.findall(qn(tag)):
            r_pr.remove(child)
    small = doc.styles.add_style("Cover note", WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = normal
    small.font.size = Pt(9)
    small.font.color.rgb = RGBColor.from_string(NHS_DARK_GREY)
    table_text = doc.styles.add_style("Table text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(10)
    table_text.paragraph_format.space_after = Pt(2)
    table_text.paragraph_format.line_spacing = 1.0


def _language(doc, tag: str = "en-GB") -> None:  # noqa: ANN001
    """The document's language, so Word's spelling and a screen reader's voice are British."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), tag)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is None:
        theme_lang = OxmlElement("w:themeFontLang")
        settings.append(theme_lang)
    theme_lang.set(qn("w:val"), tag)
    doc.core_properties.language = tag


def _shade(cell, fill: str) -> None:  # noqa: ANN001
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _cell_text(cell, text: str, *, bold: bool = False, white: bool = False) -> None:  # noqa: ANN001
    paragraph = cell.paragraphs[0]
    paragraph.style = "Table text"
    run = paragraph.add_run(text)
    run.bold = bold or None
    if white:
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def _header_row(table, titles: list[str]) -> None:  # noqa: ANN001
    """The first row as the table's header: repeated on each page, read as headers."""
    row = table.rows[0]
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    no_split = OxmlElement("w:cantSplit")
    tr_pr.append(no_split)
    for cell, title in zip(row.cells, titles, strict=True):
        _shade(cell, NHS_BLUE)
        _cell_text(cell, title, bold=True, white=True)


def _describe(table, caption: str, description: str) -> None:  # noqa: ANN001
    """Alt text of a table (Word's Table Properties > Alt Text), for screen readers."""
    tbl_pr = table._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", description)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        tbl_pr.append(element)


def _widths(table, widths: list[Cm]) -> None:  # noqa: ANN001
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _table(doc, titles: list[str], widths: list[Cm], caption: str, description: str):  # noqa: ANN001, ANN202
    table = doc.add_table(rows=1, cols=len(titles))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _header_row(table, titles)
    _describe(table, caption, description)
    _widths(table, widths)
    return table


def _keep_whole(table) -> None:  # noqa: ANN001
    """The last row is not split across pages (a reader loses a row's half on the next page)."""
    table.rows[-1]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _tag_row(table, tag: str) -> None:  # noqa: ANN001
    """A row holding only a docxtpl row tag ({%tr ... %}): removed when rendered."""
    cells = table.add_row().cells
    cells[0].paragraphs[0].add_run(tag)


def _value_row(table, values: list[str], *, label: bool = False) -> None:  # noqa: ANN001
    cells = table.add_row().cells
    for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
        if label and n == 0:
            _shade(cell, NHS_PALE_GREY)
        _cell_text(cell, value, bold=label and n == 0)


def _cover_sheet(doc) -> None:  # noqa: ANN001
    """The trust's cover sheet: who the paper is for and from, and what it asks."""
    widths = [Cm(5.0), Cm(12.0)]
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    _header_row(table, ["Report to", "{{ meeting }}"])
    _describe(table, "Cover sheet", "The paper's meeting, date, agenda item, authors, purpose, "
              "assurance level, strategic priorities and board assurance framework risks.")
    rows = [
        ("Date of meeting", "date_text"),
        ("Agenda item", "agenda_item"),
        ("Paper title", "paper_title"),
        ("Report by", "author"),
        ("Lead director", "lead_director"),
        ("Purpose", "purpose_text"),
        ("Level of assurance", "assurance_level"),
        ("Strategic priorities", "priorities_text"),
        ("Board assurance framework risks", "baf_text"),
        ("Previously considered by", "previously_considered_by"),
    ]
    for label, name in rows:
        _tag_row(table, f"{{%tr if {name} %}}")
        _value_row(table, [label, f"{{{{ {name} }}}}"], label=True)
        _tag_row(table, "{%tr endif %}")
    _widths(table, widths)


def _paragraph(doc, text: str, style: str | None = None):  # noqa: ANN001, ANN202
    paragraph = doc.add_paragraph(style=style)
    paragraph.add_run(text)
    return paragraph


def _footer(doc) -> None:  # noqa: ANN001
    section = doc.sections[0]
    footer = section.footer.paragraphs[0]
    footer.style = "Cover note"
    footer.paragraph_format.tab_stops.add_tab_stop(BODY_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run("{{ organisation }} · {{ paper_title }}\tPage ")
    # Page only, not "of N": in the board-portal PDF the slides follow and the numbering runs on.
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    header = section.header.paragraphs[0]
    header.style = "Cover note"
    header.paragraph_format.tab_stops.add_tab_stop(BODY_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    header.add_run("{{ organisation }}\t{% if agenda_item %}Agenda item {{ agenda_item }}"
                   "{% endif %}")


def make_template(target: Path = TARGET) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    _styles(doc)
    _language(doc)
    _footer(doc)

    _paragraph(doc, "{{ paper_title }}", "Title")
    _paragraph(doc, "{{ pack_title }} · {{ title }} {{ period }} · position as at {{ as_of_text }}",
               "Cover note")
    _cover_sheet(doc)

    doc.add_heading("Recommendation", level=1)
    _paragraph(doc, "{{ recommendation }}")

    doc.add_heading("Executive summary", level=1)
    _paragraph(doc, "The key messages of the {{ pack_title }} pack for {{ period }}:")
    _paragraph(doc, "{%p for message in key_messages %}")
    _paragraph(doc, "{{ message }}", "List Bullet")
    _paragraph(doc, "{%p endfor %}")

    doc.add_heading("Position by priority", level=1)
    _paragraph(doc, "The RAG status of the {{ total_text }} item{{ 's' if total != 1 }} "
               "reported for {{ period }}, by priority. Each status is named as well as "
               "coloured.")
    rag = _table(doc, ["Priority", "{%tc for s in statuses %}", "{{r s.heading }}",
                       "{%tc endfor %}", "Total"],
                 [Cm(9.0), Cm(0.1), Cm(1.6), Cm(0.1), Cm(1.6)], "RAG status by priority",
                 "The number of items at each RAG status, by priority, and in total.")
    # The status columns are coloured as their RAG; the tc tags above come out when rendered.
    rag_first = rag.rows[0].cells
    rag_first[2].paragraphs[0].runs[0].text = "{% cellbg s.fill %}{{r s.heading }}"
    _tag_row(rag, "{%tr for row in rag_rows %}")
    cells = rag.add_row().cells
    for cell, text in zip(cells, ["{{ row.priority }}", "{%tc for n in row.counts %}",
                                  "{{ n }}", "{%tc endfor %}", "{{ row.total }}"], strict=True):
        _cell_text(cell, text, bold=text.startswith("{{ row.total"))
    _keep_whole(rag)
    _tag_row(rag, "{%tr endfor %}")
    cells = rag.add_row().cells  # the total row, bold
    for cell, text in zip(cells, ["Total", "{%tc for n in total_counts %}", "{{ n }}",
                                  "{%tc endfor %}", "{{ total_text }}"], strict=True):
        _cell_text(cell, text, bold=True)
    _widths(rag, [Cm(9.0), Cm(0.1), Cm(1.6), Cm(0.1), Cm(1.6)])

    doc.add_heading("Exceptions", level=1)
    _paragraph(doc, "{{ exceptions_intro }}")
    _paragraph(doc, "{%p if exceptions %}")
    exceptions = _table(
        doc, ["Priority", "Project", "RAG", "Why it is here", "Action or latest position",
              "Lead"],
        [Cm(2.2), Cm(3.3), Cm(1.8), Cm(2.6), Cm(4.5), Cm(2.6)], "Exceptions",
        "Items at the worst RAG status, deteriorated, overdue or no longer reported, with the "
        "reason, the action or latest position and the lead.")
    _tag_row(exceptions, "{%tr for e in exceptions %}")
    cells = exceptions.add_row().cells
    for cell, text in zip(cells, ["{{ e.priority }}", "{{ e.project }}",
                                  "{% cellbg e.fill %}{{r e.rag }}", "{{ e.why }}",
                                  "{{ e.action }}", "{{ e.lead }}"], strict=True):
        _cell_text(cell, text)
    _keep_whole(exceptions)
    _tag_row(exceptions, "{%tr endfor %}")
    _widths(exceptions, [Cm(2.2), Cm(3.3), Cm(1.8), Cm(2.6), Cm(4.5), Cm(2.6)])
    _paragraph(doc, "{%p endif %}")

    doc.add_heading("Movement since last period", level=1)
    _paragraph(doc, "{{ movement_intro }}")
    _paragraph(doc, "{%p if previous_period %}")
    movement = _table(doc, ["RAG status", "{{ previous_period }}", "{{ period }}", "Change"],
                      [Cm(6.5), Cm(3.5), Cm(3.5), Cm(3.5)], "Movement since last period",
                      "Items at each RAG status last period and this period, and the change.")
    _tag_row(movement, "{%tr for m in movement %}")
    cells = movement.add_row().cells
    for cell, text in zip(cells, ["{% cellbg m.fill %}{{r m.status }}", "{{ m.before }}",
                                  "{{ m.now }}", "{{ m.change }}"], strict=True):
        _cell_text(cell, text)
    _keep_whole(movement)
    _tag_row(movement, "{%tr endfor %}")
    _widths(movement, [Cm(6.5), Cm(3.5), Cm(3.5), Cm(3.5)])
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, "{%p for line in movement_lines %}")
    _paragraph(doc, "{{ line }}", "List Bullet")
    _paragraph(doc, "{%p endfor %}")

    doc.add_heading("Missing returns", level=1)
    _paragraph(doc, "{{ missing_intro }}")
    _paragraph(doc, "{%p for workstream in missing_returns %}")
    _paragraph(doc, "{{ workstream }}", "List Bullet")
    _paragraph(doc, "{%p endfor %}")

    _paragraph(doc, "{%p if equality_statement %}")
    doc.add_heading("Equality impact", level=1)
    _paragraph(doc, "{%p for text in equality_statement %}")
    _paragraph(doc, "{{ text }}")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p endif %}")

    doc.add_heading("Supporting information", level=1)
    _paragraph(doc, "{{ supporting }}")

    doc.core_properties.title = "{{ paper_title }}"
    doc.core_properties.subject = "{{ title }} {{ period }}: {{ pack_title }}"
    doc.core_properties.author = "{{ organisation }}"
    doc.core_properties.comments = ""
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(target)
    return target


def main(argv: list[str]) -> int:
    target = make_template(Path(argv[1]) if len(argv) > 1 else TARGET)
    if target == TARGET:
        COPY.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, COPY)
    print(f"wrote {target}" + (f" and {COPY}" if target == TARGET else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
