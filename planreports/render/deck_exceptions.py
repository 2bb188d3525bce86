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

from dataclasses import replace

from planreports.model import Item
from planreports.render.actions import action
from planreports.render.deck_slides import priority_name, rag_cell
from planreports.render.deck_summary import exception_rank, more, worst_first
from planreports.render.deck_tables import Table
from planreports.render.deck_text import PLAIN
from planreports.render.deck_writer import DeckWriter
from planreports.render.exception_rows import previous_label, select_exceptions, why_it_is_here
from planreports.render.titles import counts_under, own_title

EXCEPTIONS = ("Priority", "Project", "RAG", "Why it is here", "Action or latest position", "Lead")
FRACTIONS = (0.11, 0.18, 0.085, 0.155, 0.35, 0.12)
TABLED_SLIDES = 2  # a board or committee pack; a PMO pack shows every exception


def exceptions(deck: DeckWriter) -> None:
    """Items at the worst RAG, deteriorated, overdue or no longer reported, with why."""
    config, view = deck.config, deck.view
    worst = config.rag[0]
    rag_order = {s.key: n for n, s in enumerate(config.rag)}
    before = previous_label(view)
    # (rank, whose and which priority, Table.add's arguments), in plan order
    rows: list[tuple[tuple, tuple, tuple]] = []
    for row in select_exceptions(view):  # the selection the cover report shares
        item, why = row.item, why_it_is_here(config, row, before)
        if row.gone:
            rows.append((exception_rank(None, False, False), (item.organisation, item.priority),
                         _no_longer_reported(deck, item, why, before)))
        elif item is not None:
            rank = exception_rank(rag_order.get(item.rag), row.deteriorated,
                                  row.overdue is not None)
            rows.append((rank, (item.organisation, item.priority),
                         _row(deck, item, why, action(item), f"{_project(item)}: {item.source}")))
        else:  # an overdue row that did not become an item of this pack
            f = row.overdue
            rows.append((exception_rank(None, False, True), (f.organisation, f.priority),
                         ((priority_name(config, f.priority, True), f.workstream or "", "",
                           why, "", ""), None, f"{f.file}!{f.sheet}!{f.cell}")))
    if not rows:
        slide = deck.slide("Exceptions")
        deck.text_slides("", [f"No exceptions for {config.report.period}: nothing is "
                              f"{worst.label}, deteriorated, overdue or no longer "
                              f"reported."], first=slide)
        return
    if deck.summary_mode:
        rows = worst_first(rows, lambda row: row[0], lambda row: (row[1][1], row[1][0]))
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
    return ((priority_name(config, item.priority, True), _project(item, deck.whose(item)),
             rag, why, what,
             item.lead), (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN), note)


def _no_longer_reported(deck: DeckWriter, item: Item, why: str, before: str) -> tuple:
    """Last period's item that no tracker reports now, with last period's RAG (Table.add's
    arguments)."""
    config = deck.config
    # Last period's RAG word and colour, without a trend: there is nothing to compare.
    rag, style = rag_cell(config, replace(item, trend=None))
    cells = (priority_name(config, item.priority, True), _project(item, deck.whose(item)),
             rag, why, "Not in any tracker this period", item.lead)
    return (cells, (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN),
            f"{_project(item)}: last reported in {before} at {item.source}")
