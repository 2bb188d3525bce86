"""The deck's opening sections: cover, summary (key messages and RAG chart), plan on a page."""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Pt

from planreports.model import Item
from planreports.packs import plan_of
from planreports.render.deck_summary import NAMES_LISTED, more
from planreports.render.deck_summary import register_note as register_note_text
from planreports.render.deck_tables import Table
from planreports.render.deck_text import (
    GREY,
    Style,
    fit_text_size,
    on_colour,
    style_rag_chart,
    write_text,
)
from planreports.render.deck_writer import DeckWriter
from planreports.render.text import summary
from planreports.template_check import Box

# No-break spaces keep each arrow with its word when a narrow RAG column wraps.
TREND = {"improved": "▲\u00a0improved", "deteriorated": "▼\u00a0deteriorated",
         "same": "►\u00a0same", "new": "●\u00a0new"}
SUMMARY_SIZES = (18.0, 16.0, 14.0)
CHART_SHARE = 0.48  # of the body's width: the chart left, the key messages right


def numbered(config) -> dict[str | None, tuple[int, object]]:  # noqa: ANN001
    return {p.id: (n, p) for n, p in enumerate(config.priorities, start=1)}


def priority_name(config, pid: str | None, short: bool = False) -> str:  # noqa: ANN001
    found = numbered(config).get(pid)
    if found is None:
        return "Not matched to a priority"
    n, priority = found
    return f"{n}. {priority.label if short else priority.title}"


def rag_cell(config, item: Item, trend: bool = True) -> tuple[str, Style]:  # noqa: ANN001
    status = config.rag_status(item.rag)
    words = status.label if status else "No RAG"
    if trend and item.trend in TREND:
        words += "\n" + TREND[item.trend]
    fill = status.colour.lstrip("#") if status else GREY
    return words, Style(fill, on_colour(fill), True)


def bullets(text: str) -> list[str]:
    """Template lines as slide paragraphs: "- " starts a bullet; blank lines are dropped."""
    return [("• " + line[2:]) if line.startswith("- ") else line
            for line in text.splitlines() if line.strip()]


def cover(deck: DeckWriter) -> None:
    """The title slide: report, pack, organisation and the as-at date."""
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
    size = fit_text_size("\n".join(lines), box, (20.0, 18.0, 16.0, 14.0, 12.0)) or 12.0
    write_text(subtitle.text_frame, "\n".join(lines), size, Style(colour=None), font_name=None)


def summary_slide(deck: DeckWriter) -> None:
    """The period's key messages (summary.txt.j2, which the trust may edit) beside the RAG
    chart by priority; a pack with no items has the messages alone."""
    names = NAMES_LISTED if deck.summary_mode else None
    messages = bullets(summary(deck.view, deck.template_dir, names_listed=names))
    if not deck.view.items:
        slide = deck.slide("Summary")
        deck.text_slides("Summary", messages, first=slide, sizes=SUMMARY_SIZES)
        return
    slide = deck.slide("Summary", legend=True)
    body = deck.regions.body
    width = body.width * CHART_SHARE
    rag_chart(deck, slide, Box(body.left, body.top, width, body.height))
    box = Box(body.left + width + 12, body.top, body.width - width - 12, body.height)
    deck.text_slides("Summary", messages, box, first=slide, sizes=SUMMARY_SIZES)


def plan_on_a_page(deck: DeckWriter, slides: int | None = None) -> None:
    """The pack's priorities with their numbered workstreams (a committee's own part), on at
    most `slides` slides if given (the rest counted)."""
    table = Table(("Priority", "Workstreams"), (0.36, 0.64), bold=frozenset({0}))
    for n, priority, streams in plan_of(deck.view):
        lines = [f"{n}.{j} {w.title}" for j, w in streams]
        table.add((f"{n}. {priority.title}", "\n".join(lines) or "No workstreams configured"))
    if slides is not None:
        table = deck.within(table, slides, lambda left: (
            more(left, "priority", "priorities"),
            f"Listed with their items on the Register sheet of {deck.workbook_name}"))
    deck.table_slides("Plan on a page", table)


def register_note(deck: DeckWriter) -> None:
    """Summary mode's word on where the items this deck does not list are."""
    slide = deck.slide("The full register")
    deck.text_slides("", [register_note_text(len(deck.view.items), deck.max_rows,
                                             deck.workbook_name)], first=slide)


def rag_chart(deck: DeckWriter, slide, box: Box) -> None:  # noqa: ANN001
    """A stacked bar chart of RAG counts by priority: only the statuses that occur."""
    view, config = deck.view, deck.config
    groups = [pid for pid in [p.id for p in config.priorities] + [None]
              if any(i.priority == pid for i in view.items)]
    counts = view.counts()
    data = CategoryChartData()
    data.categories = [priority_name(config, pid, short=True) for pid in groups]
    series = [(s.label, s.key, s.colour.lstrip("#")) for s in config.rag]
    if any(i.rag is None for i in view.items):
        series.append(("No RAG", None, GREY))
    series = [s for s in series if any(counts[pid].get(s[1]) for pid in groups)]
    for label, key, _ in series:
        data.add_series(label, [counts[pid].get(key) or None for pid in groups])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, Pt(box.left), Pt(box.top),
                                   Pt(box.width), Pt(box.height), data)
    chart = frame.chart
    style_rag_chart(chart, [colour for _, _, colour in series])
    chart.category_axis.reverse_order = True  # priority 1 at the top, as in the plan
    # ...and the count scale at the bottom: python-pptx sets crossing on value axes only.
    chart.value_axis._element.xpath("c:crosses")[0].set("val", "max")
    described = "; ".join(
        f"{priority_name(config, pid, short=True)}: " + ", ".join(
            f"{counts[pid].get(key, 0)} {label}" for label, key, _ in series
        ) for pid in groups
    )
    frame.name = "RAG chart"
    frame._element.nvGraphicFramePr.cNvPr.set(
        "descr", f"Stacked bar chart of RAG status counts by priority. {described}."
    )
