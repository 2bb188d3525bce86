"""Read .xlsx/.xlsm: values and merges with python-calamine, fills from the styles part.

The package is opened as the standard says (`package`) and checked (`safety`) before
calamine or any XML parser sees it; its sheets are the parts the workbook's relationships
name. calamine reads the values, from the file itself or, when the file's layout is one it
cannot take or a sheet has far stray values, from a package rebuilt for it (`view`). A
workbook calamine refuses is tried once with openpyxl (`fallback`) before it is called
damaged. Macros are never run: nothing here evaluates anything; formulas give their
cached values.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError, fromstring

import python_calamine

from planreports.read.grid import SheetGrid
from planreports.read.package import Package, Relationship
from planreports.read.refusals import library_words, reader_failure
from planreports.read.sheetxml import SheetXml, column_fills, sheet_xml, without_strays
from planreports.read.sparse import NAMED
from planreports.read.styles import M, StyleTable, parse_part, style_table
from planreports.read.view import CALAMINE_KINDS, STATES, calamine_view, date1904, needs_view

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
# Sheet kinds by the last word of their relationship type, as a reader would name them.
SHEET_KINDS = {
    "worksheet": "worksheet", "chartsheet": "chart sheet", "dialogsheet": "dialog sheet",
    "macrosheet": "macro sheet", "xlMacrosheet": "macro sheet", "xlIntlMacrosheet": "macro sheet",
}
_STATES = {"hidden": "hidden", "veryHidden": "very hidden"}


class NotAWorkbook(ValueError):
    """A zip package with no workbook in it (a Word document or an archive renamed .xlsx)."""


class CalamineRefused(ValueError):
    """calamine could not read a package that passed every check: openpyxl is tried next."""


@dataclass(frozen=True)
class SheetPart:
    """A sheet as the workbook names it: its part, its state and what kind of sheet it is."""

    name: str
    part: str  # normalised part name; "" when the workbook names a part the file lacks
    state: str  # visible | hidden | veryHidden
    kind: str  # worksheet | chart sheet | ...


# The form every writer we know gives workbook.xml: unprefixed elements in the default
# namespace, `r:` bound to the relationships namespace, attributes written `name="value"`
# with no entity, tab or line break in them, no comment or CDATA. Parsing the small part
# costs more than reading it by pattern (an XML parser takes ~40 us to set up); a part in
# any other form is parsed.
_SHEET_TAG = re.compile(rb"<sheet\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"&<\t\n\r]*)"')
_MAIN_DEFAULT = b'xmlns="' + NS["m"].encode() + b'"'
_R_PREFIX = b'xmlns:r="' + NS["r"].encode() + b'"'


def _attributes(tags: list[bytes]) -> list[dict[str, str]] | None:
    """Each tag's attributes, or None when one is not in the plain form."""
    out = []
    for tag in tags:
        found = _ATTRIBUTE.findall(tag)
        if len(found) != tag.count(b"="):  # single quotes, spaces around =, an entity...
            return None
        try:
            out.append({name.decode(): value.decode() for name, value in found})
        except UnicodeDecodeError:
            return None  # not UTF-8: the parser says what is wrong with it
    return out


def _sheet_tags_quick(workbook: bytes) -> list[dict[str, str]] | None:
    """The <sheet> tags' attributes (r:id as "r:id"), or None when the part needs parsing."""
    if (
        b"<!--" in workbook
        or b"<![CDATA[" in workbook
        or _MAIN_DEFAULT not in workbook
        or _R_PREFIX not in workbook
        or workbook.count(b"xmlns:r=") != workbook.count(_R_PREFIX)
    ):
        return None
    tags = _attributes(_SHEET_TAG.findall(workbook))
    if tags is None or any("r:id" not in tag for tag in tags):
        return None  # a sheet's id under a prefix of its own: the parser resolves it
    return tags


def _sheet_tags(workbook: bytes) -> list[dict[str, str]]:
    quick = _sheet_tags_quick(workbook)
    if quick is not None:
        return quick
    root = parse_part("the workbook part", workbook)
    rid = f"{{{NS['r']}}}id"
    return [
        {"name": s.get("name", ""), "state": s.get("state", "visible"), "r:id": s.get(rid, "")}
        for s in root.iterfind(f"{M}sheets/{M}sheet")
    ]


def sheet_parts(workbook: bytes, rels: Sequence[Relationship]) -> dict[str, SheetPart]:
    """Sheet name -> its part, state and kind, in the workbook's order."""
    targets = {rel.id: rel for rel in rels}
    out = {}
    for tag in _sheet_tags(workbook):
        name = tag.get("name", "")
        rel = targets.get(tag.get("r:id", ""))
        if rel is None:
            out[name] = SheetPart(name, "", tag.get("state", "visible"), "missing")
        else:
            kind = SHEET_KINDS.get(rel.kind, rel.kind)
            out[name] = SheetPart(name, rel.target, tag.get("state", "visible"), kind)
    return out


@dataclass(frozen=True)
class Book:
    """What the package says of its workbook, read before calamine is given it."""

    parts: dict[str, SheetPart]
    styles: StyleTable
    sheets: dict[str, SheetXml]  # the visible worksheets'
    view: bytes | None  # the package to give calamine instead of the file, when needed
    strings: tuple[str, ...] = ()  # shared strings, only when stray values must be named


def _theme(package: Package, rels: Sequence[Relationship]) -> bytes | None:
    for rel in rels:
        if rel.kind == "theme" and package.has(rel.target):
            return package.part(rel.target)
    return None


def _book(package: Package) -> Book:
    if package.workbook is None:
        raise NotAWorkbook("no part of the package is a workbook")
    workbook = package.part(package.workbook) or b""
    rels = package.relationships(package.workbook)
    parts = {
        name: part if package.has(part.part) else SheetPart(name, "", part.state, "missing")
        for name, part in sheet_parts(workbook, rels).items()
    }
    related = {rel.kind: rel.target for rel in rels if rel.kind in ("sharedStrings", "styles")}
    try:
        styles = style_table(package.part(related["styles"]) if "styles" in related else None,
                             _theme(package, rels))
    except ValueError:  # a styles part no parser reads: no fills, but the values are there
        styles = style_table(None, None)
    sheets: dict[str, SheetXml] = {}
    for sheet in parts.values():
        if sheet.state == "visible" and sheet.kind == "worksheet":
            data = package.part(sheet.part)
            if data is not None:
                sheets[sheet.name] = sheet_xml(sheet.name, sheet.part, data)
    strays = any(xml.strays for xml in sheets.values())
    unreadable = any(
        s.kind not in CALAMINE_KINDS or not package.has(s.part) or s.state not in STATES
        for s in parts.values()
    )
    sst = related.get("sharedStrings")
    counted = sst is not None and package.has(sst) and _claims_too_many(
        package.head(sst, 2048), package.size(sst))
    view = None
    if counted or needs_view(workbook=package.workbook, found_by_rels=package.found_by_rels,
                             related=related, unreadable_sheets=unreadable, strays=strays):
        strings = package.part(sst) if sst is not None else None
        view = calamine_view(
            [(s.name, s.kind, s.state, without_strays(package.part(s.part) or b"", sheets[s.name]))
             for s in parts.values() if s.name in sheets],
            shared_strings=_uncounted(strings) if strings is not None and counted else strings,
            styles=package.part(related["styles"]) if "styles" in related else None,
            dates_from_1904=date1904(workbook),
        )
    texts = _shared_strings(package.part(sst) or b"") if strays and sst is not None else ()
    return Book(parts, styles, sheets, view, texts)


_UNIQUE_COUNT = re.compile(rb"""(<(?:\w+:)?sst\b[^>]*?)\s(?:unique)?[cC]ount=["'](\d+)["']""")


def _claims_too_many(head: bytes, size: int) -> bool:
    """Whether the shared strings' stated count (in the part's first bytes) is more than a
    part of `size` bytes could hold: calamine sets that much memory aside first, and two
    billion entries abort the interpreter."""
    counts = [int(found.group(2)) for found in _UNIQUE_COUNT.finditer(head)]
    return any(count > size // 4 + 16 for count in counts)  # "<si/>" alone is five bytes


def _uncounted(strings: bytes) -> bytes:
    """The shared strings with their stated counts dropped (both are optional)."""
    head, tail = strings[:2048], strings[2048:]
    while (found := _UNIQUE_COUNT.search(head)) is not None:
        head = head[: found.start()] + found.group(1) + head[found.end():]
    return head + tail


def _shared_strings(data: bytes) -> tuple[str, ...]:
    try:
        root = fromstring(data)
    except ParseError:
        return ()
    return tuple("".join(t.text or "" for t in si.iter(f"{M}t")) for si in root.iter(f"{M}si"))


_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</")
_TYPE = re.compile(rb'\bt="(\w+)"')


def _stray_text(element: bytes, strings: Sequence[str]) -> str:
    """The text a stray cell shows, for its finding: its number, string or shared string."""
    kind = _TYPE.search(element.split(b">", 1)[0])
    value = _VALUE.search(element)
    if kind and kind.group(1) == b"s" and value:
        index = value.group(1).strip()
        if index.isdigit() and int(index) < len(strings):
            return strings[int(index)]
    if kind and kind.group(1) == b"inlineStr":
        return "".join(t.decode("utf-8", "replace") for t in _TEXT.findall(element))
    text = value.group(1).decode("utf-8", "replace") if value else ""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _open_calamine(source: Path | bytes, book: Book) -> python_calamine.CalamineWorkbook:
    try:
        if book.view is not None:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.view))
        if isinstance(source, Path) and source.suffix.lower() in (".xlsx", ".xlsm"):
            return python_calamine.CalamineWorkbook.from_path(str(source))
        # From memory, and by content: calamine picks its reader by a file's name, and an
        # .xlsx renamed .xls must be read as what it is.
        data = source if isinstance(source, bytes) else source.read_bytes()
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        raise CalamineRefused(library_words(exc)) from exc


def read_xlsx(source: Path | bytes) -> list[SheetGrid]:
    """Every sheet of an .xlsx/.xlsm (a file, or its bytes) as grids with values and merges;
    fills on demand. Raises CalamineRefused when calamine cannot read what passed the
    checks (the caller tries openpyxl)."""
    with Package(source) as package:
        book = _book(package)
    workbook = _open_calamine(source, book)
    grids: list[SheetGrid] = []
    parts = book.parts or {
        meta.name: SheetPart(meta.name, "", _calamine_state(meta), _calamine_kind(meta))
        for meta in workbook.sheets_metadata
    }
    try:
        for part in parts.values():
            if part.state != "visible" or part.kind != "worksheet":
                grids.append(SheetGrid(
                    name=part.name, values=[], visible=part.state == "visible",
                    state=_STATES.get(part.state, part.state),
                    kind={"missing": "sheet whose part is missing"}.get(part.kind, part.kind),
                ))
                continue
            grids.append(_grid(workbook, part.name, book))
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        raise CalamineRefused(library_words(exc)) from exc
    finally:
        workbook.close()
    return grids


def _grid(workbook: python_calamine.CalamineWorkbook, name: str, book: Book) -> SheetGrid:
    sheet = workbook.get_sheet_by_name(name)
    values = sheet.to_python(skip_empty_area=False)
    merged = tuple(
        (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
    )
    xml = book.sheets.get(name)
    strays = tuple(
        (r, c, _stray_text(element, book.strings)) for (r, c), element in xml.strays[:NAMED]
    ) if xml else ()
    return SheetGrid(
        name=name, values=values, merged=merged,
        column_fills=functools.partial(column_fills, xml, book.styles, values) if xml else None,
        strays=strays, stray_count=xml.stray_count if xml else 0,
    )


def _calamine_state(meta: python_calamine.SheetMetadata) -> str:
    visibility = str(meta.visible).rsplit(".", 1)[-1]  # Visible | Hidden | VeryHidden
    return {"Hidden": "hidden", "VeryHidden": "veryHidden"}.get(visibility, "visible")


def _calamine_kind(meta: python_calamine.SheetMetadata) -> str:
    return "worksheet" if "WorkSheet" in str(meta.typ) else str(meta.typ).rsplit(".", 1)[-1]
