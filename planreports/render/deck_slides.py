"""The deck's sections, each a function adding its slides: cover to RAG key, in pack order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Pt

from planreports.model import SEVERITY_ORDER, Item
from planreports.render.deck_tables import Table
from planreports.render.deck_text import (
    GREY,
    PLAIN,
    Style,
    fit_text_size,
    on_colour,
    style_rag_chart,
    write_text,
)
from planreports.render.deck_writer import DeckWriter
from planreports.render.text import narrative
from planreports.template_check import Box

# No-break spaces keep each arrow with its word when a narrow RAG column wraps.
TREND = {"improved": "▲\u00a0improved", "deteriorated": "▼\u00a0deteriorated",
         "same": "►\u00a0same", "new": "●\u00a0new"}


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


def plan_on_a_page(deck: DeckWriter) -> None:
    """Every priority with its numbered workstreams."""
    table = Table(("Priority", "Workstreams"), (0.36, 0.64), bold=frozenset({0}))
    for n, priority in enumerate(deck.config.priorities, start=1):
        streams = [f"{i}. {w.title}" for i, w in enumerate(priority.workstreams, start=1)]
        table.add((f"{n}. {priority.title}", "\n".join(streams) or "No workstreams configured"))
    deck.table_slides("Plan on a page", table)


def rag_summary(deck: DeckWriter) -> None:
    """A stacked bar chart of RAG counts by priority beside the narrative."""
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
    style_rag_chart(chart, [colour for _, _, colour in series])
    chart.category_axis.reverse_order = True  # priority 1 at the top, as in the plan
    # ...and the count scale at the bottom: python-pptx sets crossing on value axes only.
    chart.value_axis._element.xpath("c:crosses")[0].set("val", "max")
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


def progress_updates(deck: DeckWriter) -> None:
    """One table per priority of its items: RAG, project, update, lead."""
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


def exceptions(deck: DeckWriter) -> None:
    """Items at the worst RAG, deteriorated, overdue or no longer reported, with why."""
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
    _no_longer_reported(deck, table)
    if not table.rows:
        slide = deck.slide("Exceptions")
        deck.text_slides("", [f"No exceptions for {config.report.period}: nothing is "
                              f"{worst.label}, deteriorated, overdue or no longer "
                              f"reported."], first=slide)
        return
    deck.table_slides("Exceptions", table, notes_title="Source cells of the rows on this slide:")


def _no_longer_reported(deck: DeckWriter, table: Table) -> None:
    """Last period's items that no tracker reports now, each with last period's RAG."""
    config, view = deck.config, deck.view
    # The latest earlier period: history is oldest first, but a caller's order is not trusted.
    latest = max(view.history, key=lambda p: p.as_of, default=None)
    before = latest.period if latest else "last period"
    for item in _ordered(config, view.no_longer_reported):
        status = config.rag_status(item.rag)
        was = f"was {status.label} in {before}" if status else f"no RAG in {before}"
        # Last period's RAG word and colour, without a trend: there is nothing to compare.
        rag, style = _rag_cell(config, replace(item, trend=None))
        project = "\n".join(t for t in (item.workstream, item.item) if t)
        table.add((_priority_name(config, item.priority, True), rag, project,
                   f"No longer reported ({was})", item.update, item.lead),
                  (PLAIN, style, PLAIN, PLAIN, PLAIN, PLAIN),
                  note=f"{project}: last reported in {before} at {item.source}")


def data_quality(deck: DeckWriter) -> None:
    """The findings: counts by code, then each with where it was found."""
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


def rag_key(deck: DeckWriter) -> None:
    """What each RAG status means, in its own colour."""
    table = Table(("RAG", "Meaning"), (0.25, 0.75))
    for status in deck.config.rag:
        fill = status.colour.lstrip("#")
        table.add((status.label, status.meaning or status.label),
                  (Style(fill, on_colour(fill), True), PLAIN))
    deck.table_slides("RAG key", table)

