"""One pack's deck being written: template layouts, titled slides with footers, overflow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Pt

from planreports.errors import RenderError
from planreports.model import PackView
from planreports.render.deck_tables import TABLE_SIZES, Table, add_table_page
from planreports.render.deck_text import (
    PARAGRAPH_GAP,
    TEXT_INSETS,
    TEXT_SIZES,
    WIDTH_SAFETY,
    Style,
    clean,
    fit_text_size,
    write_text,
)
from planreports.render.paginate import CellMargins, paginate_rows, widen_columns
from planreports.template_check import Box, resolve_layouts, slide_regions


def _cont(title: str, n: int) -> str:
    """Titles of a slide and its continuations: unique, and plain about being continued."""
    return title if n == 0 else f"{title} (cont.)" if n == 1 else f"{title} (cont. {n})"


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
        size = fit_text_size(unique, regions.title, sizes, bold=True) or sizes[-1]
        write_text(slide.shapes.title.text_frame, unique, size, Style(colour=None, bold=None),
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
        text = next((t for t in candidates if fit_text_size(t, regions.footer, (10.0,))),
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
            write_text(frame, value, 10.0, Style(colour="425563"), align)

    def text_slides(self, title: str, paragraphs: Sequence[str], box: Box | None = None,
                    first=None, sizes: Sequence[float] = TEXT_SIZES) -> None:
        """Paragraphs in a text box, on as many slides as they need (never below 10 pt)."""
        box = box or self.regions.body
        title = title or (first.shapes.title.text if first is not None else "Notes")
        paragraphs = [clean(p) or " " for p in paragraphs] or [" "]
        text = "\n".join(paragraphs)
        size = fit_text_size(text, box, sizes, gap=PARAGRAPH_GAP)
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
            write_text(frame, "\n".join(lines), size, gap=PARAGRAPH_GAP)

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
            add_table_page(slide, body, page, laid.font_size, laid.header_height, widths, table,
                           name)
            if notes_title:
                lines = [notes_title]
                for row in page.rows:
                    part = f" (part {row.part + 1})" if row.part or row.continues else ""
                    lines.append(f"- {table.notes[row.source]}{part}")
                slide.notes_slide.notes_text_frame.text = clean("\n".join(lines))
        return len(laid.pages)

    def save(self, target: Path) -> None:
        try:
            self.prs.save(str(target))
        except OSError as exc:
            raise RenderError(f"{target}: cannot be written: {exc}") from exc

