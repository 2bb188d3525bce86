"""Text on deck slides: cleaning tracker text, contrast colours, fitting and writing frames."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pptx.chart.chart import Chart
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.util import Pt

from planreports.render.measure import fit_size
from planreports.render.paginate import CellMargins
from planreports.template_check import Box

NHS_BLUE, WHITE, INK, GRID, GREY = "005EB8", "FFFFFF", "231F20", "AEB7BD", "D8DDE0"
FONT = "Arial"  # the face measure.py has metrics for; set explicitly so a theme cannot change it
# LibreOffice rounds glyph positions, so a line it sets can be up to 0.4% wider than the font
# metrics add up to (measured at 10-14 pt); wrap as if cells were 1% narrower so a row never
# needs a line more than was measured. More margin than that adds lines that are never drawn.
WIDTH_SAFETY = 0.99
TEXT_SIZES = (16.0, 14.0, 12.0, 11.0, 10.0)
TEXT_INSETS = CellMargins(7.2, 7.2, 3.6, 3.6)
PARAGRAPH_GAP = 6.0  # points after each paragraph of slide text
# Characters XML 1.0 cannot hold (lone surrogates come from badly decoded CSV files).
_BAD_XML = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: object) -> str:
    """Tracker text as a slide can hold it: one kind of line break, no tabs or control codes."""
    value = str(text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n")
    return _BAD_XML.sub("", value.replace("\t", " ")).strip()


def on_colour(fill: str) -> str:
    """Black or white text, whichever contrasts more with `fill` (WCAG relative luminance)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(fill[i:i + 2]) for i in (0, 2, 4))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else WHITE


@dataclass(frozen=True, slots=True)
class Style:
    """How a table cell looks beyond its text."""

    fill: str = WHITE
    colour: str | None = INK  # None: the template's own colour (titles)
    bold: bool | None = False


PLAIN, HEADER = Style(), Style(NHS_BLUE, WHITE, True)


def fit_text_size(text: str, box: Box, sizes: Sequence[float], bold: bool = False,
                  gap: float = 0.0) -> float | None:
    """The largest of `sizes` at which `text` fits the text frame `box`, else None."""
    width = (box.width - TEXT_INSETS.left - TEXT_INSETS.right) * WIDTH_SAFETY
    height = box.height - TEXT_INSETS.top - TEXT_INSETS.bottom
    return fit_size(text, width, height, list(sizes), bold, gap)


def write_text(frame, text: str, size: float, style: Style = PLAIN, align=None,
               font_name: str | None = FONT, gap: float = 0.0) -> None:
    """Text into a text frame, one paragraph per line, with every run sized and coloured."""
    frame.word_wrap = True
    lines = text.split("\n") or [""]
    frame.text = ""
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            para.alignment = align
        if gap:
            para.space_after = Pt(gap)
        if line:
            run = para.add_run()
            run.text = line
            font = run.font
            font.size, font.bold, font.name = Pt(size), style.bold, font_name
            if style.colour is not None:
                font.color.rgb = RGBColor.from_string(style.colour)
        # An empty paragraph takes its height from here; unset, it would be 18 pt.
        para._p.get_or_add_endParaRPr().set("sz", str(int(size * 100)))



def style_rag_chart(chart: Chart, colours: Sequence[str]) -> None:
    """The look every RAG chart shares: legend below, whole-number counts, stacks labelled
    with their count in the RAG colours (series in `colours` order, "RRGGBB")."""
    chart.font.size, chart.font.name = Pt(12), FONT
    chart.has_legend, chart.legend.position = True, XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.number_format = "0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    plot.gap_width, plot.overlap = 60, 100
    plot.has_data_labels = True
    plot.data_labels.show_value = True
    plot.data_labels.position = XL_LABEL_POSITION.CENTER
    for chart_series, colour in zip(plot.series, colours, strict=True):
        chart_series.format.fill.solid()
        chart_series.format.fill.fore_color.rgb = RGBColor.from_string(colour)
        labels = chart_series.data_labels
        labels.show_value, labels.position = True, XL_LABEL_POSITION.CENTER
        labels.font.size, labels.font.bold = Pt(11), True
        labels.font.color.rgb = RGBColor.from_string(on_colour(colour))
