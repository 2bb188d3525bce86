"""The .xlsx reader's fast path and the forms it must not misread.

The reader finds the RAG column's colours by the cells' start tags in the form every writer
we know uses (`<c r="C5" s="2" ...>`). A file in another valid form (attributes in another
order, `s` after `t`, a namespace prefix on every element) must give the same colours by the
slower exact route; one stray far value must be set aside in either form; and a DTD in a part
that no reader parses (docProps) must not stop the tracker being read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import planreports.read as read_module
from planreports.read import read_inputs
from planreports.read.package import Package, Relationship
from planreports.read.sheetxml import sheet_xml, without_strays
from planreports.read.xlsx import read_xlsx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE = FIXTURES / "rag-fill-standard.xlsx"
SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def _rewrite(target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(SOURCE) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, change(data) if info.filename == part else data)
    return target


def _rag_fills(path: Path) -> dict[int, str]:
    (grid,) = read_xlsx(path)
    return dict(grid.fills_in_column(2))  # column C holds the RAG


def _reorder(data: bytes) -> bytes:
    """`<c r="C5" s="2" t="n">` -> `<c t="n" s="2" r="C5">`: attributes in reverse order."""
    def turn(tag: re.Match[bytes]) -> bytes:
        attributes = re.findall(rb'\w+="[^"]*"', tag.group(1))
        return b"<c " + b" ".join(reversed(attributes)) + tag.group(2)
    return re.sub(rb"<c ([^>/]*)(/?>)", turn, data)


def _style_after_type(data: bytes) -> bytes:
    """`<c r="C5" s="2" t="n">` -> `<c r="C5" t="n" s="2">`: still `r` first."""
    return re.sub(rb'<c (r="[^"]*") (s="[^"]*") (t="[^"]*")', rb"<c \1 \3 \2", data)


def _prefixed(data: bytes) -> bytes:
    """Every SpreadsheetML element under an `x:` prefix, as some generators write them."""
    data = re.sub(rb"<(/?)(\w+)([ />])", rb"<\1x:\2\3", data)
    return data.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=", 1)


def test_the_fast_path_sees_the_usual_form() -> None:
    with zipfile.ZipFile(SOURCE) as zf:
        assert sheet_xml("Progress", SHEET, zf.read(SHEET)).usual


@pytest.mark.parametrize("change", [_reorder, _style_after_type, _prefixed])
def test_every_valid_form_gives_the_same_colours(
    tmp_path: Path, change: Callable[[bytes], bytes]
) -> None:
    expected = _rag_fills(SOURCE)
    assert len(expected) == 9  # the fixture's nine filled RAG cells
    changed = _rewrite(tmp_path / "changed.xlsx", SHEET, change)
    with zipfile.ZipFile(changed) as zf:
        xml = sheet_xml("Progress", SHEET, zf.read(SHEET))
    assert xml.usual is (change is _style_after_type)
    assert _rag_fills(changed) == expected


@pytest.mark.parametrize("change", [lambda d: d, _reorder, _prefixed])
def test_a_far_value_is_set_aside_in_any_form(change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(SOURCE) as zf:
        data = zf.read(SHEET)
    stray = b'<c r="AZ200000" t="n"><v>1</v></c>'
    far = data.replace(b"</sheetData>", b'<row r="200000">' + stray + b"</row></sheetData>")
    xml = sheet_xml("Progress", SHEET, change(far))
    assert [position for position, _element in xml.strays] == [(199_999, 51)]
    assert xml.stray_count == 1
    # Taken out of the part calamine reads, and nothing else is.
    assert without_strays(change(far), xml) == change(far).replace(change(stray), b"", 1)


def test_a_far_cell_holding_no_value_is_no_stray() -> None:
    """Formatting alone (`<c r="XFD1048576" s="1"/>`, as Gnumeric writes to the grid's end)
    makes no cell for any reader, so it sets nothing aside and refuses nothing."""
    with zipfile.ZipFile(SOURCE) as zf:
        data = zf.read(SHEET)
    styled = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/>'
                          b'<c r="XFE1048576" s="1"></c></row></sheetData>')
    xml = sheet_xml("Progress", SHEET, styled)
    assert (xml.usual, xml.strays) == (False, ())


def test_a_dtd_in_a_part_no_reader_parses_does_not_stop_the_tracker(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _rewrite(inputs / "return.xlsx", "docProps/app.xml",
             lambda d: LAUGHS + d.replace(b"</Properties>", b"&b;</Properties>"))
    result = read_inputs(inputs)
    assert [(i.path, i.status) for i in result.inputs] == [("return.xlsx", "read")]
    assert len(result.rows) == 9


@pytest.mark.parametrize(
    "name",
    ["oxford-progress.xlsx", "rag-conditional-format.xlsx", "rag-theme-tint.xlsx",
     "renamed-xlsx.xls", "bht-objectives.xlsx"],
)
def test_a_file_read_from_memory_or_from_disk_gives_the_same(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trackers up to 64 MB are read into memory once; a larger one is streamed from disk.
    Both routes must give the same hash, rows and findings (workers are forked, so they see
    the patched limit)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / name).write_bytes((FIXTURES / name).read_bytes())
    in_memory = read_inputs(inputs)
    monkeypatch.setattr(read_module, "IN_MEMORY_BYTES", 0)
    from_disk = read_inputs(inputs)
    assert in_memory.rows  # a tracker, not an empty comparison
    assert (in_memory.inputs, in_memory.rows, in_memory.findings) == (
        from_disk.inputs, from_disk.rows, from_disk.findings)


# --- workbook.xml and its rels: read by pattern in the usual form, parsed otherwise ----------

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS = [
    Relationship("rId1", "worksheet", "xl/worksheets/sheet1.xml"),
    Relationship("rId2", "chartsheet", "xl/chartsheets/sheet1.xml"),
]


def _workbook(sheets: str, *, root: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_REL}"{root}><sheets>{sheets}</sheets>'
        "<definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">"
        "'Progress Updates'!$4:$4</definedName></definedNames></workbook>"
    ).encode()


WORKBOOK_FORMS = {
    "usual": _workbook(
        '<sheet name="Progress Updates" sheetId="1" r:id="rId1"/>'
        '<sheet name="Chart" sheetId="2" state="hidden" r:id="rId2"/>'
    ),
    "an entity in a sheet name": _workbook(
        '<sheet name="R&amp;D &quot;plan&quot;" sheetId="1" r:id="rId1"/>'
    ),
    "single-quoted attributes": _workbook("<sheet name='Progress' sheetId='1' r:id='rId1'/>"),
    "spaces around =": _workbook('<sheet name = "Progress" sheetId="1" r:id = "rId1"/>'),
    "a line break in an attribute (a parser reads it as a space)": _workbook(
        '<sheet name="Progress\nUpdates" sheetId="1" r:id="rId1"/>'
    ),
    "a commented-out sheet": _workbook(
        '<!-- <sheet name="Old" sheetId="9" r:id="rId2"/> -->'
        '<sheet name="Progress" sheetId="1" r:id="rId1"/>'
    ),
    "r: bound to another namespace, rel under another prefix": _workbook(
        '<sheet name="Progress" sheetId="1" rel:id="rId1" r:id="rId2"/>',
        root=f' xmlns:rel="{_REL}"',
    ).replace(f'xmlns:r="{_REL}"'.encode(), b'xmlns:r="urn:other"'),
}


@pytest.mark.parametrize("form", list(WORKBOOK_FORMS))
def test_sheet_parts_read_by_pattern_or_parsed_agree(form: str, monkeypatch) -> None:
    from planreports.read import xlsx

    workbook = WORKBOOK_FORMS[form]
    quick = xlsx._sheet_tags_quick(workbook)
    assert (quick is not None) == (form == "usual")  # every other form goes to the parser
    found = xlsx.sheet_parts(workbook, _RELS)
    monkeypatch.setattr(xlsx, "_sheet_tags_quick", lambda *_: None)
    assert found == xlsx.sheet_parts(workbook, _RELS)
    assert found  # every form names at least one sheet


def test_sheet_parts_of_every_fixture_match_the_parser(monkeypatch) -> None:
    from planreports.read import xlsx

    found = {}
    for path in sorted(FIXTURES.glob("*.xls*")):
        try:
            with Package(path.read_bytes()) as package:
                if package.workbook is None:
                    continue
                parts = (package.part(package.workbook),
                         package.relationships(package.workbook))
        except (zipfile.BadZipFile, ValueError):
            continue
        found[path.name] = (xlsx.sheet_parts(*parts), xlsx._sheet_tags_quick(parts[0]), parts)
    monkeypatch.setattr(xlsx, "_sheet_tags_quick", lambda *_: None)
    quick = 0
    for name, (result, by_pattern, parts) in found.items():
        assert result == xlsx.sheet_parts(*parts), name
        quick += by_pattern is not None
    assert quick >= 10  # openpyxl's and xlsxwriter's forms both take the pattern route


def test_a_styles_part_no_parser_reads_costs_the_fills_not_the_tracker(tmp_path: Path) -> None:
    """calamine reads the values of a workbook whose styles.xml is not well-formed; so do
    we, without the colours (the text RAGs are still there to read)."""
    broken = _rewrite(tmp_path / "broken.xlsx", "xl/styles.xml",
                      lambda d: d.replace(b"</styleSheet>", b"<fills></styleSheet>"))
    (grid,) = read_xlsx(broken)
    (usual,) = read_xlsx(SOURCE)
    assert grid.values == usual.values
    assert dict(grid.fills_in_column(2)) == {}
