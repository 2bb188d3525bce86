"""Cell colours: the legacy palette, theme parts, Excel's tint, and RAG status from a fill."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import Color
from openpyxl.writer.theme import theme_xml

from planreports.config import RagStatus, load_config
from planreports.read.colour import (
    INDEXED_COLOURS,
    OFFICE_THEME,
    RAG_COLOUR_THRESHOLD,
    RagMatch,
    apply_tint,
    nearest_rag,
    resolve_colour,
    theme_palette,
)

ROOT = Path(__file__).resolve().parent.parent
RAG = load_config(ROOT / "config.yaml").rag

# The Office (2013+) theme's tinted colours as Excel's colour picker shows them:
# (theme index, tint as Excel writes it, hex). Index 0 is Background 1 (lt1), 1 is Text 1.
EXCEL_PICKER = [
    (0, -0.0499893185216834, "F2F2F2"), (0, -0.149998474074526, "D9D9D9"),
    (0, -0.249977111117893, "BFBFBF"), (0, -0.349986266670736, "A6A6A6"),
    (0, -0.499984740745262, "808080"),
    (1, 0.499984740745262, "808080"), (1, 0.349986266670736, "595959"),
    (1, 0.249977111117893, "404040"), (1, 0.149998474074526, "262626"),
    (1, 0.0499893185216834, "0D0D0D"),
    (2, -0.0999786370433668, "D0CECE"), (2, -0.249977111117893, "AEAAAA"),
    (2, -0.499984740745262, "757171"), (2, -0.749992370372631, "3A3838"),
    (2, -0.899990844447157, "161616"),
    (3, 0.799981688894314, "D6DCE4"), (3, 0.599993896298105, "ACB9CA"),
    (3, 0.399975585192419, "8497B0"), (3, -0.249977111117893, "333F4F"),
    (3, -0.499984740745262, "222B35"),
    (4, 0.799981688894314, "D9E1F2"), (4, 0.599993896298105, "B4C6E7"),
    (4, 0.399975585192419, "8EA9DB"), (4, -0.249977111117893, "305496"),
    (4, -0.499984740745262, "203764"),
    (5, 0.799981688894314, "FCE4D6"), (5, 0.599993896298105, "F8CBAD"),
    (5, 0.399975585192419, "F4B084"), (5, -0.249977111117893, "C65911"),
    (5, -0.499984740745262, "833C0C"),
    (6, 0.799981688894314, "EDEDED"), (6, 0.599993896298105, "DBDBDB"),
    (6, 0.399975585192419, "C9C9C9"), (6, -0.249977111117893, "7B7B7B"),
    (6, -0.499984740745262, "525252"),
    (7, 0.799981688894314, "FFF2CC"), (7, 0.599993896298105, "FFE699"),
    (7, 0.399975585192419, "FFD966"), (7, -0.249977111117893, "BF8F00"),
    (7, -0.499984740745262, "806000"),
    (8, 0.799981688894314, "DDEBF7"), (8, 0.599993896298105, "BDD7EE"),
    (8, 0.399975585192419, "9BC2E6"), (8, -0.249977111117893, "2F75B5"),
    (8, -0.499984740745262, "1F4E78"),
    (9, 0.799981688894314, "E2EFDA"), (9, 0.599993896298105, "C6E0B4"),
    (9, 0.399975585192419, "A9D08E"), (9, -0.249977111117893, "548235"),
    (9, -0.499984740745262, "375623"),
]


def _channel_gap(a: str, b: str) -> int:
    a, b = a.lstrip("#"), b.lstrip("#")
    return max(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) for i in (0, 2, 4))


# --- palettes -------------------------------------------------------------------------------


def test_indexed_palette_is_excels_legacy_64() -> None:
    assert len(INDEXED_COLOURS) == 64
    assert INDEXED_COLOURS[:10] == (
        "#000000", "#FFFFFF", "#FF0000", "#00FF00", "#0000FF", "#FFFF00", "#FF00FF", "#00FFFF",
        "#000000", "#FFFFFF",
    )
    assert INDEXED_COLOURS[51] == "#FFCC00" and INDEXED_COLOURS[63] == "#333333"


def test_theme_palette_swaps_dark_and_light_like_excel() -> None:
    palette = theme_palette(theme_xml.encode("utf-8"))  # openpyxl's Office (2007) theme
    assert palette == (
        "#FFFFFF",  # 0: lt1 (sysClr window, lastClr) although the part lists dk1 first
        "#000000",  # 1: dk1 (sysClr windowText)
        "#EEECE1",  # 2: lt2
        "#1F497D",  # 3: dk2
        "#4F81BD", "#C0504D", "#9BBB59", "#8064A2", "#4BACC6", "#F79646",  # accent1-6
        "#0000FF", "#800080",  # hlink, folHlink
    )


def test_theme_palette_of_a_modern_office_theme() -> None:
    modern = theme_xml
    for old, new in [("1F497D", "44546A"), ("EEECE1", "E7E6E6"), ("4F81BD", "4472C4"),
                     ("C0504D", "ED7D31"), ("9BBB59", "A5A5A5"), ("8064A2", "FFC000"),
                     ("4BACC6", "5B9BD5"), ("F79646", "70AD47"), ('"0000FF"', '"0563C1"'),
                     ('"800080"', '"954F72"')]:
        modern = modern.replace(old, new, 1)
    assert theme_palette(modern.encode("utf-8")) == OFFICE_THEME


def test_theme_palette_sysclr_without_lastclr_and_missing_slots() -> None:
    xml = (
        b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        b"<a:themeElements><a:clrScheme name='x'>"
        b'<a:dk1><a:sysClr val="windowText"/></a:dk1>'
        b'<a:lt1><a:sysClr val="window"/></a:lt1>'
        b'<a:accent1><a:srgbClr val="ff0000"/></a:accent1>'
        b"</a:clrScheme></a:themeElements></a:theme>"
    )
    palette = theme_palette(xml)
    assert palette[:2] == ("#FFFFFF", "#000000")
    assert palette[4] == "#FF0000"
    assert palette[2] == OFFICE_THEME[2]  # absent slots keep the Office colour, indexes align


@pytest.mark.parametrize(
    "xml",
    [
        b"",
        b"<not-closed",
        b"<a:theme xmlns:a='http://schemas.openxmlformats.org/drawingml/2006/main'/>",
        # an entity expansion is refused by defusedxml, not evaluated
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "x">]><t>&e;</t>',
    ],
)
def test_theme_palette_of_a_broken_part_is_empty(xml: bytes) -> None:
    assert theme_palette(xml) == ()


# --- tint -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "tint", "expected"),
    [
        ("#70AD47", 0.3999755851924192, "#A9D08E"),  # Green, Accent 6, Lighter 40%
        ("#70AD47", 0.3999, "#A9D08E"),
        ("#ED7D31", 0.5999938962981048, "#F8CBAD"),  # Orange, Accent 2, Lighter 60%
        ("#ED7D31", 0.5999, "#F8CBAD"),
        ("#ED7D31", 0.3999755851924192, "#F4B084"),
        # Excel shows 305496 for Blue, Accent 1, Darker 25%; 2F5597 is PowerPoint's rendering
        # of the same swatch (DrawingML lumMod), which a spreadsheet cell never uses.
        ("#4472C4", -0.249977111117893, "#305496"),
        ("#4472C4", -0.2499, "#305496"),
        ("#FFFFFF", -0.249977111117893, "#BFBFBF"),
        ("#000000", 0.499984740745262, "#808080"),
        ("#FFC000", 0.3999755851924192, "#FFD966"),
        ("#C00000", 0.0, "#C00000"),
        ("#C00000", 1.0, "#FFFFFF"),
        ("#C00000", -1.0, "#000000"),
        ("FF92D050", 0.0, "#92D050"),
    ],
)
def test_apply_tint_matches_excel(base: str, tint: float, expected: str) -> None:
    assert apply_tint(base, tint) == expected


@pytest.mark.parametrize(("index", "tint", "expected"), EXCEL_PICKER)
def test_apply_tint_within_two_levels_of_every_picker_swatch(
    index: int, tint: float, expected: str
) -> None:
    # Excel's exact rounding is not published; Windows' integer HLS arithmetic gives 37 of
    # these 50 exactly and the rest within 2 levels per channel, which no eye (and no RAG
    # threshold) can tell apart.
    assert _channel_gap(apply_tint(OFFICE_THEME[index], tint), expected) <= 2


def test_apply_tint_rejects_what_is_not_a_colour() -> None:
    with pytest.raises(ValueError, match="#RRGGBB"):
        apply_tint("red", 0.5)


# --- resolving what the file holds ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"rgb": "FFFF0000"}, "#FF0000"),
        ({"rgb": "ff92d050"}, "#92D050"),
        ({"rgb": "#00B050"}, "#00B050"),
        ({"rgb": "00FFC000"}, "#FFC000"),  # alpha 00 with a colour: Excel still shows it
        ({"rgb": "00000000"}, None),  # openpyxl's "no colour"
        ({"rgb": ""}, None),
        ({"rgb": None}, None),
        ({}, None),
        ({"theme": 9, "tint": 0.3999755851924192}, "#A9D08E"),  # no palette: Office theme
        ({"theme": 0}, "#FFFFFF"),
        ({"theme": 1, "tint": 0.499984740745262}, "#808080"),
        ({"theme": 4, "palette": theme_palette(theme_xml.encode())}, "#4F81BD"),
        ({"theme": 12}, None),  # outside the 12 theme slots
        ({"indexed": 2}, "#FF0000"),
        ({"indexed": 10}, "#FF0000"),
        ({"indexed": 51}, "#FFCC00"),
        ({"indexed": 64}, None),  # system foreground: not knowable from the file
        ({"indexed": 65}, None),  # system background
        ({"indexed": 5, "indexed_palette": ("#000000",) * 5 + ("#123456",)}, "#123456"),
        ({"rgb": "00000000", "theme": 9}, "#70AD47"),
    ],
)
def test_resolve_colour(kwargs: dict, expected: str | None) -> None:
    assert resolve_colour(**kwargs) == expected


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        (Color(rgb="FFFF0000"), "#FF0000"),
        (Color(theme=9, tint=0.3999755851924192), "#A9D08E"),
        (Color(theme=5, tint=-0.249977111117893), "#C65911"),
        (Color(indexed=17), "#008000"),
    ],
)
def test_resolve_openpyxl_colours_as_they_come(color: Color, expected: str) -> None:
    # openpyxl answers the attributes a colour does not use with an error message string.
    assert resolve_colour(
        rgb=color.rgb, theme=color.theme, tint=color.tint, indexed=color.indexed
    ) == expected


def test_fills_written_by_openpyxl_resolve_after_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "rag-theme-tint.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"].fill = PatternFill("solid", fgColor=Color(theme=9, tint=0.3999755851924192))
    ws["A2"].fill = PatternFill("solid", fgColor="FFC00000")
    wb.save(path)
    cells = openpyxl.load_workbook(path).active
    palette = theme_palette(theme_xml.encode())
    got = []
    for ref in ("A1", "A2"):
        fg = cells[ref].fill.fgColor
        got.append(resolve_colour(rgb=fg.rgb, theme=fg.theme, tint=fg.tint, indexed=fg.indexed,
                                  palette=palette))
    # openpyxl writes the Office 2007 theme, whose accent 6 is orange F79646.
    assert got == ["#FABF8F", "#C00000"]


# --- RAG from a fill --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fill", "key"),
    [
        # Excel's standard colours
        ("#FF0000", "R"), ("#C00000", "R"), ("#FFC000", "A"), ("#FFFF00", "A"),
        ("#00B050", "G"), ("#92D050", "G"), ("#00FF00", "G"), ("#0070C0", "B"),
        ("#00B0F0", "B"),
        # the Bad / Neutral / Good cell styles
        ("#FFC7CE", "R"), ("#FFEB9C", "A"), ("#C6EFCE", "G"),
        # NHS identity colours and config.yaml's own
        ("#DA291C", "R"), ("#D5281B", "R"), ("#FFB81C", "A"), ("#ED8B00", "A"),
        ("#007F3B", "G"), ("#009639", "G"), ("#005EB8", "B"),
        # theme colours with tints, as resolved
        ("#F4B084", "A"), ("#F8CBAD", "A"), ("#FFD966", "A"), ("#ED7D31", "A"),
        ("#A9D08E", "G"), ("#C6E0B4", "G"), ("#70AD47", "G"), ("#548235", "G"),
        ("#C0504D", "R"), ("#E6B8B7", "R"), ("#F79646", "A"), ("#FABF8F", "A"),
        ("#9BBB59", "G"), ("#C4D79B", "G"),
        # legacy palette and colour scales
        ("#FF9900", "A"), ("#FFCC00", "A"), ("#008000", "G"), ("#F8696B", "R"),
        ("#63BE7B", "G"),
        # near, not equal: another writer's idea of the same colour
        ("#FE0000", "R"), ("#EE1111", "R"), ("#FFC105", "A"), ("#00B151", "G"),
        ("#FCE4D6", "A"), ("#FFF2CC", "A"), ("#E2EFDA", "G"),  # the palest tints still count
    ],
)
def test_standard_fills_are_their_status(fill: str, key: str) -> None:
    match = nearest_rag(fill, RAG)
    assert (match.key, match.label) == (key, next(s.label for s in RAG if s.key == key))
    assert match.distance <= RAG_COLOUR_THRESHOLD


@pytest.mark.parametrize(
    "fill",
    [
        "#FFFFFF", "#F2F2F2", "#D9D9D9", "#BFBFBF", "#A6A6A6", "#808080", "#595959", "#000000",
        "#E7E6E6", "#EDEDED",
        "#D9E1F2", "#DDEBF7", "#DCE6F1",  # pale blue header fills
        "#7030A0", "#CC99FF",  # purple
    ],
)
def test_neutral_fills_are_no_status(fill: str) -> None:
    match = nearest_rag(fill, RAG)
    assert (match.key, match.label) == (None, None)
    assert match.distance > RAG_COLOUR_THRESHOLD


def test_argb_and_bad_input() -> None:
    assert nearest_rag("FFFF0000", RAG).key == "R"
    assert nearest_rag("not a colour", RAG) == RagMatch(None, float("inf"), None)
    assert nearest_rag("#FF0000", ()) == RagMatch(None, float("inf"), None)


def test_tracker_fills_follow_the_configured_words() -> None:
    """Built-in fills map by label, key or alias; a status the config lacks takes none."""
    rag_only = tuple(s for s in RAG if s.key != "B")
    assert nearest_rag("#0070C0", rag_only).key is None  # no Blue configured: unrecognised
    custom = (
        RagStatus(key="1", label="Off track", colour="#880000", aliases=("red",)),
        RagStatus(key="2", label="At risk", colour="#886600", aliases=("amber", "yellow")),
        RagStatus(key="3", label="On track", colour="#008800", aliases=("green",)),
        RagStatus(key="4", label="Done", colour="#000088", complete=True),
    )
    assert [nearest_rag(c, custom).key for c in ("#FF0000", "#FFFF00", "#92D050", "#000088")] \
        == ["1", "2", "3", "4"]
    assert nearest_rag("#00B0F0", custom).key is None  # "blue" is no word of "Done"
