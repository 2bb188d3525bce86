"""The board pack as a .pptx: cover, plan on a page, RAG chart, progress tables, appendices."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls
from pptx.util import Pt

from planreports.errors import RenderError
from planreports.model import SEVERITY_ORDER, Item, PackView
from planreports.render.measure import fit_size
from planreports.render.paginate import CellMargins, Page, paginate_rows, widen_columns
from planreports.render.text import narrative
from planreports.template_check import Box, resolve_layouts, slide_regions

NHS_BLUE, WHITE, INK, GRID, GREY = "005EB8", "FFFFFF", "231F20", "AEB7BD", "D8DDE0"
FONT = "Arial"  # the face measure.py has metrics for; set explicitly so a theme cannot change it
# LibreOffice sets text a touch wider than the font metrics add up to; wrap as if cells were
# narrower so a row never needs a line more than was measured.
WIDTH_SAFETY = 0.96
TABLE_SIZES = (12.0, 11.0, 10.0)
TEXT_SIZES = (16.0, 14.0, 12.0, 11.0, 10.0)
TEXT_INSETS = CellMargins(7.2, 7.2, 3.6, 3.6)
PARAGRAPH_GAP = 6.0  # points after each paragraph of slide text
# No-break spaces keep each arrow with its word when a narrow RAG column wraps.
TREND = {"improved": "▲\u00a0improved", "deteriorated": "▼\u00a0deteriorated",
         "same": "►\u00a0same", "new": "●\u00a0new"}
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


@dataclass
class Table:
    """A table before pagination: rows as text, how each looks, and the source of each row."""

    header: tuple[str, ...]
    fractions: tuple[float, ...]  # column widths as parts of the content width
    rows: list[tuple[str, ...]] = field(default_factory=list)
    heads: list[tuple[str, ...]] = field(default_factory=list)  # the row when it starts a page
    styles: list[tuple[Style, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bold: frozenset[int] = frozenset()

    def add(self, cells, styles=None, head=None, note: str = "") -> None:
        cells = tuple(clean(c) for c in cells)
        self.rows.append(cells)
        self.heads.append(tuple(clean(c) for c in head) if head else cells)
        self.styles.append(tuple(styles) if styles else (PLAIN,) * len(cells))
        self.notes.append(note)


def _fit_size(text: str, box: Box, sizes: Sequence[float], bold: bool = False,
              gap: float = 0.0) -> float | None:
    """The largest of `sizes` at which `text` fits the text frame `box`, else None."""
    width = (box.width - TEXT_INSETS.left - TEXT_INSETS.right) * WIDTH_SAFETY
    height = box.height - TEXT_INSETS.top - TEXT_INSETS.bottom
    return fit_size(text, width, height, list(sizes), bold, gap)


def _cont(title: str, n: int) -> str:
    """Titles of a slide and its continuations: unique, and plain about being continued."""
    return title if n == 0 else f"{title} (cont.)" if n == 1 else f"{title} (cont. {n})"


def _write(frame, text: str, size: float, style: Style = PLAIN, align=None,
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


def _cell_xml(text: str, size: float, style: Style) -> tuple[str, str]:
    """A table cell's txBody and tcPr as XML: python-pptx's object layer costs ~2 ms a cell."""
    m, a = CellMargins(), nsdecls("a")
    run_pr = f'lang="en-GB" sz="{int(size * 100)}" b="{int(bool(style.bold))}" dirty="0"'
    fill = f'<a:solidFill><a:srgbClr val="{style.colour or INK}"/></a:solidFill>'
    paras = []
    for line in text.split("\n"):
        run = (f"<a:r><a:rPr {run_pr}>{fill}<a:latin typeface=\"{FONT}\"/></a:rPr>"
               f"<a:t>{escape(line)}</a:t></a:r>") if line else ""
        # An empty paragraph takes its height from endParaRPr; unset, it would be 18 pt.
        paras.append(f"<a:p>{run}<a:endParaRPr {run_pr}/></a:p>")
    grid = f'<a:solidFill><a:srgbClr val="{GRID}"/></a:solidFill>'
    edges = "".join(f'<a:{side} w="9525">{grid}</a:{side}>' for side in ("lnL", "lnR", "lnT",
                                                                           "lnB"))
    body = f"<a:txBody {a}><a:bodyPr/><a:lstStyle/>{''.join(paras)}</a:txBody>"
    props = (f'<a:tcPr {a} marL="{Pt(m.left)}" marR="{Pt(m.right)}" marT="{Pt(m.top)}" '
             f'marB="{Pt(m.bottom)}" anchor="t">{edges}'
             f'<a:solidFill><a:srgbClr val="{style.fill}"/></a:solidFill></a:tcPr>')
    return body, props


def _style_cell(cell, text: str, size: float, style: Style) -> None:
    tc = cell._tc
    for child in list(tc):
        tc.remove(child)
    for xml in _cell_xml(text, size, style):
        tc.append(parse_xml(xml))


class _Deck:
    """One pack being written: the presentation, its layouts and the titles used so far."""

    def __init__(self, view: PackView, template: Path, template_dir: Path | None) -> None:
        try:
            self.prs = Presentation(str(template))
        except Exception as exc:  # python-pptx raises several kinds for a bad package
            raise RenderError(f"{template}: cannot be opened as a deck template: {exc}") from exc
        layouts, report = resolve_layouts(self.prs, str(template))
        if layouts is None:
            raise RenderError(report.describe())
        self.layouts = layouts
        self.view, self.config, self.template_dir = view, view.config, template_dir
        self.regions = slide_regions(self.prs, layouts.content)
        self._regions = {role: slide_regions(self.prs, getattr(layouts, role))
                         for role in ("title", "content", "text")}
        self.titles: set[str] = set()
        slide_ids = self.prs.slides._sldIdLst
        for slide_id in list(slide_ids):  # a trust's sample slides are not part of the pack
            self.prs.part.drop_rel(slide_id.rId)
            slide_ids.remove(slide_id)

    # --- slides ----------------------------------------------------------------------------

    def slide(self, title: str, role: str = "content"):
        """A new slide whose title is unique and in the title placeholder, with a footer."""
        unique, n = title, 2
        while unique in self.titles:
            unique, n = f"{title} ({n})", n + 1
        self.titles.add(unique)
        layout = getattr(self.layouts, role)
        slide = self.prs.slides.add_slide(layout)
        regions = self._regions[role]
        keep = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}
        keep |= {PP_PLACEHOLDER.SUBTITLE} if role == "title" else set()
        for ph in list(slide.placeholders):
            if ph.placeholder_format.type not in keep:
                # An empty placeholder shows "Click to add text" to everyone editing the pack.
                ph.element.getparent().remove(ph.element)
        sizes = (40.0, 36.0, 32.0, 28.0, 24.0) if role == "title" else (28.0, 24.0, 20.0, 18.0)
        size = _fit_size(unique, regions.title, sizes, bold=True) or sizes[-1]
        _write(slide.shapes.title.text_frame, unique, size, Style(colour=None, bold=None),
               font_name=None)
        self._footer(slide, regions)
        return slide

    def _footer(self, slide, regions) -> None:
        report = self.config.report
        number = str(len(self.prs.slides))
        candidates = (
            f"{self.config.organisation} · {report.title} {report.period} · {self.view.title}",
            f"{report.title} {report.period} · {self.view.title}",
            f"{report.period}",
        )
        text = next((t for t in candidates if _fit_size(t, regions.footer, (10.0,))),
                    candidates[-1])
        for box, value, align, name in (
            (regions.footer, text, PP_ALIGN.LEFT, "Footer"),
            (regions.number, number, PP_ALIGN.RIGHT, "Slide number"),
        ):
            shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width),
                                             Pt(box.height))
            shape.name = name
            frame = shape.text_frame
            frame.auto_size = MSO_AUTO_SIZE.NONE
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            _write(frame, value, 10.0, Style(colour="425563"), align)

    def text_slides(self, title: str, paragraphs: Sequence[str], box: Box | None = None,
                    first=None, sizes: Sequence[float] = TEXT_SIZES) -> None:
        """Paragraphs in a text box, on as many slides as they need (never below 10 pt)."""
        box = box or self.regions.body
        title = title or (first.shapes.title.text if first is not None else "Notes")
        paragraphs = [clean(p) or " " for p in paragraphs] or [" "]
        text = "\n".join(paragraphs)
        size = _fit_size(text, box, sizes, gap=PARAGRAPH_GAP)
        pages = [paragraphs]
        if size is None:
            margins = CellMargins(TEXT_INSETS.left, TEXT_INSETS.right, 0, PARAGRAPH_GAP)
            laid = paginate_rows(
                [(p,) for p in paragraphs], [box.width * WIDTH_SAFETY],
                box.height - TEXT_INSETS.top - TEXT_INSETS.bottom,
                sizes=(10.0,), margins=margins,
            )
            size, pages = 10.0, [[r.cells[0] for r in page.rows] for page in laid.pages]
        for n, lines in enumerate(pages):
            slide = first if (n == 0 and first is not None) else self.slide(_cont(title, n))
            shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width),
                                             Pt(box.height))
            shape.name = "Text"
            frame = shape.text_frame
            frame.auto_size = MSO_AUTO_SIZE.NONE
            for side in ("left", "right", "top", "bottom"):
                setattr(frame, f"margin_{side}", Pt(getattr(TEXT_INSETS, side)))
            _write(frame, "\n".join(lines), size, gap=PARAGRAPH_GAP)

    def table_slides(self, title: str, table: Table, notes_title: str = "") -> int:
        """The table over as many slides as it needs, header repeated; returns the count."""
        body = self.regions.body
        bold = table.bold | {c for c in range(len(table.header))
                             if any(style[c].bold for style in table.styles)}
        # Measured at the largest size, widths scaled for LibreOffice's slightly wider setting.
        widths = widen_columns(
            [[table.header[c], *(r[c] for r in table.rows + table.heads)]
             for c in range(len(table.header))],
            [body.width * f * WIDTH_SAFETY for f in table.fractions], TABLE_SIZES[0],
            frozenset(bold),
        )
        widths = [w / WIDTH_SAFETY for w in widths]
        laid = paginate_rows(
            table.rows, [w * WIDTH_SAFETY for w in widths], body.height,
            header=table.header, sizes=TABLE_SIZES, heads=table.heads, bold_columns=table.bold,
        )
        for n, page in enumerate(laid.pages):
            name = _cont(title, n)
            slide = self.slide(name)
            self._table(slide, page, laid.font_size, laid.header_height, widths, table, name)
            if notes_title:
                lines = [notes_title]
                for row in page.rows:
                    part = f" (part {row.part + 1})" if row.part or row.continues else ""
                    lines.append(f"- {table.notes[row.source]}{part}")
                slide.notes_slide.notes_text_frame.text = clean("\n".join(lines))
        return len(laid.pages)

    def _table(self, slide, page: Page, size: float, header_height: float,
               widths: list[float], table: Table, name: str) -> None:
        body = self.regions.body
        frame = slide.shapes.add_table(
            len(page.rows) + 1, len(widths), Pt(body.left), Pt(body.top), Pt(sum(widths)),
            Pt(page.height),
        )
        frame.name = f"Table: {name}"
        frame._element.nvGraphicFramePr.cNvPr.set("descr", f"Table: {name}")
        grid = frame.table
        grid.horz_banding, grid.first_row = False, True
        for column, width in zip(grid.columns, widths, strict=True):
            column.width = Pt(width)
        grid.rows[0].height = Pt(header_height)
        for c, text in enumerate(table.header):
            _style_cell(grid.cell(0, c), text, size, HEADER)
        for r, row in enumerate(page.rows, start=1):
            grid.rows[r].height = Pt(row.height)
            for c, text in enumerate(row.cells):
                style = table.styles[row.source][c]
                if c in table.bold and not style.bold:
                    style = Style(style.fill, style.colour, True)
                _style_cell(grid.cell(r, c), text, size, style)

    def save(self, target: Path) -> None:
        try:
            self.prs.save(str(target))
        except OSError as exc:
            raise RenderError(f"{target}: cannot be written: {exc}") from exc


# --- the sections, in pack order ------------------------------------------------------------


def _numbered(config) -> dict[str | None, tuple[int, object]]:
    return {p.id: (n, p) for n, p in enumerate(config.priorities, start=1)}


def _priority_name(config, pid: str | None, short: bool = False) -> str:
    found = _numbered(config).get(pid)
    if found is None:
        return "Not matched to a priority"
    n, priority = found
    return f"{n}. {priority.label if short else priority.title}"


def _rag_cell(config, item: Item) -> tuple[str, Style]:
    status = config.rag_status(item.rag)
    words = status.label if status else "No RAG"
    if item.trend in TREND:
        words += "\n" + TREND[item.trend]
    fill = status.colour.lstrip("#") if status else GREY
    return words, Style(fill, on_colour(fill), True)


def _cover(deck: _Deck) -> None:
    config, view = deck.config, deck.view
    report = config.report
    slide = deck.slide(f"{report.title}: {report.period} report", role="title")
    lines = [view.title, config.organisation,
             f"Position as at {report.as_of.day} {report.as_of:%B %Y}"]
    subtitle = next((ph for ph in slide.placeholders if ph.placeholder_format.idx != 0), None)
    if subtitle is None:
        deck.text_slides("", lines, first=slide)
        return
    box = Box(*(float(v) / 12700 for v in (subtitle.left, subtitle.top, subtitle.width,
                                           subtitle.height)))
    size = _fit_size("\n".join(lines), box, (20.0, 18.0, 16.0, 14.0, 12.0)) or 12.0
    _write(subtitle.text_frame, "\n".join(lines), size, Style(colour=None), font_name=None)


def _plan(deck: _Deck) -> None:
    table = Table(("Priority", "Workstreams"), (0.36, 0.64), bold=frozenset({0}))
    for n, priority in enumerate(deck.config.priorities, start=1):
        streams = [f"{i}. {w.title}" for i, w in enumerate(priority.workstreams, start=1)]
        table.add((f"{n}. {priority.title}", "\n".join(streams) or "No workstreams configured"))
    deck.table_slides("Plan on a page", table)


def _summary(deck: _Deck) -> None:
    view, config = deck.view, deck.config
    slide = deck.slide("RAG summary")
    body = deck.regions.body
    groups = [pid for pid in [p.id for p in config.priorities] + [None]
              if any(i.priority == pid for i in view.items)]
    counts = view.counts()
    data = CategoryChartData()
    data.categories = [_priority_name(config, pid, short=True) for pid in groups]
    series = [(s.label, s.key, s.colour.lstrip("#")) for s in config.rag]
    if any(i.rag is None for i in view.items):
        series.append(("No RAG", None, GREY))
    series = [s for s in series if any(counts[pid].get(s[1]) for pid in groups)]
    for label, key, _ in series:
        data.add_series(label, [counts[pid].get(key) or None for pid in groups])
    width = body.width * 0.58
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, Pt(body.left), Pt(body.top),
                                   Pt(width), Pt(body.height), data)
    chart = frame.chart
    chart.font.size, chart.font.name = Pt(12), FONT
    chart.has_legend, chart.legend.position = True, XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.category_axis.reverse_order = True  # priority 1 at the top, as in the plan
    # ...and the count scale at the bottom: python-pptx sets crossing on value axes only.
    chart.value_axis._element.xpath("c:crosses")[0].set("val", "max")
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.number_format = "0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    plot.gap_width, plot.overlap = 60, 100
    plot.has_data_labels = True
    plot.data_labels.show_value = True
    plot.data_labels.position = XL_LABEL_POSITION.CENTER
    for chart_series, (_, _, colour) in zip(plot.series, series, strict=True):
        chart_series.format.fill.solid()
        chart_series.format.fill.fore_color.rgb = RGBColor.from_string(colour)
        labels = chart_series.data_labels
        labels.show_value, labels.position = True, XL_LABEL_POSITION.CENTER
        labels.font.size, labels.font.bold = Pt(11), True
        labels.font.color.rgb = RGBColor.from_string(on_colour(colour))
    described = "; ".join(
        f"{_priority_name(config, pid, short=True)}: " + ", ".join(
            f"{counts[pid].get(key, 0)} {label}" for label, key, _ in series
        ) for pid in groups
    )
    frame.name = "RAG chart"
    frame._element.nvGraphicFramePr.cNvPr.set(
        "descr", f"Stacked bar chart of RAG status counts by priority. {described}."
    )
    text = narrative(view, deck.template_dir).splitlines()
    paragraphs = [("• " + line[2:]) if line.startswith("- ") else line for line in text]
    box = Box(body.left + width + 12, body.top, body.width - width - 12, body.height)
    deck.text_slides("RAG summary", [p for p in paragraphs if p.strip()], box, first=slide,
                     sizes=(14.0, 12.0, 11.0, 10.0))


def _ordered(config, items: Sequence[Item]) -> list[Item]:
    """Items in plan order: priority, then configured workstream, then as the trackers had them."""
    numbered = _numbered(config)

    def key(pair: tuple[int, Item]) -> tuple:
        index, item = pair
        n, priority = numbered.get(item.priority, (len(numbered) + 1, None))
        titles = [w.title for w in priority.workstreams] if priority else []
        stream = titles.index(item.workstream) if item.workstream in titles else len(titles)
        return n, stream, index

    return [item for _, item in sorted(enumerate(items), key=key)]


PROGRESS = ("Priority", "RAG", "Project", "Progress update", "Lead")


def _progress(deck: _Deck) -> None:
    config = deck.config
    ordered = _ordered(config, deck.view.items)
    for pid in dict.fromkeys(i.priority for i in ordered):
        table = Table(PROGRESS, (0.14, 0.11, 0.19, 0.44, 0.12), bold=frozenset({0}))
        previous = None
        for item in (i for i in ordered if i.priority == pid):
            rag, rag_style = _rag_cell(config, item)
            project = "\n".join(t for t in (item.workstream, item.item) if t)
            # A further row of the same workstream names it once, as the seed's tables do.
            same = previous is not None and previous.workstream == item.workstream
            shown = (item.item or "") if same else project
            styles = (PLAIN, rag_style, PLAIN, PLAIN, PLAIN)
            note = f"{project.replace(chr(10), ' / ')}: {item.source}"
            table.add(("", rag, shown, item.update, item.lead), styles,
                      head=(_priority_name(config, pid), rag, project, item.update, item.lead),
                      note=note)
            previous = item
        label = _priority_name(config, pid, short=True).split(". ", 1)[-1]
        deck.table_slides(f"Progress updates: {label}", table,
                          notes_title="Source cells of the rows on this slide:")


def _row_number(cell: str | None) -> str:
    return re.sub(r"^[A-Za-z$]+", "", cell or "").lstrip("$")


def _exceptions(deck: _Deck) -> None:
    config, view = deck.config, deck.view
    worst = config.rag[0]
    overdue = {(f.file, f.sheet, _row_number(f.cell)): f
               for f in view.findings if f.code == "overdue"}
    table = Table(("Priority", "RAG", "Project", "Why it is here", "Progress update", "Lead"),
                  (0.12, 0.10, 0.17, 0.17, 0.32, 0.12))
    for item in _ordered(config, view.items):
        why = []
        if item.rag == worst.key:
            why.append(f"{worst.label}: {worst.meaning}" if worst.meaning else worst.label)
        if item.trend == "deteriorated":
            before = config.rag_status(item.previous_rag)
            why.append(f"Deteriorated (was {before.label})" if before else "Deteriorated")
        src = item.source
        found = overdue.pop((src.file, src.sheet, _row_number(src.cell)), None)
        if found is not None:  # the finding's message names the cell; the notes already do
            due = item.due
            why.append(f"Overdue: due {due.day} {due:%b %Y}" if due else found.message)
        if why:
            rag, style = _rag_cell(config, item)
            project = "\n".join(t for t in (item.workstream, item.item) if t)
            table.add((_priority_name(config, item.priority, True), rag, project,
                       "\n".join(why), item.update, item.lead),
                      (PLAIN, style, PLAIN, PLAIN, PLAIN, PLAIN), note=f"{project}: {src}")
    for f in overdue.values():  # overdue rows that did not become an item of this pack
        table.add((_priority_name(config, f.priority, True), "", f.workstream or "",
                   f.message, "", ""), note=f"{f.file}!{f.sheet}!{f.cell}")
    if not table.rows:
        slide = deck.slide("Exceptions")
        deck.text_slides("", [f"No exceptions for {config.report.period}: nothing is "
                              f"{worst.label}, deteriorated or overdue."], first=slide)
        return
    deck.table_slides("Exceptions", table, notes_title="Source cells of the rows on this slide:")


def _data_quality(deck: _Deck) -> None:
    findings = sorted(deck.view.findings, key=lambda f: (
        SEVERITY_ORDER.get(f.severity, 9), f.code, f.file or "", f.sheet or "", f.cell or ""))
    if not findings:
        slide = deck.slide("Data quality")
        deck.text_slides("", ["No data-quality findings: every tracker row was read and "
                              "matched to the plan."], first=slide)
        return
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        counts[(f.severity, f.code)] = counts.get((f.severity, f.code), 0) + 1
    summary = Table(("Severity", "Finding", "Count"), (0.25, 0.55, 0.20))
    for (severity, code), n in counts.items():
        summary.add((severity.capitalize(), code, str(n)))
    deck.table_slides("Data quality: summary", summary)
    detail = Table(("Finding", "Severity", "Message", "Where"), (0.17, 0.11, 0.47, 0.25))
    for f in findings:
        where = " · ".join(part for part in (f.file, f.sheet, f.cell) if part)
        detail.add((f.code, f.severity.capitalize(), f.message, where or "the whole run"))
    deck.table_slides("Data quality: findings", detail)


def _rag_key(deck: _Deck) -> None:
    table = Table(("RAG", "Meaning"), (0.25, 0.75))
    for status in deck.config.rag:
        fill = status.colour.lstrip("#")
        table.add((status.label, status.meaning or status.label),
                  (Style(fill, on_colour(fill), True), PLAIN))
    deck.table_slides("RAG key", table)


def render_deck(
    view: PackView, template: Path, target: Path, template_dir: Path | None = None
) -> None:
    """Write the pack's board deck to `target`, built on the trust's deck `template`.

    Slides: cover, plan on a page, RAG summary (chart and narrative), progress updates by
    priority, exceptions, data quality, RAG key. A pack with no items gets one slide saying
    so in place of the summary, progress and exceptions.
    """
    deck = _Deck(view, Path(template), template_dir)
    _cover(deck)
    _plan(deck)
    if view.items:
        _summary(deck)
        _progress(deck)
        _exceptions(deck)
    else:
        slide = deck.slide("Progress updates")
        deck.text_slides("", [f"No items were reported for {view.title} in "
                              f"{deck.config.report.period}.",
                              "See the data-quality appendix for trackers that were read, "
                              "skipped or could not be matched."], first=slide)
    _data_quality(deck)
    _rag_key(deck)
    deck.save(Path(target))
