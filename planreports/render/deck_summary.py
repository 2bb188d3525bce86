"""Summary mode: what the deck of a pack too large to list item by item shows instead.

Above `deck.max_rows` items (or the pack's own `max_rows`), one row per item is hundreds or
thousands of slides, which no board reads. The deck is then a board paper: the summary, the
exceptions worst first (as many as the tabled slides hold, the rest counted) and a line that
says the full register is in the pack's workbook. These are the pure choices; deck.py and
deck_exceptions.py draw them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

NAMES_LISTED = 5  # items a key message names in summary mode before "and N more"
QUALITY_KINDS = 12  # codes of finding the data-quality appendix lists in summary mode


def in_summary_mode(items: int, max_rows: int) -> bool:
    """Whether a pack of `items` items gets the summary deck rather than one row per item."""
    return items > max_rows


def exception_rank(rag_order: int | None, deteriorated: bool, overdue: bool) -> tuple[int, ...]:
    """Sort key, worst first: the worse RAG (its place in the configured scale, worst first;
    no RAG after every status), then deteriorated, then overdue."""
    return (rag_order if rag_order is not None else 1_000, not deteriorated, not overdue)


def worst_first(rows: Sequence[T], rank: Callable[[T], tuple],
                spread: Callable[[T], tuple[object, object]] = lambda row: (None, None)
                ) -> list[T]:
    """Rows by rank. Rows that rank alike take turns by priority and, within a priority, by
    organisation (`spread(row)` gives the two), each keeping its own order (the plan's): the
    first rows of a capped table reach every priority and every member, not the first
    priority's eleven Reds."""
    turns: dict[tuple, int] = {}
    members: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for index, row in enumerate(rows):
        priority, organisation = spread(row)
        key = (rank(row), priority, organisation)
        turns[key] = turns.get(key, -1) + 1
        members[key[:2]].append((turns[key], index))
    place = {}
    for group in members.values():  # each priority's rows, its organisations taking turns
        for n, (_, index) in enumerate(sorted(group)):
            place[index] = n
    order = sorted(range(len(rows)), key=lambda i: (rank(rows[i]), place[i], i))
    return [rows[i] for i in order]


def leading(rows: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The first `limit` rows and how many are left out."""
    kept = list(rows[:max(limit, 0)])
    return kept, len(rows) - len(kept)


def rows_at_most(slides: int, body_height: float, font_size: float) -> int:
    """More table rows than `slides` slides can hold: no row is shorter than one line of text.

    Exceptions are cut to this many before they are laid out, so finding how many fit lays
    out a few dozen rows, not tens of thousands.
    """
    return slides * int(body_height // font_size) + 1


def register_note(items: int, max_rows: int, workbook: str) -> str:
    """The line that says where the items this deck does not list are."""
    return (f"The full register of {items:,} items (each with its RAG, update, lead and source "
            f"cell) is in the workbook {workbook}, on its Register sheet; every exception is on "
            f"its Exceptions sheet. This deck lists items one by one up to {max_rows:,}, so it "
            f"gives the summary and the worst exceptions instead.")


def more(left: int, one: str, many: str | None = None) -> str:
    """'212 more exceptions', '1 more exception'."""
    return f"{left:,} more {one if left == 1 else many or one + 's'}"


def shortened(text: str, chars: int) -> str:
    """`text` cut at the last word break within `chars` characters, marked with an ellipsis."""
    if len(text) <= chars:
        return text
    cut = text[:chars - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "\u2026"
