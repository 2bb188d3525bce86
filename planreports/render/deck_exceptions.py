"""The deck's exceptions: one concise table of what the board must look at, and why.

Each row says what the item is, its RAG (and last period's), why it is here (Red,
deteriorated, overdue with the date, no longer reported) and what is being done: the
tracker's own mitigation or recovery column where it has one, else the update's first
sentence. The whole update stays on its progress slide, in the notes and in the workbook.
A tabled pack holds its exceptions to two slides; further rows are counted and left to the
workbook's Exceptions sheet. In summary mode (see deck_summary) every pack does, the PMO's
too, and the rows come worst first rather than in plan order.
"""

from __future__ import annotations

import re
from dataclasses import replace

from planreports.model import Item
from planreports.render.actions import action
from planreports.render.deck_progress import ordered
from planreports.render.deck_slides import priority_name, rag_cell
from planreports.render.deck_summary import exception_rank, more, worst_first
from planreports.render.deck_tables import Table
from planreports.render.deck_text import PLAIN
from planreports.render.deck_writer import DeckWriter
from planreports.render.org_matrix import whose
from planreports.render.titles import counts_under, own_title

EXCEPTIONS = ("Priority", "Project", "RAG", "Why it is here", "Action or latest position", "Lead")
FRACTIONS = (0.11, 0.18, 0.085, 0.155, 0.35, 0.12)
TABLED_SLIDES = 2  # a board or committee pack; a PMO pack shows every exception

def _row_number(cell: str | None) -> str:
    return re.sub(r"^[A-Za-z$]+", "", cell or "").lstrip("$")


def _day(day) -> str:  # noqa: ANN001
    return f"{day.day} {day:%b %Y}"


def exceptions(deck: DeckWriter) -> None:
    """Items at the worst RAG, deteriorated, overdue or no longer reported, with why."""
    config, view = deck.config, deck.view
    worst = config.rag[0]
    rag_order = {s.key: n for n, s in enumerate(config.rag)}
    overdue = {(f.file, f.sheet, _row_number(f.cell)): f
               for f in view.findings if f.code == "overdue"}
    # (rank, whose and which priority, Table.add's arguments), in plan order
    rows: list[tuple[tuple, tuple, tuple]] = []
    for item in ordered(config, view.items):
        why = []
        if item.rag == worst.key:
            why.append(f"{worst.label}: {worst.meaning}" if worst.meaning else worst.label)
        if item.trend == "deteriorated":  # from what, the RAG cell says
            why.append("Deteriorated")
        src = item.source
        found = overdue.pop((src.file, src.sheet, _row_number(src.cell)), None)
        if found is not None:  # the finding's message names the cell; the notes already do
            why.append(f"Overdue: due {_day(item.due)}" if item.due else found.message)
        if why:
            rank = exception_rank(rag_order.get(item.rag), item.trend == "deteriorated",
                                  found is not None)
            rows.append((rank, (item.organisation, item.priority),
                         _row(deck, item, "\n".join(why), action(item),
                              f"{_project(item)}: {src}")))
    for f in overdue.values():  # overdue rows that did not become an item of this pack
        rows.append((exception_rank(None, False, True), (f.organisation, f.priority),
                     ((priority_name(config, f.priority, True), f.workstream or "", "",
                       f.message, "", ""), None, f"{f.file}!{f.sheet}!{f.cell}")))
    rows.extend((exception_rank(None, False, False), group, row)
                for group, row in _no_longer_reported(deck))
    if not rows:
        slide = deck.slide("Exceptions")
        deck.text_slides("", [f"No exceptions for {config.report.period}: nothing is "
                              f"{worst.label}, deteriorated, overdue or no longer "
                              f"reported."], first=slide)
        return
    if deck.summary_mode:
        rows = worst_first(rows, lambda row: row[0], lambda row: row[1])
    table = Table(EXCEPTIONS, FRACTIONS)
    for _, _, (cells, styles, note) in rows:
        table.add(cells, styles, note=note)
    if deck.summary_mode or deck.pack.reader != "pmo":
        def closing(left: int) -> tuple[str, ...]:
            return ("", more(left, "exception"), "", "Listed in the workbook",
                    f"See the Exceptions sheet of {deck.workbook_name}: each with the reason, "
                    "the RAG and the whole update.", "")

        table = deck.within(table, TABLED_SLIDES, closing)
    deck.table_slides("Exceptions", table, legend=True,
                      notes_title="Source cells of the rows on this slide:")


def _project(item: Item, whose: str = "") -> str:
    under = counts_under(item)
    return "\n".join(t for t in (whose + own_title(item),
                                 f"\nWorkstream: {under}" if under else "", item.item) if t)


def _row(deck: DeckWriter, item: Item, why: str, what: str, note: str) -> tuple:
    """An exception's cells, their styles and its note (Table.add's arguments)."""
    config = deck.config
    rag, style = rag_cell(config, item, trend=False)
    if item.previous_rag is not None or item.trend == "new":
        before = config.rag_status(item.previous_rag)
        rag += f"\nwas {before.label}" if before else "\nnew"
    return ((priority_name(config, item.priority, True), _project(item, whose(deck.view)(item)),
             rag, why, what,
             item.lead), (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN), note)


def _no_longer_reported(deck: DeckWriter) -> list[tuple]:
    """Last period's items that no tracker reports now, each with last period's RAG: as
    (whose and which priority, Table.add's arguments)."""
    config, view = deck.config, deck.view
    # The latest earlier period: history is oldest first, but a caller's order is not trusted.
    latest = max(view.history, key=lambda p: p.as_of, default=None)
    before = latest.period if latest else "last period"
    rows = []
    for item in ordered(config, view.no_longer_reported):
        status = config.rag_status(item.rag)
        was = f"was {status.label} in {before}" if status else f"no RAG in {before}"
        # Last period's RAG word and colour, without a trend: there is nothing to compare.
        rag, style = rag_cell(config, replace(item, trend=None))
        cells = (priority_name(config, item.priority, True), _project(item, whose(view)(item)),
                 rag, f"No longer reported ({was})", "Not in any tracker this period", item.lead)
        rows.append(((item.organisation, item.priority),
                     (cells, (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN),
                      f"{_project(item)}: last reported in {before} at {item.source}")))
    return rows
