"""Read .xlsx/.xlsm: values and merges with python-calamine, fills from the styles part.

openpyxl's full load costs ~19x calamine, and even a regex over every cell's start tag costs
half as much again as calamine's whole read; so cell colours come from a targeted parse of
styles.xml and the theme, and a scan of the one column whose colours mean something (the
RAG column), done when the table reader asks for it. The package is checked (`safety`)
before calamine or any XML parser sees it. Macros are never run: nothing in this module
evaluates anything; formulas give their cached values.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, fromstring

import python_calamine

from planreports.read import colour
from planreports.read.conditional import conditional_fills, parse_rules
from planreports.read.grid import SheetGrid, column_letter
from planreports.read.safety import MAX_CELLS, check_sizes, check_xml_parts, too_large
from planreports.read.zipparts import PackageBytes

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
M = "{" + NS["m"] + "}"
# Sheet kinds by the last word of their relationship type, as a reader would name them.
SHEET_KINDS = {
    "worksheet": "worksheet", "chartsheet": "chart sheet", "dialogsheet": "dialog sheet",
    "macrosheet": "macro sheet", "xlMacrosheet": "macro sheet", "xlIntlMacrosheet": "macro sheet",
}
# One cell's start tag in any form: its reference and, when it has one, its style id.
_CELL = re.compile(
    rb"<(?:\w+:)?c\s(?=[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\")(?:(?=[^>]*?\bs=\"([0-9]+)\"))?"
)
# A cell start tag that is not `<c r="A1"` with its reference inside A1:AX99999 (at most
# 4,999,950 cells, under MAX_CELLS). Every writer we know puts `r` first; when no tag in a
# sheet breaks that form, its extent needs no counting and one column can be found by
# its letters alone.
_UNUSUAL_CELL = re.compile(rb'<c(?! r="(?:A[A-X]|[A-Z])[0-9]{1,5}")')
_SHEETDATA = re.compile(rb"<((?:\w+:)?)sheetData\b")
_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
_FORMATTING = re.compile(
    rb"<((?:\w+:)?)conditionalFormatting\b.*?</\1conditionalFormatting\s*>", re.DOTALL
)
_STYLE = re.compile(rb'\ss="([0-9]+)"')
# Parts inflated whole up front: read here anyway, so the safety check reuses their bytes.
_READ_WHOLE = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
_READ_WHOLE_UNDER = ("xl/worksheets/", "xl/theme/")


def _parse(name: str, data: bytes) -> Element:
    # The C parser, not defusedxml's pure-Python one (several times slower): every part has
    # passed `check_xml_parts` first, so there is no DTD and no entity to expand.
    try:
        return fromstring(data)
    except ParseError as exc:
        raise ValueError(f"the workbook's part {name} is not well-formed XML ({exc})") from exc


def _argb(element: Element | None) -> dict[str, object]:
    if element is None:
        return {}
    out: dict[str, object] = {}
    if element.get("rgb"):
        out["rgb"] = element.get("rgb")
    for name, kind in (("theme", int), ("indexed", int), ("tint", float)):
        value = element.get(name)
        if value is not None:
            try:
                out[name] = kind(value)
            except ValueError:
                continue
    return out


def _fill_colour(
    fill: Element,
    palette: tuple[str, ...],
    *,
    dxf: bool = False,
    indexed: tuple[str, ...] = colour.INDEXED_COLOURS,
) -> str | None:
    """The colour a reader sees for a <fill>: solid pattern fills only (and gradient start)."""
    pattern = fill.find(f"{M}patternFill")
    if pattern is not None:
        kind = pattern.get("patternType")
        fg = _argb(pattern.find(f"{M}fgColor"))
        bg = _argb(pattern.find(f"{M}bgColor"))
        # A conditional format's fill shows its bgColor (Excel writes no patternType and only
        # bgColor there); a cell's own solid fill shows its fgColor.
        if kind in (None, "solid") and (kind == "solid" or dxf):
            spec = (bg or fg) if dxf else (fg or bg)
            if spec:
                return colour.resolve_colour(palette=palette, indexed_palette=indexed, **spec)
        return None
    gradient = fill.find(f"{M}gradientFill")
    if gradient is not None:
        spec = _argb(gradient.find(f"{M}stop/{M}color"))
        if spec:
            return colour.resolve_colour(palette=palette, indexed_palette=indexed, **spec)
    return None


_SCHEME = re.compile(rb"<(\w+:)?clrScheme\b.*?</\1?clrScheme>", re.DOTALL)
_DRAWINGML = b"http://schemas.openxmlformats.org/drawingml/2006/main"


def _colour_scheme(theme: bytes) -> bytes:
    """The theme part cut to its colour scheme: the fonts and effects around it are most of
    its bytes and none of its colours. The whole part when the scheme cannot be found."""
    found = _SCHEME.search(theme)
    if not found:
        return theme
    prefix = found.group(1) or b""
    ns = b"xmlns:" + prefix[:-1] if prefix else b"xmlns"
    return (b"<" + prefix + b"theme " + ns + b'="' + _DRAWINGML + b'"><' + prefix
            + b"themeElements>" + found.group(0) + b"</" + prefix + b"themeElements></"
            + prefix + b"theme>")


class StyleTable:
    """Style id (the `s` attribute of a cell) -> the fill colour it shows, if any."""

    def __init__(self, styles: bytes | None, theme: bytes | None = None):
        palette: tuple[str, ...] = ()
        if theme is not None:
            try:
                palette = colour.palette_of(fromstring(_colour_scheme(theme)))
            except ParseError:
                palette = ()  # a broken theme: theme colours fall back to Office's
        self.palette = palette
        self.xf_fill: list[str | None] = []
        self.dxf_fill: list[str | None] = []
        if styles is None:
            return
        root = _parse("xl/styles.xml", styles)
        # A workbook may redefine the legacy palette (old files, LibreOffice): its own wins.
        indexed = list(colour.INDEXED_COLOURS)
        for i, rgb in enumerate(root.iterfind(f"{M}colors/{M}indexedColors/{M}rgbColor")):
            value = rgb.get("rgb", "")
            if i < len(indexed) and len(value) in (6, 8):
                indexed[i] = "#" + value[-6:].upper()
        fills = [
            _fill_colour(f, palette, indexed=tuple(indexed))
            for f in root.iterfind(f"{M}fills/{M}fill")
        ]
        for xf in root.iterfind(f"{M}cellXfs/{M}xf"):
            fill_id = xf.get("fillId", "0")
            index = int(fill_id) if fill_id.isdigit() else 0
            self.xf_fill.append(fills[index] if index < len(fills) else None)
        for dxf in root.iterfind(f"{M}dxfs/{M}dxf"):
            fill = dxf.find(f"{M}fill")
            self.dxf_fill.append(
                _fill_colour(fill, palette, dxf=True, indexed=tuple(indexed))
                if fill is not None
                else None
            )

    def fill_of(self, style: int) -> str | None:
        return self.xf_fill[style] if style < len(self.xf_fill) else None


@dataclass(frozen=True)
class SheetPart:
    """A sheet as workbook.xml names it: its part, its state and what kind of sheet it is."""

    name: str
    part: str
    state: str  # visible | hidden | veryHidden
    kind: str  # worksheet | chart sheet | ...


def _sheet_parts(workbook: bytes, rels: bytes | None) -> dict[str, SheetPart]:
    """Sheet name -> its part in the zip, state and kind, via workbook.xml and its rels."""
    quick = _sheet_parts_quick(workbook, rels)
    if quick is not None:
        return quick
    wb = _parse("xl/workbook.xml", workbook)
    targets: dict[str, tuple[str, str]] = {}
    if rels is not None:
        for rel in _parse("xl/_rels/workbook.xml.rels", rels).iterfind(
            f"{{{NS['rel']}}}Relationship"
        ):
            targets[rel.get("Id", "")] = _target(rel.get("Target", ""), rel.get("Type", ""))
    out = {}
    for sheet in wb.iterfind(f"{M}sheets/{M}sheet"):
        rid = sheet.get(f"{{{NS['r']}}}id", "")
        if rid in targets:
            name = sheet.get("name", "")
            part, kind = targets[rid]
            out[name] = SheetPart(name, part, sheet.get("state", "visible"), kind)
    return out


def _target(target: str, rel_type: str) -> tuple[str, str]:
    """A relationship's part, resolved against xl/, and the kind of sheet its type names."""
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join("xl", target)
    )
    kind = rel_type.rsplit("/", 1)[-1]
    return part, SHEET_KINDS.get(kind, kind)


# The form every writer we know gives workbook.xml and its rels: unprefixed elements in the
# default namespace, `r:` bound to the relationships namespace, attributes written
# `name="value"` with no entity, tab or line break in them, no comment or CDATA. Parsing
# the two small parts costs more than reading them by pattern (an XML parser takes ~40 us
# to set up); a part in any other form is parsed.
_SHEET_TAG = re.compile(rb"<sheet\s([^>]*)>")
_RELATIONSHIP_TAG = re.compile(rb"<Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"&<\t\n\r]*)"')
_MAIN_DEFAULT = b'xmlns="' + NS["m"].encode() + b'"'
_RELS_DEFAULT = b'xmlns="' + NS["rel"].encode() + b'"'
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


def _sheet_parts_quick(workbook: bytes, rels: bytes | None) -> dict[str, SheetPart] | None:
    if (
        rels is None
        or any(b"<!--" in part or b"<![CDATA[" in part for part in (workbook, rels))
        or _MAIN_DEFAULT not in workbook
        or _RELS_DEFAULT not in rels
        or _R_PREFIX not in workbook
        or workbook.count(b"xmlns:r=") != workbook.count(_R_PREFIX)
    ):
        return None
    relationships = _attributes(_RELATIONSHIP_TAG.findall(rels))
    sheets = _attributes(_SHEET_TAG.findall(workbook))
    if relationships is None or sheets is None:
        return None
    targets = {
        rel.get("Id", ""): _target(rel.get("Target", ""), rel.get("Type", ""))
        for rel in relationships
    }
    out = {}
    for sheet in sheets:
        rid = sheet.get("r:id", "")
        if rid in targets:
            name = sheet.get("name", "")
            part, kind = targets[rid]
            out[name] = SheetPart(name, part, sheet.get("state", "visible"), kind)
    return out


def _column(letters: bytes) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


@dataclass(frozen=True)
class SheetXml:
    """The parts of a worksheet's XML that colours come from."""

    cells: bytes  # from <sheetData> to the end of the part
    usual: bool  # every cell tag is `<c r="A1"...` inside A1:AX99999 (see _UNUSUAL_CELL)
    formattings: tuple[Element, ...] = ()


def sheet_xml(name: str, part: str, data: bytes) -> SheetXml:
    """Split a worksheet part, and refuse it if its cells span more than MAX_CELLS.

    calamine builds a dense grid from A1 to the farthest cell, so one stray value in
    XFD1048576 would make it allocate billions of cells and abort the worker: count the
    extent first, exactly, whenever a cell tag is out of the usual form.
    """
    found = _SHEETDATA.search(data)
    start = found.start() if found else 0
    prefix = found.group(1) if found else b""
    end = data.find(b"</" + prefix + b"sheetData", start)
    end = len(data) if end < 0 else end
    usual = not prefix and _UNUSUAL_CELL.search(data, start, end) is None
    if not usual:
        rows = cols = 0
        for cell in _CELL.finditer(data, start, end):
            rows = max(rows, int(cell.group(2)))
            cols = max(cols, _column(cell.group(1)))
        if rows * cols > MAX_CELLS:
            raise too_large(name, rows, cols)
    return SheetXml(data[start:], usual, _conditional_formats(part, data, end))


def _conditional_formats(part: str, data: bytes, after: int) -> tuple[Element, ...]:
    root_tag = _ROOT.search(data)
    fragments = [m.group(0) for m in _FORMATTING.finditer(data, after)] if root_tag else []
    if not root_tag or not fragments:
        return ()
    # Parsed inside the sheet's own root tag, so its namespace prefixes stay declared.
    tag = root_tag.group(0)
    closing = b"</" + tag[1:].split()[0].rstrip(b">") + b">"
    try:
        root = fromstring(tag + b"".join(fragments) + closing)
    except ParseError:
        return ()  # a malformed format is no colour, not an unreadable tracker
    return tuple(root.iter(f"{M}conditionalFormatting"))


def column_styles(xml: SheetXml, col: int) -> dict[int, int]:
    """0-based row -> style id, for the cells of one column that have a style."""
    out: dict[int, int] = {}
    if xml.usual:
        letters = column_letter(col).encode()
        tags = re.compile(rb'<c r="' + letters + rb'([0-9]+)"(?: s="([0-9]+)")?([^>]*)')
        for digits, style, rest in tags.findall(xml.cells):
            if not style and (late := _STYLE.search(rest)):  # `s` after `t`: rare, but valid
                style = late.group(1)
            if style:
                out[int(digits) - 1] = int(style)
        return out
    target = col + 1
    for letters, digits, style in _CELL.findall(xml.cells):
        if style and _column(letters) == target:
            out[int(digits) - 1] = int(style)
    return out


def column_fills(
    xml: SheetXml, styles: StyleTable, values: Sequence[Sequence[object]], col: int
) -> dict[int, str]:
    """0-based row -> the fill a reader sees in one column: the cell's own fill, with a
    conditional format's fill drawn over it where a rule applies."""
    fills = {}
    for row, style in column_styles(xml, col).items():
        if fill := styles.fill_of(style):
            fills[row] = fill
    if xml.formattings and any(styles.dxf_fill):
        drawn = conditional_fills(parse_rules(xml.formattings, styles.dxf_fill), values)
        fills.update({row: fill for (row, c), fill in drawn.items() if c == col})
    return fills


@functools.lru_cache(maxsize=16)
def _style_table(styles: bytes | None, theme: bytes | None) -> StyleTable:
    # A region's returns are mostly copies of one template, byte for byte in their styles and
    # theme: a worker parses each distinct pair once. Keyed on the bytes, never on a name.
    return StyleTable(styles, theme)


def _wanted_whole(name: str) -> bool:
    return name in _READ_WHOLE or (name.startswith(_READ_WHOLE_UNDER) and name.endswith(".xml"))


def _read_package(
    source: Path | bytes,
) -> tuple[dict[str, SheetPart], StyleTable, dict[str, SheetXml]]:
    """Check the package, then read what colours and sheet states need from it."""
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
        check_sizes(zf)
        if isinstance(source, bytes):
            package = PackageBytes(source, zf)
            whole, first_bytes = package.read, package.head
        else:  # a file too large to hold in memory
            whole, first_bytes = zf.read, None
        read = {i.filename: whole(i) for i in zf.infolist() if _wanted_whole(i.filename)}
        check_xml_parts(zf, read, first_bytes)

        def part(name: str) -> bytes | None:
            if name in read:
                return read[name]
            return zf.read(name) if name in zf.NameToInfo else None

        workbook = part("xl/workbook.xml")
        if workbook is None:
            raise KeyError("xl/workbook.xml")
        parts = _sheet_parts(workbook, part("xl/_rels/workbook.xml.rels"))
        themes = sorted(
            n for n in zf.NameToInfo if n.startswith("xl/theme/") and n.endswith(".xml")
        )
        styles = _style_table(part("xl/styles.xml"), part(themes[0]) if themes else None)
        sheets: dict[str, SheetXml] = {}
        for sheet in parts.values():
            if sheet.state == "visible" and sheet.kind == "worksheet":
                data = part(sheet.part)
                if data is not None:
                    sheets[sheet.name] = sheet_xml(sheet.name, sheet.part, data)
    return parts, styles, sheets


_STATES = {"hidden": "hidden", "veryHidden": "very hidden"}


def read_xlsx(source: Path | bytes) -> list[SheetGrid]:
    """Every sheet of an .xlsx/.xlsm (a file, or its bytes) as grids with values and merges;
    fills on demand."""
    parts, styles, sheets = _read_package(source)
    if isinstance(source, Path) and source.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = python_calamine.CalamineWorkbook.from_path(str(source))
    else:
        # From memory, and by content: calamine picks its reader by a file's name, and an
        # .xlsx renamed .xls must be read as what it is.
        data = source if isinstance(source, bytes) else source.read_bytes()
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids: list[SheetGrid] = []
    for meta in workbook.sheets_metadata:
        known = parts.get(meta.name)
        visibility = str(meta.visible).rsplit(".", 1)[-1]  # Visible | Hidden | VeryHidden
        state = known.state if known else {"Hidden": "hidden", "VeryHidden": "veryHidden"}.get(
            visibility, "visible"
        )
        kind = known.kind if known else (
            "worksheet" if "WorkSheet" in str(meta.typ) else str(meta.typ).rsplit(".", 1)[-1]
        )
        if state != "visible" or kind != "worksheet":
            grids.append(SheetGrid(
                name=meta.name, values=[], visible=state == "visible",
                state=_STATES.get(state, state), kind=kind,
            ))
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        values = sheet.to_python(skip_empty_area=False)
        merged = tuple(
            (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
        )
        xml = sheets.get(meta.name)
        grids.append(SheetGrid(
            name=meta.name, values=values, merged=merged,
            column_fills=functools.partial(column_fills, xml, styles, values) if xml else None,
        ))
    return grids

