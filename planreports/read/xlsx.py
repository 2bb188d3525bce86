"""Read .xlsx/.xlsm: values and merges with python-calamine, fills from the styles part.

openpyxl's full load costs ~19x calamine, so cell colours come from a targeted parse of
styles.xml, the theme and one streamed scan of each sheet's cell style ids instead. The
package is checked (`safety`) before calamine or any XML parser sees it. Macros are never
run: nothing in this module evaluates anything; formulas give their cached values.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import python_calamine
from defusedxml import DefusedXmlException, ElementTree

from planreports.read import colour
from planreports.read.conditional import conditional_fills, parse_rules
from planreports.read.grid import SheetGrid
from planreports.read.safety import (
    MAX_CELLS,
    UnsafeFileError,
    check_sizes,
    check_xml_parts,
    too_large,
)

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
# One cell's start tag: its reference and, when it has one, its style id, in either order.
_CELL = re.compile(
    rb"<(?:\w+:)?c\s(?=[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\")(?:(?=[^>]*?\bs=\"([0-9]+)\"))?"
)
_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>|<(?:\w+:)?sheetData\s*/>")
_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
_FORMATTING = re.compile(
    rb"<((?:\w+:)?)conditionalFormatting\b.*?</\1conditionalFormatting\s*>", re.DOTALL
)
_CHUNK = 1 << 20
MAX_TAIL_BYTES = 16 * 1024 * 1024  # conditional formats and the rest after the cells


def _parse(zf: zipfile.ZipFile, name: str) -> Element:
    try:
        return ElementTree.fromstring(zf.read(name))
    except DefusedXmlException as exc:
        raise UnsafeFileError(
            f"the workbook contains an XML entity payload in {name} (refused)"
        ) from exc
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

    def __init__(self, zf: zipfile.ZipFile):
        names = set(zf.namelist())
        palette: tuple[str, ...] = ()
        themes = sorted(n for n in names if n.startswith("xl/theme/") and n.endswith(".xml"))
        if themes:
            palette = colour.theme_palette(_colour_scheme(zf.read(themes[0])))
        self.palette = palette
        self.xf_fill: list[str | None] = []
        self.dxf_fill: list[str | None] = []
        if "xl/styles.xml" not in names:
            return
        root = _parse(zf, "xl/styles.xml")
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


@dataclass(frozen=True)
class SheetPart:
    """A sheet as workbook.xml names it: its part, its state and what kind of sheet it is."""

    name: str
    part: str
    state: str  # visible | hidden | veryHidden
    kind: str  # worksheet | chart sheet | ...


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, SheetPart]:
    """Sheet name -> its part in the zip, state and kind, via workbook.xml and its rels."""
    wb = _parse(zf, "xl/workbook.xml")
    names = set(zf.namelist())
    rels = (
        _parse(zf, "xl/_rels/workbook.xml.rels")
        if "xl/_rels/workbook.xml.rels" in names else None
    )
    targets: dict[str, tuple[str, str]] = {}
    for rel in rels.iterfind(f"{{{NS['rel']}}}Relationship") if rels is not None else ():
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target)
        )
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        targets[rel.get("Id", "")] = (part, SHEET_KINDS.get(kind, kind))
    out = {}
    for sheet in wb.iterfind(f"{M}sheets/{M}sheet"):
        rid = sheet.get(f"{{{NS['r']}}}id", "")
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


@dataclass
class SheetScan:
    """What one streamed pass over a worksheet part found."""

    rows: int = 0  # extent from A1, by the cells' own references
    cols: int = 0
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    formattings: list[Element] = field(default_factory=list)


def scan_sheet(zf: zipfile.ZipFile, part: str, styles: StyleTable) -> SheetScan:
    """One pass over a sheet's XML: its extent, its cells' fills, its conditional formats.

    A regex over 1 MB chunks, not an XML parse of every cell: a tracker's cells are most of
    its bytes, and all we need from them is the reference and the style id.
    """
    scan = SheetScan()
    # Style ids as the bytes the regex yields: no int() per cell for the unfilled majority.
    filled = {str(i).encode(): fill for i, fill in enumerate(styles.xf_fill) if fill}
    tail = b""
    root_tag = b""
    after = bytearray()
    with zf.open(part) as handle:
        while chunk := handle.read(_CHUNK):
            if after:
                if len(after) < MAX_TAIL_BYTES:
                    after += chunk
                continue
            data = tail + chunk
            if not root_tag:
                found = _ROOT.search(data)
                root_tag = found.group(0) if found else b""
            end = _SHEETDATA_END.search(data)
            # A start tag is short: keep the end of this chunk for the next one.
            cut = data.rfind(b"<")
            cut = cut if cut >= 0 and len(data) - cut < 512 else len(data)
            limit = end.start() if end else cut
            cells = _CELL.findall(data, 0, limit)
            if cells:  # distinct rows and columns first: map/set stay in C
                scan.rows = max(scan.rows, *map(int, set(map(itemgetter(1), cells))))
                scan.cols = max(scan.cols, *map(_column, set(map(itemgetter(0), cells))))
            for letters, digits, style in cells:
                if style in filled:
                    scan.fills[(int(digits) - 1, _column(letters) - 1)] = filled[style]
            if end:
                after += data[end.start():]
                continue
            tail = data[cut:]
    fragments = [m.group(0) for m in _FORMATTING.finditer(after)] if root_tag else []
    if fragments:
        # Parsed inside the sheet's own root tag, so its namespace prefixes stay declared.
        closing = b"</" + root_tag[1:].split()[0].rstrip(b">") + b">"
        try:
            root = ElementTree.fromstring(root_tag + b"".join(fragments) + closing)
        except DefusedXmlException as exc:
            raise UnsafeFileError(
                f"the workbook contains an XML entity payload in {part} (refused)"
            ) from exc
        except ParseError:
            root = None  # a malformed format is no colour, not an unreadable tracker
        if root is not None:
            scan.formattings = list(root.iter(f"{M}conditionalFormatting"))
    return scan


_STATES = {"hidden": "hidden", "veryHidden": "very hidden"}


def read_xlsx(path: Path) -> list[SheetGrid]:
    """Every sheet of an .xlsx/.xlsm as grids with values, merges and fills."""
    scans: dict[str, SheetScan] = {}
    with zipfile.ZipFile(path) as zf:
        check_sizes(zf)
        check_xml_parts(zf)
        names = set(zf.namelist())
        parts = _sheet_parts(zf)
        styles = StyleTable(zf)
        for sheet in parts.values():
            if sheet.state == "visible" and sheet.kind == "worksheet" and sheet.part in names:
                scan = scan_sheet(zf, sheet.part, styles)
                # calamine builds a dense grid from A1 to the farthest cell: refuse a sheet
                # that would not fit, rather than let it abort the worker.
                if scan.rows * scan.cols > MAX_CELLS:
                    raise too_large(sheet.name, scan.rows, scan.cols)
                scans[sheet.name] = scan
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    else:
        # calamine picks its reader by the name: an .xlsx renamed .xls must go by content.
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
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
        scan = scans.get(meta.name, SheetScan())
        fills = dict(scan.fills)
        if scan.formattings and any(styles.dxf_fill):
            # A conditional format's fill is drawn over the cell's own: what a reader sees.
            fills.update(conditional_fills(parse_rules(scan.formattings, styles.dxf_fill), values))
        grids.append(SheetGrid(name=meta.name, values=values, merged=merged, fills=fills))
    return grids
