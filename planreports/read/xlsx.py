"""Read .xlsx/.xlsm: values and merges with python-calamine, fills from the styles part.

openpyxl's full load costs ~19x calamine, so cell colours come from a targeted parse of
styles.xml, the theme and each sheet's style ids instead. Macros are never run: nothing in
this module evaluates anything; formulas give their cached values.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path

import python_calamine
from defusedxml import ElementTree

from planreports.read import colour
from planreports.read.grid import SheetGrid

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
M = "{" + NS["m"] + "}"
# Declared sizes beyond these are a zip bomb or a hostile file, not a tracker.
MAX_PART_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200


class UnsafeFileError(ValueError):
    """The file's declared structure is hostile (zip bomb, absurd part sizes)."""


def check_zip(path: Path) -> None:
    """Refuse a zip whose directory declares absurd sizes, before inflating anything."""
    with zipfile.ZipFile(path) as zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if info.file_size > MAX_PART_BYTES:
                raise UnsafeFileError(f"part {info.filename} declares {info.file_size:,} bytes")
            if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO and (
                info.file_size > 50 * 1024 * 1024
            ):
                raise UnsafeFileError(
                    f"part {info.filename} would inflate {info.file_size / info.compress_size:.0f}x"
                )
        if total > MAX_TOTAL_BYTES:
            raise UnsafeFileError(f"parts declare {total:,} bytes in all")


def _argb(element) -> dict[str, object]:
    if element is None:
        return {}
    out: dict[str, object] = {}
    if element.get("rgb"):
        out["rgb"] = element.get("rgb")
    if element.get("theme") is not None:
        out["theme"] = int(element.get("theme"))
    if element.get("indexed") is not None:
        out["indexed"] = int(element.get("indexed"))
    if element.get("tint") is not None:
        out["tint"] = float(element.get("tint"))
    return out


def _fill_colour(fill, palette: tuple[str, ...]) -> str | None:
    """The colour a reader sees for a <fill>: solid pattern fills only (and gradient start)."""
    pattern = fill.find(f"{M}patternFill")
    if pattern is not None:
        kind = pattern.get("patternType")
        fg = _argb(pattern.find(f"{M}fgColor"))
        bg = _argb(pattern.find(f"{M}bgColor"))
        # A dxf (conditional format) fill often has no patternType and puts the colour in bgColor.
        if kind in (None, "solid"):
            spec = fg or bg if kind == "solid" else bg or fg
            if spec:
                return colour.resolve_colour(palette=palette, **spec)
        return None
    gradient = fill.find(f"{M}gradientFill")
    if gradient is not None:
        stop = gradient.find(f"{M}stop/{M}color")
        spec = _argb(stop)
        return colour.resolve_colour(palette=palette, **spec) if spec else None
    return None


class StyleTable:
    """Style id (the `s` attribute of a cell) -> the fill colour it shows, if any."""

    def __init__(self, zf: zipfile.ZipFile):
        names = set(zf.namelist())
        palette: tuple[str, ...] = ()
        themes = sorted(n for n in names if n.startswith("xl/theme/") and n.endswith(".xml"))
        if themes:
            palette = colour.theme_palette(zf.read(themes[0]))
        self.palette = palette
        self.xf_fill: list[str | None] = []
        self.dxf_fill: list[str | None] = []
        if "xl/styles.xml" not in names:
            return
        root = ElementTree.fromstring(zf.read("xl/styles.xml"))
        fills = [_fill_colour(f, palette) for f in root.iterfind(f"{M}fills/{M}fill")]
        for xf in root.iterfind(f"{M}cellXfs/{M}xf"):
            fill_id = int(xf.get("fillId", 0))
            self.xf_fill.append(fills[fill_id] if fill_id < len(fills) else None)
        for dxf in root.iterfind(f"{M}dxfs/{M}dxf"):
            fill = dxf.find(f"{M}fill")
            self.dxf_fill.append(_fill_colour(fill, palette) if fill is not None else None)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part name in the zip, via workbook.xml and its relationships."""
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iterfind(f"{{{NS['rel']}}}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target)
        )
        targets[rel.get("Id")] = part
    out = {}
    for sheet in wb.iterfind(f"{M}sheets/{M}sheet"):
        rid = sheet.get(f"{{{NS['r']}}}id")
        if rid in targets:
            out[sheet.get("name")] = targets[rid]
    return out


def _ref_to_rc(ref: str) -> tuple[int, int]:
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    return int(ref[i:]) - 1, col - 1


def _iter_sheet_fills(
    zf: zipfile.ZipFile, part: str, styles: StyleTable
) -> Iterator[tuple[tuple[int, int], str]]:
    """(row, col) -> colour for every cell whose style shows a solid fill."""
    if not any(styles.xf_fill):
        return
    with zf.open(part) as handle:
        for _event, element in ElementTree.iterparse(handle, events=("end",)):
            if element.tag == f"{M}c":
                s = element.get("s")
                if s is not None:
                    idx = int(s)
                    fill = styles.xf_fill[idx] if idx < len(styles.xf_fill) else None
                    if fill and element.get("r"):
                        yield _ref_to_rc(element.get("r")), fill
                element.clear()
            elif element.tag == f"{M}row":
                element.clear()


def _conditional_rules(zf: zipfile.ZipFile, part: str) -> list[tuple[str, str, int, list[str]]]:
    """(sqref, rule type, dxf id, [formula/text]) for each conditional-format rule with a fill."""
    rules: list[tuple[str, str, int, list[str]]] = []
    with zf.open(part) as handle:
        for _event, element in ElementTree.iterparse(handle, events=("end",)):
            if element.tag == f"{M}conditionalFormatting":
                sqref = element.get("sqref", "")
                for rule in element.iterfind(f"{M}cfRule"):
                    if rule.get("dxfId") is None:
                        continue
                    texts = [f.text or "" for f in rule.iterfind(f"{M}formula")]
                    kind = rule.get("type", "")
                    if kind in {"containsText", "beginsWith", "endsWith"} and rule.get("text"):
                        texts = [rule.get("text", ""), *texts]
                    op = rule.get("operator", "")
                    rules.append((sqref, f"{kind}:{op}", int(rule.get("dxfId")), texts))
            elif element.tag == f"{M}c" or element.tag == f"{M}row":
                element.clear()
    return rules


def _cells_in(sqref: str, values: list[list[object]]) -> Iterator[tuple[int, int]]:
    """The non-empty cells a conditional format's range covers (clipped to the data)."""
    for block in sqref.split():
        start, _, end = block.partition(":")
        r0, c0 = _ref_to_rc(start.replace("$", ""))
        r1, c1 = _ref_to_rc((end or start).replace("$", ""))
        for r in range(r0, min(r1, len(values) - 1) + 1):
            row = values[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] not in ("", None):
                    yield r, c


def _unquote(formula: str) -> str:
    formula = formula.strip()
    if len(formula) >= 2 and formula[0] == formula[-1] == '"':
        return formula[1:-1].replace('""', '"')
    return formula


def _rule_applies(kind: str, texts: list[str], value: object) -> bool:
    """The equality and text forms trackers use: ="Red", containsText "Amber", ..."""
    text = str(value).strip().lower()
    if not text:
        return False
    rule, _, op = kind.partition(":")
    if rule == "cellIs" and op in {"equal", ""} and texts:
        return text == _unquote(texts[0]).lower()
    if rule == "cellIs" and op == "notEqual" and texts:
        return text != _unquote(texts[0]).lower()
    if rule in {"containsText", "beginsWith", "endsWith"} and texts:
        needle = texts[0].lower()
        return {
            "containsText": needle in text,
            "beginsWith": text.startswith(needle),
            "endsWith": text.endswith(needle),
        }[rule]
    if rule == "expression" and texts:
        # e.g. =$C5="Red" or =EXACT(C5,"Red"): a literal string compared with the cell
        literal = [part for part in texts[0].split('"')[1::2] if part]
        return bool(literal) and text == literal[0].lower()
    return False


def read_xlsx(path: Path) -> list[SheetGrid]:
    """Every sheet of an .xlsx/.xlsm as grids with values, merges and fills."""
    check_zip(path)
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    grids: list[SheetGrid] = []
    with zipfile.ZipFile(path) as zf:
        styles = StyleTable(zf)
        parts = _sheet_parts(zf)
        for meta in workbook.sheets_metadata:
            visible = str(meta.visible).endswith("Visible") and "Hidden" not in str(meta.visible)
            kind = "worksheet" if "WorkSheet" in str(meta.typ) else str(meta.typ).split(".")[-1]
            if not visible or kind != "worksheet":
                grids.append(SheetGrid(name=meta.name, values=[], visible=visible, kind=kind))
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            values = sheet.to_python(skip_empty_area=False)
            merged = tuple(
                (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            )
            fills: dict[tuple[int, int], str] = {}
            part = parts.get(meta.name)
            if part and part in zf.namelist():
                fills.update(_iter_sheet_fills(zf, part, styles))
                if styles.dxf_fill:
                    for sqref, kind_op, dxf, texts in _conditional_rules(zf, part):
                        fill = styles.dxf_fill[dxf] if dxf < len(styles.dxf_fill) else None
                        if not fill:
                            continue
                        for r, c in _cells_in(sqref, values):
                            if _rule_applies(kind_op, texts, values[r][c]):
                                fills[(r, c)] = fill
            grids.append(
                SheetGrid(name=meta.name, values=values, merged=merged, fills=fills)
            )
    return grids
