"""Pagination maths and text measurement, tested as tables of cases from the seed papers."""

from __future__ import annotations

import re

import pytest

from planreports.render.flow import SPLIT_AT_PARAGRAPH, flow_pages
from planreports.render.measure import fit_size, text_width, wrap_lines
from planreports.render.paginate import (
    CONTINUED,
    MIN_FONT_PT,
    CellMargins,
    paginate_rows,
    row_height,
    widen_columns,
)

HEADER = ("Priority", "RAG", "Project", "Progress update", "Lead")
WIDTHS = (150.0, 80.0, 170.0, 400.0, 110.0)  # points: the progress table on a 16:9 slide
MARGINS = CellMargins()

# Real sentences from the Oxford Health FY18 Q2 board pack (seed 002).
SENTENCES = (
    "Q2 has focused on optimising Carenotes and Aadastra to improve end user experience, "
    "support the reporting of key contractual data and mobile working.",
    "Enabling Carenotes for Community Hospitals is now underway with the first phase planned "
    "to go live in November 17.",
    "The Child Health Service has now migrated away from Carenotes, with an element of dual "
    "entry being agreed to support operational processes.",
    "E-correspondence is being rolled out further within Oxfordshire to include Part 1 and 2 "
    "discharge summaries.",
    "Wider county deployment has a dependency for the Docman Managed Service which is linked "
    "to a version of Carenotes to be deployed early 2018.",
    "Viewing primary care data directly from Carenotes and Aadastra via the MIG is in the "
    "final stages of issue resolution with go live dates scheduled for October 17.",
    "Deployment of a patch has resolved the majority of Carenotes issues when accessed via "
    "the iPad using Web@Work and Safari.",
    "E-prescribing workshops have been held to review the functionality against current "
    "processes.",
)


def long_update(chars: int = 4000) -> str:
    """About `chars` characters of real sentences, repeated as a long tracker cell would be."""
    out: list[str] = []
    i = 0
    while sum(len(s) + 1 for s in out) < chars:
        out.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return " ".join(out)


def row(update: str, priority: str = "", project: str = "Deliver New Data Warehouse") -> tuple:
    return (priority, "Green", project, update, "Chief Information Officer")


SHORT = row("New strategy for families, friends and carers launched in Q1.")
BOLD = frozenset(range(len(HEADER)))
# The header and a short row at 12 pt: "Chief Information Officer" wraps in the Lead column.
FULL_PAGE = row_height(HEADER, WIDTHS, 12.0, MARGINS, BOLD) + 10 * row_height(SHORT, WIDTHS, 12.0)


def words(text: str) -> list[str]:
    return text.replace(CONTINUED, " ").split()


# name, rows, available height, sizes, pages, font size, split rows
CASES = [
    ("short rows", [SHORT] * 5, 400.0, (12.0, 11.0, 10.0), 1, 12.0, set()),
    ("no rows", [], 400.0, (12.0,), 0, 12.0, set()),
    ("rows exactly fill", [SHORT] * 10, FULL_PAGE, (12.0,), 1, 12.0, set()),
    ("a hair short", [SHORT] * 10, FULL_PAGE - 0.01, (12.0,), 2, 12.0, set()),
    ("stepping down saves a page", [SHORT] * 10, FULL_PAGE - 0.01, (12.0, 10.0), 1, 10.0,
     set()),
    ("4,000-character update", [SHORT, row(long_update()), SHORT], 380.0,
     (12.0, 11.0, 10.0), 2, 10.0, {1}),
    ("explicit newlines", [row("\n".join(SENTENCES))] * 3, 600.0, (12.0,), 2, 12.0, set()),
    ("newline-only update taller than a page", [row("\n".join(SENTENCES * 4))], 700.0, (12.0,),
     2, 12.0, {0}),
    ("unbreakable long word", [row("https://example.nhs.uk/" + "x" * 3000)], 300.0, (12.0,),
     3, 12.0, {0}),
]


@pytest.mark.parametrize(
    ("rows", "available", "sizes", "pages", "size", "split"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_paginate_rows(rows, available, sizes, pages, size, split):
    laid = paginate_rows(rows, WIDTHS, available, header=HEADER, sizes=sizes, margins=MARGINS)
    assert (len(laid.pages), laid.font_size, set(laid.split_rows)) == (pages, size, split)
    for page in laid.pages:
        assert page.height <= available + 1e-6
        assert page.rows, "no empty pages"
        total = laid.header_height + sum(r.height for r in page.rows)
        assert total == pytest.approx(page.height)
        for placed in page.rows:
            assert placed.height == pytest.approx(
                row_height(placed.cells, WIDTHS, laid.font_size, MARGINS)
            )
    # Nothing lost, nothing repeated: each row's update reads back word for word, in order.
    for index, source in enumerate(rows):
        pieces = [r for p in laid.pages for r in p.rows if r.source == index]
        assert [r.part for r in pieces] == list(range(len(pieces)))
        assert [r.continues for r in pieces] == [True] * (len(pieces) - 1) + [False]
        if " " not in source[3]:  # an unbreakable word comes back whole, character for character
            joined = "".join(r.cells[3].removeprefix(CONTINUED + " ") for r in pieces)
            assert joined == source[3]
        else:
            assert [w for r in pieces for w in words(r.cells[3])] == words(source[3])
        for later in pieces[1:]:
            assert later.cells[3].startswith(CONTINUED)


def test_long_update_splits_at_sentence_ends():
    laid = paginate_rows([row(long_update())], WIDTHS, 380.0, header=HEADER, sizes=(12.0,))
    pieces = [r.cells[3] for p in laid.pages for r in p.rows]
    assert len(pieces) >= 2
    assert all(piece.endswith(".") for piece in pieces)


def test_row_starting_a_page_uses_its_head_cells():
    rows = [SHORT] * 30
    heads = [row(SHORT[3], priority="1. To make care a joint endeavour")] * 30
    laid = paginate_rows(rows, WIDTHS, 300.0, header=HEADER, sizes=(12.0,), heads=heads)
    assert len(laid.pages) > 1
    for page in laid.pages:
        assert [r.cells[0] for r in page.rows] == [heads[0][0]] + [""] * (len(page.rows) - 1)


def test_continuation_pieces_repeat_the_head_cells():
    heads = [row(long_update(), priority="7. To embed and enhance the electronic health record")]
    laid = paginate_rows([row(long_update())], WIDTHS, 300.0, header=HEADER, heads=heads)
    firsts = [p.rows[0].cells[:3] for p in laid.pages]
    assert firsts == [heads[0][:3]] * len(laid.pages)


@pytest.mark.parametrize("sizes", [(9.0,), (12.0, 8.0), ()])
def test_no_font_below_ten_points(sizes):
    with pytest.raises(ValueError, match="at least 10 pt"):
        paginate_rows([SHORT], WIDTHS, 400.0, sizes=sizes)
    assert MIN_FONT_PT == 10.0


def test_a_page_too_small_for_one_line_is_refused():
    with pytest.raises(ValueError, match="cannot hold"):
        paginate_rows([SHORT], WIDTHS, 20.0, header=HEADER)


# text, width (pt), size, expected lines
WRAP_CASES = [
    ("", 100.0, 12.0, ("",)),
    ("Green", 100.0, 12.0, ("Green",)),
    ("Deliver the carers strategy", 100.0, 12.0, ("Deliver the carers", "strategy")),
    ("Line one\nLine two", 400.0, 12.0, ("Line one", "Line two")),
    ("a\n\nb", 400.0, 12.0, ("a", "", "b")),
    ("tab\tseparated", 400.0, 12.0, ("tab separated",)),
    ("Amber ▼\u00a0deteriorated", 90.0, 12.0, ("Amber", "▼\u00a0deteriorated")),
    ("x" * 40, 100.0, 12.0, ("x" * 16, "x" * 16, "x" * 8)),
]


@pytest.mark.parametrize(("text", "width", "size", "lines"), WRAP_CASES)
def test_wrap_lines(text, width, size, lines):
    assert wrap_lines(text, width, size) == lines
    assert all(text_width(line, size) <= width for line in lines)


def test_widths_are_arial_metrics():
    # Arial's advance widths: "a" is 1139/2048 em, bold "a" 1139/2048, "W" 1933/2048.
    assert text_width("a", 2048.0) == pytest.approx(1139)
    assert text_width("W", 2048.0) == pytest.approx(1933)
    assert text_width("W", 2048.0, bold=True) == pytest.approx(1933)
    assert text_width("abc", 10.0) > text_width("abc", 9.0)


def test_greedy_wrap_never_exceeds_width_on_real_text():
    text = long_update()
    for width in (60.0, 150.0, 400.0):
        lines = wrap_lines(text, width, 10.0)
        assert all(text_width(line, 10.0) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(re.match(r"\s", line) for line in lines)


# column texts, widths, expected widths (rounded)
WIDEN_CASES = [
    ("fits already", [["Red"], ["Milestones delayed"]], [100.0, 300.0], [100, 300]),
    ("a long word takes room from the widest column",
     [["Amber\n▼\u00a0deteriorated"], ["Public consultation still planned"], ["COO"]],
     [60.0, 300.0, 100.0], [95, 272, 93]),
    ("nothing to spare", [["deteriorated"], ["consultation"]], [40.0, 40.0], [40, 40]),
]


@pytest.mark.parametrize(("columns", "widths", "expected"), [c[1:] for c in WIDEN_CASES],
                         ids=[c[0] for c in WIDEN_CASES])
def test_widen_columns(columns, widths, expected):
    widened = widen_columns(columns, widths, 12.0)
    assert [round(w) for w in widened] == expected
    assert sum(widened) == pytest.approx(sum(widths))


def test_fit_size_picks_the_largest_that_fits():
    text = "\n".join(SENTENCES)
    assert fit_size(text, 400.0, 1000.0, [16.0, 12.0]) == 16.0
    assert fit_size(text, 400.0, 200.0, [16.0, 12.0, 10.0]) == 10.0
    assert fit_size(text, 400.0, 50.0, [16.0, 12.0, 10.0]) is None
    assert fit_size("a\nb", 400.0, 28.8, [12.0], gap=6.0) is None


# --- flow: page breaks over whole rows and cuts in long text --------------------------------


def _whole(heights, room, groups=None, last_free=True):
    pages = flow_pages([[] for _ in heights], lambda r, a, b, top: heights[r], room, groups,
                       last_free)
    return [[p.row for p in page] for page in pages]


# name, row heights, room, groups, pages of rows
FLOW_CASES = [
    ("fits one page", [10, 10, 10], 100, None, [[0, 1, 2]]),
    ("greedy would leave a short page before a full one",
     [60, 10, 10, 60, 30], 100, None, [[0, 1, 2], [3, 4]]),
    ("even pages rather than full then short", [30, 30, 30, 30, 30, 30], 100, None,
     [[0, 1, 2], [3, 4, 5]]),
    ("a priority's first row is not left at the foot of a page",
     [40, 40, 15, 50], 100, ["P1", "P1", "P2", "P2"], [[0, 1], [2, 3]]),
    ("a break between priorities rather than inside one, when it costs as much",
     [50, 45, 50, 45], 100, ["P1", "P2", "P2", "P3"], [[0, 1], [2, 3]]),
]


@pytest.mark.parametrize(("heights", "room", "groups", "pages"), [c[1:] for c in FLOW_CASES],
                         ids=[c[0] for c in FLOW_CASES])
def test_flow_pages_of_whole_rows(heights, room, groups, pages):
    assert _whole(heights, room, groups) == pages


def test_flow_costs_the_last_page_when_asked():
    # Printed pages: two halves rather than a full page and one row alone.
    assert _whole([45, 45, 45], 100) == [[0, 1], [2]]
    assert _whole([45, 45, 45, 10], 100, last_free=False) == [[0, 1], [2, 3]]


def test_a_row_is_cut_only_where_that_saves_a_page():
    # Row 1 may be cut after its first paragraph: 60 + 40 of its 100 points.
    def laid(cuts, room):
        pieces = {(0, 1): 60.0, (1, 2): 40.0, (0, 2): 100.0} if cuts[1] else {(0, 1): 100.0}

        def height(r, a, b, top):
            return {0: 50.0, 2: 70.0}[r] if r != 1 else pieces[(a, b)]

        return [[(p.row, p.start, p.end) for p in page]
                for page in flow_pages(cuts, height, room)]

    # Whole, the rows take three pages; cut, two.
    assert laid([[], [SPLIT_AT_PARAGRAPH], []], 110.0) == [[(0, 0, 1), (1, 0, 1)],
                                                          [(1, 1, 2), (2, 0, 1)]]
    assert laid([[], [], []], 110.0) == [[(0, 0, 1)], [(1, 0, 1)], [(2, 0, 1)]]
    # Where cutting saves nothing (two pages either way), the row stays whole.
    assert laid([[], [SPLIT_AT_PARAGRAPH], []], 170.0) == [[(0, 0, 1), (1, 0, 2)],
                                                          [(2, 0, 1)]]


def test_paginated_progress_rows_continue_at_paragraphs_when_that_saves_a_slide():
    update = "\n\n".join(SENTENCES[:4])
    rows = [SHORT] * 6 + [row(update)] + [SHORT] * 6
    whole = paginate_rows(rows, WIDTHS, 300.0, header=HEADER, sizes=(12.0,))
    flowed = paginate_rows(rows, WIDTHS, 300.0, header=HEADER, sizes=(12.0,), split_column=3)
    assert len(flowed.pages) <= len(whole.pages)
    pieces = [r.cells[3] for p in flowed.pages for r in p.rows if r.source == 6]
    assert " ".join(x.removeprefix(CONTINUED + " ") for x in pieces).split() == update.split()
