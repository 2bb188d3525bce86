"""Pagination maths for slide tables: which whole rows go on which page, and at what size."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planreports.render.measure import LINE_SPACING, text_height, text_width

MIN_FONT_PT = 10.0  # accessible board papers: table text is never smaller
DEFAULT_SIZES: tuple[float, ...] = (12.0, 11.0, 10.0)
CONTINUED = "(continued)"
_EPSILON = 1e-6
# A sentence ends at . ! or ? (perhaps inside a closing quote or bracket) before white space;
# a line break is a boundary too, since trackers put one point per line.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'’”)\]]))\s+|\n+")
_WORD_GAP = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CellMargins:
    """Inner margins of a table cell in points (PowerPoint's defaults: 0.1in and 0.05in)."""

    left: float = 7.2
    right: float = 7.2
    top: float = 3.6
    bottom: float = 3.6


@dataclass(frozen=True, slots=True)
class PlacedRow:
    """One row (or one piece of a row split across pages) as it goes on a page."""

    source: int  # index of the input row
    cells: tuple[str, ...]
    height: float
    part: int = 0  # 0: the whole row or its first piece; 1, 2, ...: continuation pieces
    continues: bool = False  # a further piece follows on the next page


@dataclass(frozen=True, slots=True)
class Page:
    """The rows of one slide's table; `height` includes the header row."""

    rows: tuple[PlacedRow, ...]
    height: float


@dataclass(frozen=True, slots=True)
class Pagination:
    """A table laid out over pages at one font size."""

    pages: tuple[Page, ...]
    font_size: float
    header_height: float

    @property
    def split_rows(self) -> frozenset[int]:
        return frozenset(r.source for p in self.pages for r in p.rows if r.part)


@dataclass(frozen=True, slots=True)
class _Table:
    widths: tuple[float, ...]
    size: float
    margins: CellMargins
    bold: frozenset[int]
    spacing: float

    def cell_height(self, text: str, column: int) -> float:
        inner = self.widths[column] - self.margins.left - self.margins.right
        lines = text_height(text, inner, self.size, column in self.bold, self.spacing)
        return lines + self.margins.top + self.margins.bottom

    def row_height(self, cells: Sequence[str]) -> float:
        return max(self.cell_height(text, c) for c, text in enumerate(cells))


def row_height(
    cells: Sequence[str],
    widths: Sequence[float],
    size: float,
    margins: CellMargins = CellMargins(),
    bold_columns: frozenset[int] = frozenset(),
    spacing: float = LINE_SPACING,
) -> float:
    """Height in points of a table row: its tallest cell, wrapped, plus the cell margins."""
    return _Table(tuple(widths), size, margins, bold_columns, spacing).row_height(cells)


def _cuts(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(end of the head, start of the tail) at every boundary `pattern` finds in `text`."""
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.start() > 0]


def _longest_fit(text: str, cuts: Sequence[tuple[int, int]], fits) -> tuple[int, int] | None:
    """The last cut whose head still fits: heights only grow with the head, so bisect."""
    low, high, best = 0, len(cuts) - 1, None
    while low <= high:
        mid = (low + high) // 2
        if fits(text[: cuts[mid][0]]):
            best, low = cuts[mid], mid + 1
        else:
            high = mid - 1
    return best


def _fit(
    text: str, room: float, column: int, table: _Table, allow_chars: bool, keep: int = 0
) -> tuple[str, str]:
    """Split `text` into the longest head that fits `room` points and the tail that does not.

    Sentences first, then words, then (only on an otherwise empty page, for a "word" longer
    than a page, such as a pasted link) characters. The first `keep` characters (a
    continuation marker) are never a head on their own.
    """
    def fits(head: str) -> bool:
        return table.cell_height(head, column) <= room + _EPSILON

    if fits(text):
        return text, ""
    for pattern in (_SENTENCE_END, _WORD_GAP):
        cuts = [cut for cut in _cuts(text, pattern) if cut[0] > keep]
        cut = _longest_fit(text, cuts, fits)
        if cut is not None:
            return text[: cut[0]], text[cut[1]:]
    if allow_chars:
        cut = _longest_fit(text, [(i, i) for i in range(keep + 1, len(text))], fits)
        if cut is not None:
            return text[: cut[0]], text[cut[1]:]
    return "", text


def _paginate_at(
    rows: Sequence[Sequence[str]],
    heads: Sequence[Sequence[str]],
    table: _Table,
    available: float,
    header_height: float,
    continued: str,
) -> Pagination:
    pages: list[Page] = []
    current: list[PlacedRow] = []
    used = header_height

    def flush() -> None:
        nonlocal current, used
        if current:
            pages.append(Page(tuple(current), used))
        current, used = [], header_height

    for index, row in enumerate(rows):
        cells = tuple(heads[index] if not current else row)
        height = table.row_height(cells)
        if used + height <= available + _EPSILON:
            current.append(PlacedRow(index, cells, height))
            used += height
            continue
        head_cells = tuple(heads[index])
        head_height = table.row_height(head_cells)
        if current and header_height + head_height <= available + _EPSILON:
            flush()
            current.append(PlacedRow(index, head_cells, head_height))
            used += head_height
            continue
        # Taller than a whole page: start it here if at least two lines fit, else on a new page.
        if current and available - used < 2 * table.size * table.spacing + table.cell_height("", 0):
            flush()
            cells, head_cells = head_cells, head_cells
        remaining: list[str | None] = list(cells)
        part = 0
        while any(text is not None for text in remaining):
            room = available - used
            piece: list[str] = []
            rest: list[str | None] = []
            for column, text in enumerate(remaining):
                if text is None:
                    repeat = head_cells[column]
                    fits = table.cell_height(repeat, column) <= room + _EPSILON
                    piece.append(repeat if fits else "")
                    rest.append(None)
                    continue
                marker = f"{continued} " if part and continued else ""
                head, tail = _fit(
                    marker + text, room, column, table, not current, keep=len(marker)
                )
                if not head:
                    tail = text
                piece.append(head)
                rest.append(tail if tail else None)
            progressed = any(
                a != b for a, b in zip(rest, remaining, strict=True)
            )
            if not progressed:
                if not current:
                    raise ValueError("a row cannot be placed even on an empty page")
                flush()
                if part == 0:
                    remaining = list(head_cells)
                continue
            more = any(text is not None for text in rest)
            current.append(
                PlacedRow(index, tuple(piece), table.row_height(piece), part, continues=more)
            )
            used += current[-1].height
            remaining = rest
            part += 1
            if more:
                flush()
    flush()
    return Pagination(tuple(pages), table.size, header_height)


def paginate_rows(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    available_height: float,
    *,
    header: Sequence[str] = (),
    header_height: float | None = None,
    sizes: Sequence[float] = DEFAULT_SIZES,
    margins: CellMargins = CellMargins(),
    heads: Sequence[Sequence[str]] | None = None,
    bold_columns: frozenset[int] = frozenset(),
    continued: str = CONTINUED,
    spacing: float = LINE_SPACING,
) -> Pagination:
    """Lay `rows` (cell texts, one per column of `widths` points) out over pages.

    Each page holds the header row (`header` texts, measured in bold, or a fixed
    `header_height`) and whole rows, within `available_height` points. `heads[i]` is row i as
    shown when it starts a page (e.g. with its priority and project repeated); it defaults to
    the row itself. A row too tall for a page is split, cell by cell, at sentence boundaries
    (then words, then characters for an unbreakable word), each later piece marked with
    `continued`. Of `sizes`, the largest that needs the fewest pages is used: the table only
    steps down a size to save a slide. No size below MIN_FONT_PT is accepted.
    """
    if not sizes or min(sizes) < MIN_FONT_PT:
        raise ValueError(f"table font sizes must be at least {MIN_FONT_PT:g} pt, got {sizes}")
    if any(len(row) != len(widths) for row in rows):
        raise ValueError("every row needs one cell per column width")
    heads = heads if heads is not None else rows
    best: Pagination | None = None
    for size in sorted(sizes, reverse=True):
        table = _Table(tuple(widths), size, margins, bold_columns, spacing)
        bold_header = _Table(table.widths, size, margins, frozenset(range(len(widths))), spacing)
        top = header_height
        if top is None:
            top = bold_header.row_height(header) if header else 0.0
        one_line = table.row_height([""] * len(widths))
        if top + one_line > available_height + _EPSILON:
            if best is None and size == min(sizes):
                raise ValueError(
                    f"{available_height:.1f} pt cannot hold the header and one line of text"
                )
            continue
        laid = _paginate_at(rows, heads, table, available_height, top, continued)
        if best is None or len(laid.pages) < len(best.pages):
            best = laid
    assert best is not None  # every size was tried; the smallest raised if none fitted
    return best


def widen_columns(
    columns: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float,
    bold_columns: frozenset[int] = frozenset(),
    margins: CellMargins = CellMargins(),
    cap: float = 0.35,
) -> list[float]:
    """`widths`, widened where a column's longest word would not fit on one line.

    A narrow (4:3) template would otherwise wrap "deteriorated" as "deteriorat / ed". The room
    comes from the columns with most to spare, so the total stays the same; no column claims
    more than `cap` of the total (a pasted link may still break), and when there is not
    enough to spare the widths are returned unchanged.
    """
    total = sum(widths)
    pad = margins.left + margins.right + 1.0
    need = []
    for c, texts in enumerate(columns):
        # Words break only at spaces and line breaks (a no-break space joins, as in measure).
        words = [w for t in texts for w in re.split(r"[ \n]", t) if w]
        longest = max((text_width(w, size, c in bold_columns) for w in words), default=0.0)
        need.append(min(longest + pad, total * cap))
    deficit = sum(max(n - w, 0.0) for n, w in zip(need, widths, strict=True))
    spare = [max(w - n, 0.0) for n, w in zip(need, widths, strict=True)]
    if not deficit or deficit > sum(spare):
        return list(widths)
    share = deficit / sum(spare)
    return [n if n >= w else w - s * share for n, w, s in zip(need, widths, spare, strict=True)]
