"""One pack's deck being written: template layouts, titled slides with footers, overflow.

Slides and their notes are added here rather than by python-pptx's `add_slide` and
`notes_slide`, which search every slide already in the deck for the next slide id, part name
and relationship id: quadratic in slides (49 ms a slide at 7,800 slides, 230 ms past 14,000).
`NewParts` keeps those counters itself, so each slide costs the same however long the deck.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.oxml.slide import CT_NotesSlide
from pptx.parts.slide import NotesSlidePart, SlidePart
from pptx.util import Pt

from planreports.errors import RenderError
from planreports.model import PackView
from planreports.packs import pack_of
from planreports.render.deck_summary import in_summary_mode, leading, rows_at_most
from planreports.render.deck_tables import (
    BLANK_LINE_PT,
    TABLE_MARGINS,
    Table,
    add_table_page,
    layout_widths,
)
from planreports.render.deck_text import (
    GREY,
    PARAGRAPH_GAP,
    TEXT_INSETS,
    TEXT_SIZES,
    WIDTH_SAFETY,
    Style,
    clean,
    fit_text_size,
    write_text,
)
from planreports.render.measure import text_width
from planreports.render.org_matrix import whose
from planreports.render.paginate import (
    CellMargins,
    Page,
    Pagination,
    paginate_rows,
    widen_columns,
)
from planreports.template_check import (
    TITLE_TYPES,
    Box,
    SlideRegions,
    resolve_layouts,
    slide_regions,
)

FOOTER_INK = "425563"
LEGEND_SIZES = (9.0, 8.0)
LEGEND_MARK = "\u25a0"  # a filled square in the status's colour, then its word and meaning


# A template's regions are the same for every pack of a build: read once per file version.
_REGIONS: dict[tuple[str, int, int], dict[str, SlideRegions]] = {}


def _regions_of(template: Path, prs, layouts) -> dict[str, SlideRegions]:  # noqa: ANN001
    stat = template.stat()
    key = (str(template.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _REGIONS:
        _REGIONS[key] = {role: slide_regions(prs, getattr(layouts, role))
                         for role in ("title", "content", "text")}
    return _REGIONS[key]


def cont(title: str, n: int) -> str:
    """Titles of a slide and its continuations: unique, and plain about being continued."""
    return title if n == 0 else f"{title} (cont.)" if n == 1 else f"{title} (cont. {n})"


class NewParts:
    """Slide ids, part names and relationship ids for new slides and notes, in constant time.

    The names in use are collected once, when the deck starts; each new one is the next
    free number after the last given.
    """

    SLIDE, NOTES = "/ppt/slides/slide%d.xml", "/ppt/notesSlides/notesSlide%d.xml"

    def __init__(self, prs) -> None:  # noqa: ANN001 - a python-pptx Presentation
        self.prs, self.package = prs, prs.part.package
        self._used = {str(part.partname) for part in self.package.iter_parts()}
        self._last: dict[str, int] = {}
        self._notes_shapes: list | None = None  # a new notes page's placeholders, made once
        self._next_id = max([255, *(int(s.get("id")) for s in prs.slides._sldIdLst)]) + 1
        self.slides = len(prs.slides)

    def partname(self, template: str) -> PackURI:
        n = self._last.get(template, 0) + 1
        while template % n in self._used:
            n += 1
        self._last[template] = n
        self._used.add(template % n)
        return PackURI(template % n)

    def slide(self, layout):  # noqa: ANN001, ANN201 - a SlideLayout; the new, empty Slide
        """A slide on `layout` at the end of the deck, with no shapes yet."""
        part = SlidePart.new(self.partname(self.SLIDE), self.package, layout.part)
        # relate_to would first look through every relationship for this one; it is new.
        rid = self.prs.part.rels._add_relationship(RT.SLIDE, part)
        self.prs.slides._sldIdLst._add_sldId(id=self._next_id, rId=rid)
        self._next_id += 1
        self.slides += 1
        return part.slide

    def notes(self, slide):  # noqa: ANN001, ANN201 - a Slide; its new NotesSlide
        """The slide's notes page, as python-pptx's `notes_slide` makes it, named here."""
        master = self.prs.part.notes_master_part
        part = NotesSlidePart(self.partname(self.NOTES), CT.PML_NOTES_SLIDE, self.package,
                              CT_NotesSlide.new())
        part.relate_to(master, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        notes = part.notes_slide
        tree = notes.shapes._spTree
        if self._notes_shapes is None:
            before = set(tree)
            notes.clone_master_placeholders(master.notes_master)
            self._notes_shapes = [copy.deepcopy(s) for s in tree if s not in before]
        else:  # every notes page starts as the first did (see DeckWriter._blank_shapes)
            for shape in self._notes_shapes:
                tree.insert_element_before(copy.deepcopy(shape), "p:extLst")
        slide.part.relate_to(part, RT.NOTES_SLIDE)
        return notes


class DeckWriter:
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
        self.pack = pack_of(view)
        self.max_rows = self.config.deck_max_rows(self.pack)
        self.summary_mode = in_summary_mode(len(view.items), self.max_rows)
        self.whose = whose(view)  # item -> "NBT: " in a system's roll-up, else ""
        self.workbook_name = f"{view.name}.xlsx"  # the pack's own workbook, beside the deck
        self.font_size = self.pack.font_size  # every table on every slide: one body size
        self._regions = _regions_of(Path(template), self.prs, layouts)
        self.regions = self._regions["content"]
        self.titles: set[str] = set()
        self._furniture: dict[tuple[str, str], object] = {}  # see _same_shape
        self.legend = self._legend_entries()
        self._footer_text, self._legend_size = self._footer_plan()
        slide_ids = self.prs.slides._sldIdLst
        for slide_id in list(slide_ids):  # a trust's sample slides are not part of the pack
            self.prs.part.drop_rel(slide_id.rId)
            slide_ids.remove(slide_id)
        self.parts = NewParts(self.prs)
        # Each role's title (and the cover's subtitle) placeholders: the rest would show
        # "Click to add text" to everyone editing the pack.
        self._placeholders = {
            role: [ph for ph in getattr(layouts, role).iter_cloneable_placeholders()
                   if ph.placeholder_format.type in keep]
            for role, keep in (("title", TITLE_TYPES | {PP_PLACEHOLDER.SUBTITLE}),
                               ("content", TITLE_TYPES), ("text", TITLE_TYPES))
        }

    # --- the RAG key, as a legend in the footer of slides that use colour -------------------

    def _legend_entries(self) -> list[tuple[str, str]]:
        """(colour, "Red: Milestones delayed") for each status the pack's items have."""
        shown = {i.rag for i in (*self.view.items, *self.view.no_longer_reported)}
        entries = [(s.colour.lstrip("#"), f"{s.label}: {s.meaning}" if s.meaning else s.label)
                   for s in self.config.rag if s.key in shown]
        if None in shown:
            entries.append((GREY, "No RAG: none given"))
        return entries

    def _legend_width(self, size: float) -> float:
        gap = text_width("   ", size)
        return sum(text_width(f"{LEGEND_MARK} {words}", size) + gap for _, words in self.legend)

    def _footer_plan(self) -> tuple[str, float | None]:
        """The footer text every slide shows, and the legend's size (None: it does not fit).

        The legend takes the right of the footer band; the footer text the longest wording
        that fits beside it, the same on every slide.
        """
        report, box = self.config.report, self.regions.footer
        candidates = (
            f"{self.config.organisation} · {report.title} {report.period} · {self.view.title}",
            f"{report.title} {report.period} · {self.view.title}",
            f"{report.period} · {self.view.title}",
            f"{report.period}",
        )
        room = box.width - TEXT_INSETS.left - TEXT_INSETS.right

        def fits(text: str, width: float) -> bool:
            return text_width(text, 10.0) * (1 / WIDTH_SAFETY) <= width

        for size in LEGEND_SIZES if self.legend else ():
            left = room - self._legend_width(size) - 12.0
            text = next((t for t in candidates if fits(t, left)), None)
            if text is not None:
                return text, size
        return next((t for t in candidates if fits(t, room)), candidates[-1]), None

    # --- slides ----------------------------------------------------------------------------

    def slide(self, title: str, role: str = "content", legend: bool = False):  # noqa: ANN201
        """A new slide whose title is unique and in the title placeholder, with a footer."""
        unique, n = title, 2
        while unique in self.titles:
            unique, n = f"{title} ({n})", n + 1
        self.titles.add(unique)
        slide = self.parts.slide(getattr(self.layouts, role))
        self._blank_shapes(slide, role)
        regions = self._regions[role]
        sizes = (40.0, 36.0, 32.0, 28.0, 24.0) if role == "title" else (28.0, 24.0, 20.0, 18.0)
        size = fit_text_size(unique, regions.title, sizes, bold=True) or sizes[-1]
        write_text(slide.shapes.title.text_frame, unique, size, Style(colour=None, bold=None),
                   font_name=None)
        self._footer(slide, role, legend)
        return slide

    def _blank_shapes(self, slide, role: str) -> None:  # noqa: ANN001
        """The layout's title placeholders, cloned onto the first slide of a layout and then
        copied: python-pptx's clone reads each placeholder's type, size and index by XPath,
        and a tenth of a deck's time went on cloning the same ones again."""
        tree = slide.shapes._spTree
        kept = self._furniture.get((role, "placeholders"))
        if kept is None:
            before = set(tree)
            for placeholder in self._placeholders[role]:
                slide.shapes.clone_placeholder(placeholder)
            self._furniture[(role, "placeholders")] = [copy.deepcopy(s) for s in tree
                                                       if s not in before]
        else:
            for shape in kept:  # type: ignore[attr-defined]
                tree.insert_element_before(copy.deepcopy(shape), "p:extLst")

    def _box(self, slide, box: Box, name: str):  # noqa: ANN001, ANN202
        shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width),
                                         Pt(box.height))
        shape.name = name
        frame = shape.text_frame
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        return frame

    def _footer(self, slide, role: str, legend: bool) -> None:  # noqa: ANN001
        regions, ink = self._regions[role], Style(colour=FOOTER_INK)
        self._same_shape(slide, (role, "Footer"), lambda: write_text(
            self._box(slide, regions.footer, "Footer"), self._footer_text, 10.0, ink,
            PP_ALIGN.LEFT))
        write_text(self._box(slide, regions.number, "Slide number"), str(self.parts.slides),
                   10.0, ink, PP_ALIGN.RIGHT)
        if legend and self._legend_size is not None:
            size = self._legend_size
            self._same_shape(slide, (role, "RAG key"),
                             lambda: self._legend(slide, regions.footer, size))

    def _same_shape(self, slide, key: tuple[str, str], draw: Callable[[], object]) -> None:  # noqa: ANN001
        """The footer text and the RAG key are the same shape on every slide of a layout:
        drawn on the first, then copied (writing them run by run through python-pptx was a
        quarter of the deck's time). The copy keeps its shape id, which is free: every slide
        of a layout has the same placeholders before it."""
        tree = slide.shapes._spTree
        kept = self._furniture.get(key)
        if kept is None:
            draw()
            self._furniture[key] = copy.deepcopy(tree.xpath("./p:sp")[-1])
        else:
            tree.insert_element_before(copy.deepcopy(kept), "p:extLst")

    def _legend(self, slide, footer: Box, size: float) -> None:  # noqa: ANN001
        """The RAG key: each status this pack uses, its colour and what it means."""
        width = self._legend_width(size) + TEXT_INSETS.left + TEXT_INSETS.right + 4.0
        box = Box(footer.left + footer.width - width, footer.top, width, footer.height)
        frame = self._box(slide, box, "RAG key")
        frame.word_wrap = False
        para = frame.paragraphs[0]
        para.alignment = PP_ALIGN.RIGHT
        for n, (colour, words) in enumerate(self.legend):
            for text, ink in ((("   " if n else "") + LEGEND_MARK, colour),
                              (f" {words}", FOOTER_INK)):
                run = para.add_run()
                run.text = text
                run.font.size, run.font.name = Pt(size), "Arial"
                run.font.color.rgb = RGBColor.from_string(ink)

    def text_slides(self, title: str, paragraphs: Sequence[str], box: Box | None = None,
                    first=None, sizes: Sequence[float] = TEXT_SIZES) -> None:  # noqa: ANN001
        """Paragraphs in a text box, on as many slides as they need (never below body size)."""
        box = box or self.regions.body
        title = title or (first.shapes.title.text if first is not None else "Notes")
        paragraphs = [clean(p) or " " for p in paragraphs] or [" "]
        sizes = [s for s in sizes if s >= self.font_size] or [self.font_size]
        size = fit_text_size("\n".join(paragraphs), box, sizes, gap=PARAGRAPH_GAP)
        pages = [paragraphs]
        if size is None:
            margins = CellMargins(TEXT_INSETS.left, TEXT_INSETS.right, 0, PARAGRAPH_GAP)
            laid = paginate_rows(
                [(p,) for p in paragraphs], [box.width * WIDTH_SAFETY],
                box.height - TEXT_INSETS.top - TEXT_INSETS.bottom,
                sizes=(min(sizes),), margins=margins,
            )
            size, pages = min(sizes), [[r.cells[0] for r in page.rows] for page in laid.pages]
        for n, lines in enumerate(pages):
            slide = first if (n == 0 and first is not None) else self.slide(cont(title, n))
            shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width),
                                             Pt(box.height))
            shape.name = "Text"
            frame = shape.text_frame
            frame.auto_size = MSO_AUTO_SIZE.NONE
            for side in ("left", "right", "top", "bottom"):
                setattr(frame, f"margin_{side}", Pt(getattr(TEXT_INSETS, side)))
            write_text(frame, "\n".join(lines), size, gap=PARAGRAPH_GAP)

    # --- tables ----------------------------------------------------------------------------

    def layout(self, table: Table) -> tuple[list[float], Pagination]:
        """Column widths (as drawn) and the table's pages at the deck's body size."""
        body, size = self.regions.body, self.font_size
        bold = table.bold | {c for c in range(len(table.header))
                             if any(style[c].bold for style in table.styles)}
        widths = widen_columns(
            [[table.header[c], *(r[c] for r in table.rows + table.heads)]
             for c in range(len(table.header))],
            layout_widths([body.width * f for f in table.fractions]), size, frozenset(bold),
            TABLE_MARGINS,
        )
        widths = [w / WIDTH_SAFETY for w in widths]
        groups = table.groups if any(g is not None for g in table.groups) else None
        laid = paginate_rows(
            table.rows, layout_widths(widths), body.height, header=table.header, sizes=(size,),
            heads=table.heads, bold_columns=frozenset(bold), margins=TABLE_MARGINS,
            groups=groups, blank_line=BLANK_LINE_PT, split_column=table.split_column,
        )
        return widths, laid

    def within(self, table: Table, slides: int, closing: Callable[[int], Sequence[str]],
               left_out: int = 0) -> Table:
        """The most leading rows that fit `slides` slides, then `closing(n)`, a row that
        counts the n rows left out (`left_out` of them already cut by the caller)."""
        at_most = rows_at_most(slides, self.regions.body.height, self.font_size)
        kept, cut_here = leading(range(len(table.rows)), at_most)
        if cut_here:
            table, left_out = table.without_rows_from(len(kept)), left_out + cut_here
        if not left_out and len(self.layout(table)[1].pages) <= slides:
            return table

        def cut(keep: int) -> Table:
            out = table.without_rows_from(keep)
            out.add(closing(len(table.rows) - keep + left_out),
                    note=f"the rest are in {self.workbook_name}")
            return out

        low, high = 0, len(table.rows)  # pages only grow with rows kept: bisect
        while low < high:
            mid = (low + high + 1) // 2
            if len(self.layout(cut(mid))[1].pages) <= slides:
                low = mid
            else:
                high = mid - 1
        return cut(low)

    def table_slides(self, title: str, table: Table, notes_title: str = "",
                     titles: Callable[[int, Page], str] | None = None,
                     legend: bool = False) -> int:
        """The table over as many slides as it needs, header repeated; returns the count.

        `titles(n, page)` names each slide (default: `title`, then "(cont.)" ones).
        """
        widths, laid = self.layout(table)
        for n, page in enumerate(laid.pages):
            name = titles(n, page) if titles else cont(title, n)
            slide = self.slide(name, legend=legend)
            add_table_page(slide, self.regions.body, page, laid.font_size, laid.header_height,
                           widths, table, slide.shapes.title.text)
            if notes_title:
                lines = [notes_title]
                for row in page.rows:
                    part = f" (part {row.part + 1})" if row.part or row.continues else ""
                    lines.append(f"- {table.notes[row.source]}{part}")
                notes = self.parts.notes(slide)
                notes.notes_text_frame.text = clean("\n".join(lines))
        return len(laid.pages)

    def save(self, target: Path) -> None:
        try:
            self.prs.save(str(target))
        except OSError as exc:
            raise RenderError(f"{target}: cannot be written: {exc}") from exc
