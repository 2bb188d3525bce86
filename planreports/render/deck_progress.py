"""The deck's progress updates: every item in plan order, in the seed's five columns.

One table runs through the priorities, so a short priority shares a slide with the next (as
the seed's "Priorities 1-2" slide does) and no slide is left half empty before a full one;
each slide is titled by the priorities it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from planreports.model import Item
from planreports.render.deck_slides import numbered, priority_name, rag_cell
from planreports.render.deck_tables import PROGRESS_FRACTIONS, Table
from planreports.render.deck_text import PLAIN
from planreports.render.deck_writer import DeckWriter
from planreports.render.paginate import Page
from planreports.render.titles import counts_under, own_title

PROGRESS = ("Priority", "RAG", "Project", "Progress update", "Lead")
NOTES_TITLE = "Source cells of the rows on this slide:"


def ordered(config, items: Sequence[Item]) -> list[Item]:  # noqa: ANN001
    """Items in plan order: priority, then configured workstream, then as the trackers had them."""
    plan = numbered(config)

    def key(pair: tuple[int, Item]) -> tuple:
        index, item = pair
        n, priority = plan.get(item.priority, (len(plan) + 1, None))
        titles = [w.title for w in priority.workstreams] if priority else []
        stream = titles.index(item.workstream) if item.workstream in titles else len(titles)
        return n, stream, index

    return [item for _, item in sorted(enumerate(items), key=key)]


def project_cell(item: Item, previous: Item | None, whose: str = "") -> tuple[str, str]:
    """(as the row shows it, as it shows when it starts a slide) for the Project column.

    The tracker's own title, then the configured workstream it counts under where that is
    not the same thing, then the sub-item. A row under the same title as the row above shows
    only its sub-item (the seed's continuation rows); the workstream line shows once per run
    of rows under it. In a system's roll-up `whose` ("NBT: ") leads the title, and a row of
    another organisation is never a continuation.
    """
    own, under = whose + own_title(item), counts_under(item)
    # After a blank line (drawn as a small gap), so the two titles do not read as one.
    under_line = f"\nWorkstream: {under}" if under else ""
    head = "\n".join(t for t in (own, under_line, item.item) if t)
    if (previous is not None and previous.priority == item.priority
            and previous.organisation == item.organisation):
        if whose + own_title(previous) == own and previous.workstream == item.workstream:
            return item.item, head
        if previous.workstream == item.workstream:
            return "\n".join(t for t in (own, item.item) if t), head
    return head, head


def progress_updates(deck: DeckWriter) -> None:
    """Every item with its RAG, project, whole update and lead, priorities one after another."""
    config = deck.config
    table = Table(PROGRESS, PROGRESS_FRACTIONS, bold=frozenset({0}), split_column=3)
    previous: Item | None = None
    tag = deck.whose
    for item in ordered(config, deck.view.items):
        rag, rag_style = rag_cell(config, item)
        shown, head = project_cell(item, previous, tag(item))
        label = priority_name(config, item.priority, short=True)
        first = previous is None or previous.priority != item.priority
        source = f"{head.replace(chr(10), ' ')}: {item.source}"
        table.add((label if first else "", rag, shown, item.update, item.lead),
                  (PLAIN, rag_style, PLAIN, PLAIN, PLAIN),
                  head=(label, rag, head, item.update, item.lead), note=source,
                  group=item.priority)
        previous = item
    deck.table_slides("Progress updates", table, notes_title=NOTES_TITLE,
                      titles=_titles(deck, table), legend=True)


def _titles(deck: DeckWriter, table: Table):  # noqa: ANN202
    """Each slide named by the priorities on it, a continued one marked "(cont.)"."""
    config = deck.config
    started: dict[object, int] = {}  # priority -> slides it has appeared on so far

    def title(n: int, page: Page) -> str:
        names = []
        for group in dict.fromkeys(table.groups[row.source] for row in page.rows):
            label = priority_name(config, group, short=True).split(". ", 1)[-1]
            seen = started.get(group, 0)
            started[group] = seen + 1
            names.append(label if not seen else f"{label} (cont.)" if seen == 1
                         else f"{label} (cont. {seen})")
        return "Progress updates: " + "; ".join(names)

    return title
