"""Pagination maths for slide tables: which whole rows go on which page, and at what size."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planreports.render.flow import SPLIT_AT_PARAGRAPH, SPLIT_AT_SENTENCE, flow_pages
from planreports.render.measure import LINE_SPACING, text_height, widen_columns

__all__ = ["CellMargins", "Page", "Pagination", "PlacedRow", "paginate_rows", "row_height",
           "widen_columns"]

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
    blank: float | None = None

    def cell_height(self, text: str, column: int) -> float:
        inner = self.widths[column] - self.margins.left - self.margins.right
        lines = text_height(text, inner, self.size, column in self.bold, self.spacing,
                            self.blank)
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
    blank_line: float | None = None,
) -> float:
    """Height in points of a table row: its tallest cell, wrapped, plus the cell margins.
    `blank_line`: the size empty paragraphs are drawn at, when not `size`."""
    return _Table(tuple(widths), size, margins, bold_columns, spacing,
                  blank_line).row_height(cells)


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
    groups: Sequence[object] | None = None,
    blank_line: float | None = None,
    split_column: int | None = None,
) -> Pagination:
    """Lay `rows` (cell texts, one per column of `widths` points) out over pages.

    Each page holds the header row (`header` texts, measured in bold, or a fixed
    `header_height`) and whole rows, within `available_height` points. `heads[i]` is row i as
    shown when it starts a page (e.g. with its priority and project repeated); it defaults to
    the row itself. A row too tall for a page is split, cell by cell, at sentence boundaries
    (then words, then characters for an unbreakable word), each later piece marked with
    `continued`. Of `sizes`, the largest that needs the fewest pages is used: the table only
    steps down a size to save a slide. No size below MIN_FONT_PT is accepted. `blank_line`:
    the size empty paragraphs are drawn at, when not the table's size.

    With `split_column` (the column of long text, e.g. the progress update), a row may also
    continue onto the next page at a paragraph break or sentence end where that saves a page
    (see planreports.render.flow); otherwise rows stay whole unless taller than a page.

    Pages of whole rows are then balanced: the same number of pages, with the rows spread so
    that no page is left short while the next is full (see `balance`). `groups[i]` names row
    i's group (a priority): a page break falls between groups where that costs little, and a
    group's first row is not left alone at the foot of a page.
    """
    if not sizes or min(sizes) < MIN_FONT_PT:
        raise ValueError(f"table font sizes must be at least {MIN_FONT_PT:g} pt, got {sizes}")
    if any(len(row) != len(widths) for row in rows):
        raise ValueError("every row needs one cell per column width")
    heads = heads if heads is not None else rows
    best: Pagination | None = None
    for size in sorted(sizes, reverse=True):
        table = _Table(tuple(widths), size, margins, bold_columns, spacing, blank_line)
        bold_header = _Table(table.widths, size, margins, frozenset(range(len(widths))), spacing,
                             blank_line)
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
        laid = None
        if split_column is not None and len(rows) <= FLOW_ROWS:
            laid = _flowed(rows, heads, table, available_height, top, continued, groups,
                           split_column)
        if laid is None:
            laid = _paginate_at(rows, heads, table, available_height, top, continued)
            laid = _balanced(laid, rows, heads, table, available_height, groups)
        if best is None or len(laid.pages) < len(best.pages):
            best = laid
    assert best is not None  # every size was tried; the smallest raised if none fitted
    return best


FLOW_ROWS = 3000  # above this, rows split only when taller than a page (the search grows)
MIN_PIECE = 60  # characters: no piece of a split row is shorter


def _text_cuts(text: str) -> list[tuple[int, int, float]]:
    """(end of the head, start of the tail, cost) at each place `text` may be cut."""
    out = []
    for m in _SENTENCE_END.finditer(text):
        if m.start() < MIN_PIECE or len(text) - m.end() < MIN_PIECE:
            continue
        cost = SPLIT_AT_PARAGRAPH if "\n" in m.group() else SPLIT_AT_SENTENCE
        out.append((m.start(), m.end(), cost))
    return out


def _flowed(rows: Sequence[Sequence[str]], heads: Sequence[Sequence[str]], table: _Table,
            available: float, top: float, continued: str, groups: Sequence[object] | None,
            column: int) -> Pagination | None:
    """The table laid out by `flow_pages`, or None when a piece cannot fit a page."""
    cuts = [_text_cuts(row[column]) for row in rows]
    cache: dict[tuple[int, int, int, bool], tuple[tuple[str, ...], float]] = {}

    def piece(r: int, a: int, b: int, at_top: bool) -> tuple[tuple[str, ...], float]:
        key = (r, a, b, at_top)
        if key not in cache:
            text = rows[r][column]
            begin = cuts[r][a - 1][1] if a else 0
            end = cuts[r][b - 1][0] if b <= len(cuts[r]) else len(text)
            part = text[begin:end]
            if a and continued:
                part = f"{continued} {part}"
            cells = list(heads[r] if at_top else rows[r])
            cells[column] = part
            cache[key] = (tuple(cells), table.row_height(cells))
        return cache[key]

    laid = flow_pages([[c for *_, c in row_cuts] for row_cuts in cuts],
                      lambda r, a, b, at_top: piece(r, a, b, at_top)[1], available - top,
                      groups)
    if laid is None:
        return None
    pages, parts = [], [0] * len(rows)
    for page in laid:
        placed = []
        for n, p in enumerate(page):
            cells, height = piece(p.row, p.start, p.end, n == 0)
            placed.append(PlacedRow(p.row, cells, height, parts[p.row],
                                    continues=p.end <= len(cuts[p.row])))
            parts[p.row] += 1
        pages.append(Page(tuple(placed), top + sum(r.height for r in placed)))
    return Pagination(tuple(pages), table.size, top)


def _balanced(laid: Pagination, rows: Sequence[Sequence[str]], heads: Sequence[Sequence[str]],
              table: _Table, available: float, groups: Sequence[object] | None) -> Pagination:
    """The greedy pages, with each run of pages holding only whole rows re-broken by
    `flow_pages` without cuts (a page with a piece of a split row stays as it was)."""
    whole = [all(r.part == 0 and not r.continues for r in page.rows) for page in laid.pages]
    out: list[Page] = []
    k = 0
    while k < len(laid.pages):
        if not whole[k]:
            out.append(laid.pages[k])
            k += 1
            continue
        run_end = k
        while run_end < len(laid.pages) and whole[run_end]:
            run_end += 1
        indices = [r.source for page in laid.pages[k:run_end] for r in page.rows]
        run_groups = [groups[i] for i in indices] if groups is not None else None

        def height(r: int, _a: int, _b: int, at_top: bool, indices=indices) -> float:  # noqa: ANN001
            return table.row_height(heads[indices[r]] if at_top else rows[indices[r]])

        pages = flow_pages([[] for _ in indices], height, available - laid.header_height,
                           run_groups)
        assert pages is not None  # every row already fitted a page on its own
        for page in pages:
            placed = [PlacedRow(indices[p.row], tuple(heads[indices[p.row]] if n == 0 else
                                                      rows[indices[p.row]]),
                                height(p.row, 0, 1, n == 0)) for n, p in enumerate(page)]
            out.append(Page(tuple(placed), laid.header_height + sum(r.height for r in placed)))
        k = run_end
    return Pagination(tuple(out), laid.font_size, laid.header_height)
