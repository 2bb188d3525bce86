"""Summary mode: a pack past deck.max_rows gets a board paper, not a slide per few items."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pptx import Presentation

from planreports.config import load_config
from planreports.model import Finding, PackView, Source
from planreports.render.deck import render_deck
from planreports.render.deck_summary import (
    exception_rank,
    in_summary_mode,
    leading,
    more,
    register_note,
    rows_at_most,
    shortened,
    worst_first,
)
from tests.conftest import pdf_word_boxes, soffice_convert
from tests.test_deck import ITEMS, TEMPLATE, tables, titles

ROOT = Path(__file__).resolve().parent.parent
RAGS = ("R", "A", "G", "B")


@pytest.mark.parametrize(("items", "max_rows", "summary"), [
    (38, 100, False), (100, 100, False), (101, 100, True), (30_000, 100, True), (5, 1, True),
])
def test_summary_mode_starts_past_max_rows(items, max_rows, summary):
    assert in_summary_mode(items, max_rows) is summary


def test_exceptions_rank_worst_rag_then_deteriorated_then_overdue():
    rows = [  # (name, rag order, deteriorated, overdue), in plan order
        ("amber overdue", 1, False, True), ("red", 0, False, False),
        ("no rag", None, False, True), ("red deteriorated", 0, True, False),
        ("amber deteriorated", 1, True, False), ("red overdue", 0, False, True),
        ("red again", 0, False, False),
    ]
    ranked = worst_first(rows, lambda r: exception_rank(*r[1:]))
    assert [r[0] for r in ranked] == [
        "red deteriorated", "red overdue", "red", "red again", "amber deteriorated",
        "amber overdue", "no rag",
    ]


def test_exceptions_that_rank_alike_take_turns_by_priority():
    # Eleven Reds under P1 came first and filled the capped table; now each priority's turn.
    rows = [(f"P1 red {n}", "P1") for n in range(4)] + [("P2 red", "P2"), ("P5 red 0", "P5"),
                                                      ("P5 red 1", "P5")]
    ranked = worst_first(rows, lambda r: (0,), lambda r: (r[1], None))
    assert [r[0] for r in ranked] == [
        "P1 red 0", "P2 red", "P5 red 0", "P1 red 1", "P5 red 1", "P1 red 2", "P1 red 3",
    ]


def test_in_a_roll_up_each_priority_turn_goes_round_the_members():
    rows = [("P1 NBT a", "P1", "NBT"), ("P1 NBT b", "P1", "NBT"), ("P1 RUH", "P1", "RUH"),
            ("P2 NBT", "P2", "NBT"), ("P2 RUH", "P2", "RUH"), ("P1 amber", "P1", "RUH")]
    rank = {"P1 amber": (1,)}
    ranked = worst_first(rows, lambda r: rank.get(r[0], (0,)), lambda r: (r[1], r[2]))
    assert [r[0] for r in ranked] == [
        "P1 NBT a", "P2 NBT", "P1 RUH", "P2 RUH", "P1 NBT b", "P1 amber",
    ]


@pytest.mark.parametrize(("rows", "limit", "kept", "left"), [
    (10, 3, 3, 7), (3, 10, 3, 0), (0, 5, 0, 0), (4, 0, 0, 4),
])
def test_leading_keeps_the_first_and_counts_the_rest(rows, limit, kept, left):
    shown, rest = leading(list(range(rows)), limit)
    assert (shown, rest) == (list(range(kept)), left)


def test_rows_at_most_is_more_than_slides_of_one_line_rows_hold():
    # 400 pt of body at 12 pt: no row is shorter than a line, so at most 33 a slide.
    assert rows_at_most(2, 400.0, 12.0) == 67
    assert rows_at_most(1, 11.0, 12.0) == 1


@pytest.mark.parametrize(("left", "words"), [
    (1, "1 more exception"), (2, "2 more exceptions"), (12_345, "12,345 more exceptions"),
])
def test_more_counts_in_words(left, words):
    assert more(left, "exception") == words
    assert more(left, "priority", "priorities").endswith("priority" if left == 1
                                                         else "priorities")


@pytest.mark.parametrize(("text", "chars", "short"), [
    ("Short enough", 20, "Short enough"),
    ("The same workstream reported with different RAGs", 25, "The same workstream\u2026"),
    ("Onewordthatislong", 8, "Oneword\u2026"),
])
def test_shortened_cuts_at_a_word(text, chars, short):
    assert shortened(text, chars) == short
    assert len(short) <= chars


def test_register_note_names_the_workbook_and_the_count():
    note = register_note(30_000, 100, "board.xlsx")
    assert "full register of 30,000 items" in note and "board.xlsx" in note
    assert "Register sheet" in note and "up to 100" in note


# --- a real deck of many items ----------------------------------------------------------

MANY = 1_200


def many_items() -> tuple:
    """1,200 items from the seed's rows, in many trackers, a mix of RAGs (two fifths Red)."""
    return tuple(
        replace(ITEMS[n % len(ITEMS)], rag=RAGS[n % 5 % 4] if n % 5 else "R",
                item=f"Scheme {n}", trend=None, previous_rag=None,
                source=Source(f"tracker {n // 100:03d}.xlsx", "Progress", f"D{n % 100 + 5}"))
        for n in range(MANY)
    )


def many_findings(items) -> tuple:
    return tuple(
        Finding("missing-lead", "warning", f"No lead given for {it.workstream} ({n})",
                it.source.file, it.source.sheet, it.source.cell, it.priority, it.workstream)
        for n, it in enumerate(items)
    ) + tuple(
        Finding("sheet-skipped", "info", "Sheet 'RAG key' has no tracker header",
                f"tracker {n:03d}.xlsx", "RAG key") for n in range(MANY // 100)
    )


def view_of(name: str, items, findings=()) -> PackView:
    config = load_config(ROOT / "config.yaml")
    title = {"board": "Trust Board", "pmo": "PMO working pack"}[name]
    return PackView(config=config, name=name, title=title, items=tuple(items),
                    findings=tuple(findings), inputs=(), history=(), no_longer_reported=())


@pytest.fixture(scope="module")
def big_decks(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("summary")
    items = many_items()
    decks = {}
    for name in ("board", "pmo"):
        decks[name] = out / f"{name}.pptx"
        render_deck(view_of(name, items, many_findings(items)), TEMPLATE, decks[name])
    return decks


def all_text(prs) -> str:
    return "\n".join(shape.text_frame.text for slide in prs.slides for shape in slide.shapes
                     if shape.has_text_frame)


@pytest.mark.parametrize("name", ["board", "pmo"])
def test_a_deck_past_max_rows_is_a_bounded_board_paper(big_decks, name):
    prs = Presentation(str(big_decks[name]))
    names = titles(prs)
    assert len(names) <= 12, names  # 1,200 items were some 900 slides
    assert not any(t.startswith("Progress updates") for t in names)
    assert names[:4] == ["Business Plan: FY18 Q2 report", "Summary", "Plan on a page",
                         "The full register"]
    assert sum(t.startswith("Exceptions") for t in names) == 2
    text = all_text(prs)
    assert f"The full register of {MANY:,} items" in text and f"{name}.xlsx" in text
    rows = [tuple(t.cell(r, c).text for c in range(len(t.columns))) for s, t in tables(prs)
            if s.shapes.title.text.startswith("Exceptions") for r in range(1, len(t.rows))]
    reds = 2 * MANY // 5  # n % 5 in (0, 4)
    # Worst first: every row shown is Red, and the closing row counts the rest.
    assert {row[2].split("\n")[0] for row in rows[:-1]} == {"Red"}
    assert rows[-1][1] == f"{reds - (len(rows) - 1):,} more exceptions"
    assert rows[-1][4].startswith(f"See the Exceptions sheet of {name}.xlsx")


def test_the_pmo_appendix_counts_findings_by_code_within_two_slides(big_decks):
    prs = Presentation(str(big_decks["pmo"]))
    quality = [t for s, t in tables(prs) if s.shapes.title.text.startswith("Data quality")]
    assert 1 <= len(quality) <= 2
    rows = [tuple(t.cell(r, c).text for c in range(5)) for t in quality
            for r in range(1, len(t.rows))]
    assert [(code, count) for code, _, count, _, _ in rows] == [
        ("missing-lead", f"{MANY:,}"), ("sheet-skipped", f"{MANY // 100}")]
    assert rows[0][4] == f"{MANY // 100} trackers"


def test_a_small_pack_keeps_every_item(tmp_path):
    target = tmp_path / "board.pptx"
    render_deck(view_of("board", many_items()[:60]), TEMPLATE, target)
    names = titles(Presentation(str(target)))
    assert any(t.startswith("Progress updates") for t in names)
    assert "The full register" not in names


def test_packs_max_rows_overrides_deck_max_rows(tmp_path):
    config = load_config(ROOT / "config.yaml")
    packs = tuple(replace_pack(p, 10) if p.name == "board" else p for p in config.packs)
    config = config.model_copy(update={"packs": packs})
    view = PackView(config=config, name="board", title="Trust Board", items=many_items()[:60],
                    findings=(), inputs=(), history=(), no_longer_reported=())
    target = tmp_path / "board.pptx"
    render_deck(view, TEMPLATE, target)
    assert "The full register" in titles(Presentation(str(target)))
    assert config.deck_max_rows(config.pack("pmo")) == config.deck.max_rows


def replace_pack(pack, max_rows: int):
    return pack.model_copy(update={"max_rows": max_rows})


@pytest.fixture(scope="module")
def pmo_pdf_words(big_decks, tmp_path_factory) -> list[dict]:
    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice")
    pdf = soffice_convert(big_decks["pmo"], tmp_path_factory.mktemp("summary-pdf"))
    return pdf_word_boxes(pdf)


def test_the_summary_deck_opens_in_libreoffice_with_every_word_on_its_page(big_decks,
                                                                           pmo_pdf_words):
    slides = len(Presentation(str(big_decks["pmo"])).slides)
    assert max(w["n"] for w in pmo_pdf_words) == slides
    for w in pmo_pdf_words:
        x0, y0, x1, y1 = w["box"]
        assert x0 >= 0 and y0 >= 0 and x1 <= w["w"] and y1 <= w["h"], w
    stream = "".join(w["text"] for w in pmo_pdf_words)
    assert "pmo.xlsx" in stream
