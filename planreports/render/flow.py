"""Page breaks for a table whose rows may continue onto the next page: pure maths, no I/O.

The fewest pages first; then the fewest rows split (a row is split only where that saves a
page, at a paragraph break before a sentence end); then the evenest pages (each page but the
last costs its empty share squared) with breaks between groups (priorities) preferred and a
group's first row not left alone at the foot of a page. Dynamic programming over the places
a page may start: the start of a row, or a cut in its long text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

SPLIT_AT_PARAGRAPH = 1.0  # a row continued on the next page, cut between paragraphs
SPLIT_AT_SENTENCE = 1.5  # ...cut between two sentences of one paragraph
BREAK_IN_GROUP = 0.03
LONE_GROUP_START = 0.3
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Piece:
    """Row `row` from its cut `start` to its cut `end` (0: the row's start; cuts + 1: its end)."""

    row: int
    start: int
    end: int


# piece_height(row, start, end, at_top) -> points; at_top: the piece opens a page.
PieceHeight = Callable[[int, int, int, bool], float]


def flow_pages(
    cut_costs: Sequence[Sequence[float]],
    piece_height: PieceHeight,
    room: float,
    groups: Sequence[object] | None = None,
    last_free: bool = True,
) -> list[list[Piece]] | None:
    """Pages of pieces, or None when some piece between two adjacent cuts cannot fit a page.

    `cut_costs[r]` is the cost of each place row r's text may be cut (SPLIT_AT_PARAGRAPH or
    SPLIT_AT_SENTENCE), in order; a row with none is never split. `last_free`: the last page
    costs nothing for its empty room (a slide section may end short); else it is costed as
    the others, so that printed pages come out even and no row sits alone on the last.
    """
    n = len(cut_costs)
    if n == 0:
        return []
    # Positions: (row, cut index) where a page may start; (n, 0) is the end of the table.
    positions = [(r, a) for r in range(n) for a in range(len(cut_costs[r]) + 1)]
    positions.append((n, 0))
    index = {p: i for i, p in enumerate(positions)}
    inf = (float("inf"), 0.0, 0.0)
    best: list[tuple[float, float, float]] = [inf] * len(positions)
    back: list[int] = [-1] * len(positions)
    best[0] = (0.0, 0.0, 0.0)

    def close(start: int, end_pos: tuple[int, int], height: float, cut: float) -> None:
        """Offer the page from `start` to `end_pos`, `height` tall, ending at a cut of `cut`."""
        end = index[end_pos]
        pages, splits, cost = best[start]
        last = end_pos[0] == n
        if not last or not last_free:
            cost += ((room - height) / room) ** 2
        if not last:
            r = end_pos[0] if end_pos[1] == 0 else None  # the row the next page starts with
            if groups is not None and r is not None and r > 0 and groups[r - 1] == groups[r]:
                cost += BREAK_IN_GROUP
                opened = r - 1 == 0 or groups[r - 2] != groups[r - 1]
                row0 = positions[start][0]
                if opened and r - 1 > row0:
                    cost += LONE_GROUP_START
        candidate = (pages + 1, splits + cut, cost)
        if candidate < best[end]:
            best[end], back[end] = candidate, start

    for start, (r, a) in enumerate(positions[:-1]):
        if best[start][0] == float("inf"):
            continue
        cuts = len(cut_costs[r])
        # The page ends inside row r itself.
        for b in range(a + 1, cuts + 1):
            height = piece_height(r, a, b, True)
            if height > room + _EPSILON:
                break
            close(start, (r, b), height, cut_costs[r][b - 1])
        opening = piece_height(r, a, cuts + 1, True)
        if opening > room + _EPSILON:
            if piece_height(r, a, a + 1, True) > room + _EPSILON:
                return None  # a piece between two cuts is taller than a page: not for this
            continue
        used = opening
        close(start, (r + 1, 0), used, 0.0)
        for nxt in range(r + 1, n):
            for b in range(1, len(cut_costs[nxt]) + 1):  # ...or inside a later row
                height = used + piece_height(nxt, 0, b, False)
                if height > room + _EPSILON:
                    break
                close(start, (nxt, b), height, cut_costs[nxt][b - 1])
            used += piece_height(nxt, 0, len(cut_costs[nxt]) + 1, False)
            if used > room + _EPSILON:
                break
            close(start, (nxt + 1, 0), used, 0.0)
    if best[-1][0] == float("inf"):
        return None
    starts = []
    at = len(positions) - 1
    while at > 0:
        starts.append(back[at])
        at = back[at]
    starts.reverse()
    ends = [*starts[1:], len(positions) - 1]
    pages = []
    for s, e in zip(starts, ends, strict=True):
        (r, a), (r2, b) = positions[s], positions[e]
        page = []
        for row in range(r, r2 + 1):
            first = a if row == r else 0
            last = (b if row == r2 else len(cut_costs[row]) + 1)
            if row == r2 and b == 0:
                break
            page.append(Piece(row, first, last))
        pages.append(page)
    return pages
