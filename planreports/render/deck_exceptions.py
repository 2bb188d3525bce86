"""The deck's exceptions: one concise table of what the board must look at, and why.

Each row says what the item is, its RAG (and last period's), why it is here (Red,
deteriorated, overdue with the date, no longer reported) and what is being done: the
tracker's own mitigation or recovery column where it has one, else the update's first
sentence. The whole update stays on its progress slide, in the notes and in the workbook.
A tabled pack holds its exceptions to two slides; further rows are counted and left to the
workbook's Exceptions sheet.
"""

from __future__ import annotations

from dataclasses import replace

from planreports.model import Item
from planreports.render.actions import action
from planreports.render.deck_slides import priority_name, rag_cell
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
    before = previous_label(view)
    table = Table(EXCEPTIONS, FRACTIONS)
    for row in select_exceptions(view):
        item, why = row.item, why_it_is_here(config, row, before)
        if row.gone:
            _no_longer_reported(deck, table, item, why, before)
        elif item is not None:
            _add(deck, table, item, why, action(item), f"{_project(item)}: {item.source}")
        else:  # an overdue row that did not become an item of this pack
            f = row.overdue
            table.add((priority_name(config, f.priority, True), f.workstream or "", "", why,
                       "", ""), note=f"{f.file}!{f.sheet}!{f.cell}")
    if not table.rows:
        slide = deck.slide("Exceptions")
        deck.text_slides("", [f"No exceptions for {config.report.period}: nothing is "
                              f"{worst.label}, deteriorated, overdue or no longer "
                              f"reported."], first=slide)
        return
    if deck.pack.reader != "pmo":
        table = _within(deck, table, TABLED_SLIDES)
    deck.table_slides("Exceptions", table, legend=True,
                      notes_title="Source cells of the rows on this slide:")


def _project(item: Item) -> str:
    under = counts_under(item)
    return "\n".join(t for t in (own_title(item), f"\nWorkstream: {under}" if under else "",
                                 item.item) if t)


def _add(deck: DeckWriter, table: Table, item: Item, why: str, what: str, note: str) -> None:
    config = deck.config
    rag, style = rag_cell(config, item, trend=False)
    if item.previous_rag is not None or item.trend == "new":
        before = config.rag_status(item.previous_rag)
        rag += f"\nwas {before.label}" if before else "\nnew"
    table.add((priority_name(config, item.priority, True), _project(item), rag, why, what,
               item.lead), (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN), note=note)


def _within(deck: DeckWriter, table: Table, slides: int) -> Table:
    """The most leading rows that fit `slides` slides with a closing row counting the rest."""
    if len(deck.layout(table)[1].pages) <= slides:
        return table

    def cut(keep: int) -> Table:
        out = table.without_rows_from(keep)
        left = len(table.rows) - keep
        out.add(("", f"{left} more exception{'s' if left != 1 else ''}", "",
                 "Listed in the workbook", "See the Exceptions sheet of this pack's workbook: "
                 "each with the reason, the RAG and the whole update.", ""),
                note="the rest are in the workbook's Exceptions sheet")
        return out

    low, high = 0, len(table.rows) - 1  # pages only grow with rows kept: bisect
    while low < high:
        mid = (low + high + 1) // 2
        if len(deck.layout(cut(mid))[1].pages) <= slides:
            low = mid
        else:
            high = mid - 1
    return cut(low)


def _no_longer_reported(deck: DeckWriter, table: Table, item: Item, why: str,
                        before: str) -> None:
    """Last period's item that no tracker reports now, with last period's RAG."""
    # Last period's RAG word and colour, without a trend: there is nothing to compare.
    rag, style = rag_cell(deck.config, replace(item, trend=None))
    table.add((priority_name(deck.config, item.priority, True), _project(item), rag, why,
               "Not in any tracker this period", item.lead),
              (PLAIN, PLAIN, style, PLAIN, PLAIN, PLAIN),
              note=f"{_project(item)}: last reported in {before} at {item.source}")
