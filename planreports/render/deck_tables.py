"""Tables on the deck's slides: rows before pagination, and one page of them written as XML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls
from pptx.util import Pt

from planreports.render.deck_text import (
    FONT,
    GRID,
    HEADER,
    INK,
    PLAIN,
    WIDTH_SAFETY,
    Style,
    clean,
)
from planreports.render.paginate import CellMargins, Page
from planreports.template_check import Box

# Cell margins a little under PowerPoint's defaults (7.2 and 3.6 pt): on a slide of tracker
# updates they are a line of text in every six rows, and the grid still keeps cells apart.
TABLE_MARGINS = CellMargins(5.4, 5.4, 2.7, 2.7)
# Trackers put a blank line between paragraphs; drawn at body size it costs a whole line, so
# an empty paragraph is drawn (and measured) at this size: a gap that still reads as one.
BLANK_LINE_PT = 4.0
# The progress table in the seed's form (Priority, RAG, Project, Progress update, Lead): the
# update takes two thirds of the width, since it is what a board member reads.
PROGRESS_FRACTIONS = (0.075, 0.065, 0.13, 0.65, 0.08)


def layout_widths(widths: Sequence[float]) -> list[float]:
    """Column widths as text is measured in them: a hair narrower than drawn, see WIDTH_SAFETY."""
    return [w * WIDTH_SAFETY for w in widths]


@dataclass
class Table:
    """A table before pagination: rows as text, how each looks, and the source of each row."""

    header: tuple[str, ...]
    fractions: tuple[float, ...]  # column widths as parts of the content width
    rows: list[tuple[str, ...]] = field(default_factory=list)
    heads: list[tuple[str, ...]] = field(default_factory=list)  # the row when it starts a page
    styles: list[tuple[Style, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    groups: list[object] = field(default_factory=list)  # e.g. the priority each row is under
    bold: frozenset[int] = frozenset()
    split_column: int | None = None  # long text that may continue on the next slide

    def add(self, cells, styles=None, head=None, note: str = "", group: object = None) -> None:  # noqa: ANN001
        cells = tuple(clean(c) for c in cells)
        self.rows.append(cells)
        self.heads.append(tuple(clean(c) for c in head) if head else cells)
        self.styles.append(tuple(styles) if styles else (PLAIN,) * len(cells))
        self.notes.append(note)
        self.groups.append(group)

    def without_rows_from(self, keep: int) -> Table:
        """The same table with only its first `keep` rows."""
        return Table(self.header, self.fractions, self.rows[:keep], self.heads[:keep],
                     self.styles[:keep], self.notes[:keep], self.groups[:keep], self.bold,
                     self.split_column)


def _cell_xml(text: str, size: float, style: Style, ns: str = nsdecls("a")) -> tuple[str, str]:
    """A table cell's txBody and tcPr as XML (`ns`: their namespace declaration, none inside a
    table written whole): python-pptx's object layer costs ~2 ms a cell."""
    m = TABLE_MARGINS
    bold = f'b="{int(bool(style.bold))}" dirty="0"'
    run_pr = f'lang="en-GB" sz="{int(size * 100)}" {bold}'
    fill = f'<a:solidFill><a:srgbClr val="{style.colour or INK}"/></a:solidFill>'
    paras = []
    for line in text.split("\n"):
        if line:
            run = (f"<a:r><a:rPr {run_pr}>{fill}<a:latin typeface=\"{FONT}\"/></a:rPr>"
                   f"<a:t>{escape(line)}</a:t></a:r>")
            paras.append(f"<a:p>{run}<a:endParaRPr {run_pr}/></a:p>")
        else:
            # An empty paragraph takes its height from endParaRPr (unset, it would be 18 pt):
            # a blank line between paragraphs is a small gap (see BLANK_LINE_PT).
            gap = int(BLANK_LINE_PT * 100)
            paras.append(f'<a:p><a:endParaRPr lang="en-GB" sz="{gap}" {bold}/></a:p>')
    body = f"<a:txBody {ns}><a:bodyPr/><a:lstStyle/>{''.join(paras)}</a:txBody>"
    props = (f'<a:tcPr {ns} marL="{Pt(m.left)}" marR="{Pt(m.right)}" marT="{Pt(m.top)}" '
             f'marB="{Pt(m.bottom)}" anchor="t">{_EDGES}'
             f'<a:solidFill><a:srgbClr val="{style.fill}"/></a:solidFill></a:tcPr>')
    return body, props


_EDGES = "".join(f'<a:{side} w="9525"><a:solidFill><a:srgbClr val="{GRID}"/></a:solidFill>'
                 f"</a:{side}>" for side in ("lnL", "lnR", "lnT", "lnB"))
# python-pptx's default table style ("Medium Style 2 - Accent 1"); our cells set their own look.
_TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"


def write_table_cell(cell, text: str, size: float, style: Style) -> None:  # noqa: ANN001
    """Replace a python-pptx table cell's text and look with ours."""
    tc = cell._tc
    for child in list(tc):
        tc.remove(child)
    for xml in _cell_xml(text, size, style):
        tc.append(parse_xml(xml))


def add_table_page(slide, body: Box, page: Page, size: float, header_height: float,  # noqa: ANN001
                   widths: list[float], table: Table, name: str) -> None:
    """One page of `table` as a table shape filling the top of the slide's body region.

    The shape is written as one piece of XML, as python-pptx's `add_table` would leave it once
    every cell, width and height was set through it (its default cells, replaced one by one,
    were a quarter of a deck's time)."""
    rows = [(header_height, [(text, HEADER) for text in table.header])]
    for row in page.rows:
        styles = table.styles[row.source]
        cells = []
        for c, text in enumerate(row.cells):
            style = styles[c]
            if c in table.bold and not style.bold:
                style = Style(style.fill, style.colour, True)
            cells.append((text, style))
        rows.append((row.height, cells))
    trs = []
    for height, cells in rows:
        tcs = "".join("<a:tc>{}{}</a:tc>".format(*_cell_xml(text, size, style, ns=""))
                      for text, style in cells)
        trs.append(f'<a:tr h="{Pt(height)}">{tcs}</a:tr>')
    columns = [Pt(width) for width in widths]
    grid = "".join(f'<a:gridCol w="{w}"/>' for w in columns)
    label = quoteattr(f"Table: {name}")
    shapes = slide.shapes
    frame = parse_xml(
        f"<p:graphicFrame {nsdecls('a', 'p')}><p:nvGraphicFramePr>"
        f'<p:cNvPr id="{shapes._next_shape_id}" name={label} descr={label}/>'
        '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
        f'</p:nvGraphicFramePr><p:xfrm><a:off x="{Pt(body.left)}" y="{Pt(body.top)}"/>'
        f'<a:ext cx="{sum(columns)}" cy="{sum(Pt(h) for h, _ in rows)}"/></p:xfrm>'
        f'<a:graphic><a:graphicData uri="{_TABLE_URI}"><a:tbl><a:tblPr firstRow="1">'
        f"<a:tableStyleId>{_TABLE_STYLE}</a:tableStyleId></a:tblPr><a:tblGrid>{grid}</a:tblGrid>"
        f"{''.join(trs)}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
    )
    shapes._spTree.insert_element_before(frame, "p:extLst")
