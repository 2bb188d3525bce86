"""Cell fills of an .xlsx: styles.xml's fills and cell formats, resolved through the theme.

Only what a reader sees as a cell's background is kept: solid pattern fills (and a
gradient's first stop), for each cell format (`s` of a cell) and each conditional format.
"""

from __future__ import annotations

import functools
import re
from xml.etree.ElementTree import Element, ParseError, fromstring

from planreports.read import colour

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def parse_part(name: str, data: bytes) -> Element:
    """A part that has passed `safety.check_xml_parts`, parsed; its name in any error."""
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
        root = parse_part("xl/styles.xml", styles)
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


@functools.lru_cache(maxsize=16)
def style_table(styles: bytes | None, theme: bytes | None) -> StyleTable:
    """The StyleTable of a styles part and theme, parsed once per distinct pair of bytes."""
    # A region's returns are mostly copies of one template, byte for byte in their styles and
    # theme: a worker parses each distinct pair once. Keyed on the bytes, never on a name.
    return StyleTable(styles, theme)
