"""Cell colours as a reader sees them, and the RAG status a fill colour means.

Excel stores a fill as an ARGB value, an index into a legacy 64-colour palette, or a theme
slot with a tint; `resolve_colour` turns any of them into "#RRGGBB" (with `theme_palette`
reading the workbook's theme part). `nearest_rag` then says which configured RAG status a
colour is, by perceptual distance (CIEDE2000) to the status colours in config.yaml and to the
fills trackers actually use for each status word, or that it is no RAG colour at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.etree.ElementTree import Element, ParseError

from planreports.config import RagStatus

# Excel's legacy palette (BIFF .xls files and `indexed` colours in .xlsx); 64 and 65 are the
# system foreground/background, which no reader can know, so they are not in it.
# Excel's legacy 64-colour palette (as openpyxl's COLOR_INDEX), written out so that reading
# a tracker does not import openpyxl (and numpy) into every worker.
INDEXED_COLOURS: tuple[str, ...] = (
    '#000000', '#FFFFFF', '#FF0000', '#00FF00', '#0000FF', '#FFFF00', '#FF00FF', '#00FFFF',
    '#000000', '#FFFFFF', '#FF0000', '#00FF00', '#0000FF', '#FFFF00', '#FF00FF', '#00FFFF',
    '#800000', '#008000', '#000080', '#808000', '#800080', '#008080', '#C0C0C0', '#808080',
    '#9999FF', '#993366', '#FFFFCC', '#CCFFFF', '#660066', '#FF8080', '#0066CC', '#CCCCFF',
    '#000080', '#FF00FF', '#FFFF00', '#00FFFF', '#800080', '#800000', '#008080', '#0000FF',
    '#00CCFF', '#CCFFFF', '#CCFFCC', '#FFFF99', '#99CCFF', '#FF99CC', '#CC99FF', '#FFCC99',
    '#3366FF', '#33CCCC', '#99CC00', '#FFCC00', '#FF9900', '#FF6600', '#666699', '#969696',
    '#003366', '#339966', '#003300', '#333300', '#993300', '#993366', '#333399', '#333333',

)

_DRAWINGML = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# Excel's theme index order. The theme part lists dk1, lt1, dk2, lt2, but a cell's
# theme="0" is lt1 (Background 1, white) and theme="1" is dk1 (Text 1, black): the first two
# pairs are swapped, as every reader of SpreadsheetML has found (Excel's own colour picker
# shows them in this order).
THEME_SLOTS = (
    "lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5",
    "accent6", "hlink", "folHlink",
)
# The Office theme (2013 onwards), for a workbook that has no theme part of its own.
OFFICE_THEME: tuple[str, ...] = (
    "#FFFFFF", "#000000", "#E7E6E6", "#44546A", "#4472C4", "#ED7D31", "#A5A5A5", "#FFC000",
    "#5B9BD5", "#70AD47", "#0563C1", "#954F72",
)
_SYSTEM_COLOURS = {"window": "FFFFFF", "windowText": "000000"}
_PRESET_COLOURS = {"black": "000000", "white": "FFFFFF"}
_HEX6 = re.compile(r"^[0-9A-Fa-f]{6}$")
_ARGB = re.compile(r"^#?(?:[0-9A-Fa-f]{2})?[0-9A-Fa-f]{6}$")


def theme_palette(theme_xml: bytes) -> tuple[str, ...]:
    """The 12 theme colours of `xl/theme/theme1.xml` in Excel's theme index order.

    A slot the part does not define keeps the Office theme's colour, so indexes stay aligned;
    a part that cannot be parsed (or is not a theme) gives () and callers fall back to the
    Office theme.
    """
    # Imported here: defusedxml re-executes ElementTree in pure Python when first imported,
    # a fortieth of a second on every build, and only the openpyxl fallback comes here.
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(theme_xml)
    except (ParseError, DefusedXmlException, ValueError):
        return ()
    return palette_of(root)


def palette_of(theme: Element) -> tuple[str, ...]:
    """`theme_palette` of a theme part already parsed (by a caller that has vetted it)."""
    scheme = theme.find(f"{_DRAWINGML}themeElements/{_DRAWINGML}clrScheme")
    if scheme is None:
        return ()
    return tuple(
        _scheme_colour(scheme.find(f"{_DRAWINGML}{slot}")) or default
        for slot, default in zip(THEME_SLOTS, OFFICE_THEME, strict=True)
    )


def _scheme_colour(slot: Element | None) -> str | None:
    if slot is None:
        return None
    for child in slot:
        tag = child.tag.removeprefix(_DRAWINGML)
        if tag == "srgbClr":
            value = child.get("val", "")
        elif tag == "sysClr":
            # lastClr is what the system colour was when the file was saved: what Excel shows.
            value = child.get("lastClr") or _SYSTEM_COLOURS.get(child.get("val", ""), "")
        elif tag == "prstClr":
            value = _PRESET_COLOURS.get(child.get("val", ""), "")
        else:
            continue
        if _HEX6.match(value):
            return "#" + value.upper()
    return None


# --- tint: Excel's HLS arithmetic -------------------------------------------------------------
#
# Excel applies a tint in Windows' integer HLS space (HLSMAX 240, the shlwapi ColorRGBToHLS /
# ColorHLSToRGB arithmetic): tint < 0 darkens, L' = L * (1 + tint); tint > 0 lightens,
# L' = L * (1 - tint) + (240 - 240 * (1 - tint)). Float HLS (colorsys) is visibly off (it
# gives A9D18E for accent 6 lighter 40%, where Excel shows A9D08E). Checked against the 50
# tinted Office-theme colours Excel's picker shows: 37 exact, the rest within 2 per channel.

HLSMAX = 240
RGBMAX = 255
_UNDEFINED_HUE = HLSMAX * 2 // 3


def _rgb_to_hls(red: int, green: int, blue: int) -> tuple[int, int, int]:
    high, low = max(red, green, blue), min(red, green, blue)
    lum = ((high + low) * HLSMAX + RGBMAX) // (2 * RGBMAX)
    if high == low:
        return _UNDEFINED_HUE, lum, 0
    spread, total = high - low, high + low
    if lum <= HLSMAX // 2:
        sat = (spread * HLSMAX + total // 2) // total
    else:
        sat = (spread * HLSMAX + (2 * RGBMAX - total) // 2) // (2 * RGBMAX - total)
    r_delta = ((high - red) * (HLSMAX // 6) + spread // 2) // spread
    g_delta = ((high - green) * (HLSMAX // 6) + spread // 2) // spread
    b_delta = ((high - blue) * (HLSMAX // 6) + spread // 2) // spread
    if red == high:
        hue = b_delta - g_delta
    elif green == high:
        hue = HLSMAX // 3 + r_delta - b_delta
    else:
        hue = 2 * HLSMAX // 3 + g_delta - r_delta
    return hue % HLSMAX, lum, sat


def _hue_to_channel(low: int, high: int, hue: int) -> int:
    hue %= HLSMAX
    if hue < HLSMAX // 6:
        return low + ((high - low) * hue + HLSMAX // 12) // (HLSMAX // 6)
    if hue < HLSMAX // 2:
        return high
    if hue < HLSMAX * 2 // 3:
        return low + ((high - low) * (HLSMAX * 2 // 3 - hue) + HLSMAX // 12) // (HLSMAX // 6)
    return low


def _hls_to_rgb(hue: int, lum: int, sat: int) -> tuple[int, int, int]:
    if sat == 0:
        grey = (lum * RGBMAX + HLSMAX // 2) // HLSMAX
        return grey, grey, grey
    if lum <= HLSMAX // 2:
        high = (lum * (HLSMAX + sat) + HLSMAX // 2) // HLSMAX
    else:
        high = lum + sat - (lum * sat + HLSMAX // 2) // HLSMAX
    low = 2 * lum - high

    def scale(channel: int) -> int:
        return min(RGBMAX, max(0, (channel * RGBMAX + HLSMAX // 2) // HLSMAX))

    return (
        scale(_hue_to_channel(low, high, hue + HLSMAX // 3)),
        scale(_hue_to_channel(low, high, hue)),
        scale(_hue_to_channel(low, high, hue - HLSMAX // 3)),
    )


def apply_tint(hex_colour: str, tint: float) -> str:
    """Excel's tint (-1 darkest .. 1 lightest) applied to "#RRGGBB"; returns "#RRGGBB"."""
    red, green, blue = _channels(hex_colour)
    if not tint or not math.isfinite(tint):
        return f"#{red:02X}{green:02X}{blue:02X}"
    tint = max(-1.0, min(1.0, tint))
    hue, lum, sat = _rgb_to_hls(red, green, blue)
    # tint < 0 darkens towards black; tint > 0 lightens towards white by the same proportion.
    new_lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + (HLSMAX - HLSMAX * (1 - tint))
    red, green, blue = _hls_to_rgb(hue, min(HLSMAX, max(0, round(new_lum))), sat)
    return f"#{red:02X}{green:02X}{blue:02X}"


def resolve_colour(
    rgb: str | None = None,
    theme: int | None = None,
    tint: float = 0.0,
    indexed: int | None = None,
    palette: tuple[str, ...] = (),
    indexed_palette: tuple[str, ...] = INDEXED_COLOURS,
) -> str | None:
    """The "#RRGGBB" a reader sees for an Excel colour, or None when it names no colour.

    Give what the file holds: `rgb` as ARGB ("FFFF0000"; alpha is ignored, as Excel ignores
    it for fills, except that "00000000" is openpyxl's "no colour"), or a `theme` index into
    `palette` (from `theme_palette`; the Office theme when empty), or an `indexed` colour
    (64/65, the system colours, give None). `tint` applies to whichever it is. Values that are
    not of the right type (openpyxl returns an error message for the unset ones) are ignored.
    """
    base: str | None = None
    if isinstance(rgb, str) and _ARGB.match(rgb.strip()):
        value = rgb.strip().lstrip("#").upper()
        if value != "00000000":
            base = "#" + value[-6:]
    if base is None and isinstance(theme, int) and not isinstance(theme, bool):
        colours = palette or OFFICE_THEME
        base = colours[theme] if 0 <= theme < len(colours) else None
    if base is None and isinstance(indexed, int) and not isinstance(indexed, bool):
        base = indexed_palette[indexed] if 0 <= indexed < len(indexed_palette) else None
    if base is None:
        return None
    if isinstance(tint, int | float) and tint:
        return apply_tint(base, float(tint))
    return base


def _channels(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.strip().lstrip("#")
    if len(value) == 8:
        value = value[2:]
    if not _HEX6.match(value):
        raise ValueError(f"expected a colour as #RRGGBB, got {hex_colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- which RAG status a colour is ---------------------------------------------------------

# How far (CIEDE2000) a fill may be from the nearest known RAG colour and still count as that
# status. About 2 is a just-noticeable difference. Measured on the colours below: white,
# greys, black and the pale blues of header rows (D9E1F2, DDEBF7, DCE6F1) are 16 or more
# from every listed colour; listed colours of different statuses are at least 12.6 apart; a
# fill from a neighbouring palette (Office accents, their 40-60% tints, NHS colours) is within
# 6 of one of its own status. 10 sits in the gap: far enough to take a shade we have not
# listed, short of any neutral. Its cost: Office's palest (80%) tints of orange, yellow and
# green (FCE4D6, FFF2CC, E2EFDA, at 8.6-9.8) count as amber or green.
RAG_COLOUR_THRESHOLD = 10.0

# The fills trackers use for each status word (the words map to config's statuses by label,
# key or alias). Pale 80% tints and plain blues used for headers are left out on purpose.
TRACKER_FILLS: tuple[tuple[str, str], ...] = (
    # red
    ("#FF0000", "red"),  # Excel standard Red
    ("#C00000", "red"),  # Excel standard Dark Red
    ("#FFC7CE", "red"),  # the "Bad" cell style
    ("#DA291C", "red"),  # NHS Red
    ("#D5281B", "red"),  # NHS design system error red
    ("#F8696B", "red"),  # colour-scale red
    ("#FF7C80", "red"),
    ("#E6B8B7", "red"),  # Office 2007 accent 2 (red), lighter 60%
    ("#DA9694", "red"),  # Office 2007 accent 2 (red), lighter 40%
    ("#C0504D", "red"),  # Office 2007 accent 2 (red)
    # amber (trackers use orange and yellow alike for it)
    ("#FFC000", "amber"),  # Excel standard Orange / Office accent 4 (gold)
    ("#FFFF00", "amber"),  # Excel standard Yellow
    ("#FFEB9C", "amber"),  # the "Neutral" cell style
    ("#FFB81C", "amber"),  # NHS Warm Yellow
    ("#ED8B00", "amber"),  # NHS Orange
    ("#ED7D31", "amber"),  # Office accent 2 (orange)
    ("#F4B084", "amber"),  # Office accent 2, lighter 40%
    ("#F8CBAD", "amber"),  # Office accent 2, lighter 60%
    ("#FFD966", "amber"),  # Office accent 4, lighter 40%
    ("#FFE699", "amber"),  # Office accent 4, lighter 60%
    ("#F79646", "amber"),  # Office 2007 accent 6 (orange)
    ("#FABF8F", "amber"),  # Office 2007 accent 6, lighter 40%
    ("#FF9900", "amber"),  # legacy palette orange
    ("#FFCC00", "amber"),  # legacy palette gold
    ("#FFFF99", "amber"),  # legacy palette light yellow
    ("#FFEB84", "amber"),  # colour-scale yellow
    # green
    ("#00B050", "green"),  # Excel standard Green
    ("#92D050", "green"),  # Excel standard Light Green
    ("#00FF00", "green"),  # bright green (legacy palette)
    ("#C6EFCE", "green"),  # the "Good" cell style
    ("#007F3B", "green"),  # NHS Dark Green
    ("#009639", "green"),  # NHS Green
    ("#78BE20", "green"),  # NHS Light Green
    ("#70AD47", "green"),  # Office accent 6 (green)
    ("#A9D08E", "green"),  # Office accent 6, lighter 40%
    ("#C6E0B4", "green"),  # Office accent 6, lighter 60%
    ("#548235", "green"),  # Office accent 6, darker 25%
    ("#9BBB59", "green"),  # Office 2007 accent 3 (green)
    ("#C4D79B", "green"),  # Office 2007 accent 3, lighter 40%
    ("#008000", "green"),  # legacy palette green
    ("#63BE7B", "green"),  # colour-scale green
    # blue (BRAG: complete)
    ("#0070C0", "blue"),  # Excel standard Blue
    ("#00B0F0", "blue"),  # Excel standard Light Blue
    ("#005EB8", "blue"),  # NHS Blue
    ("#41B6E6", "blue"),  # NHS Light Blue
    ("#0000FF", "blue"),
    ("#5B9BD5", "blue"),  # Office accent 5 (blue)
    ("#8DB4E2", "blue"),  # Office 2007 text 2, lighter 40%
)


@dataclass(frozen=True)
class RagMatch:
    """The configured status nearest a colour: its key and label, or None for both when the
    nearest is farther than RAG_COLOUR_THRESHOLD; `distance` is CIEDE2000 to that nearest."""

    key: str | None
    distance: float
    label: str | None


def nearest_rag(hex_colour: str, statuses: Sequence[RagStatus]) -> RagMatch:
    """Which of `statuses` a fill colour shows, by the status colours and TRACKER_FILLS."""
    try:
        hex6 = _hex6(hex_colour)
    except ValueError:
        return RagMatch(None, math.inf, None)
    return _nearest(hex6, tuple(statuses))


@lru_cache(maxsize=4096)
def _nearest(hex6: str, statuses: tuple[RagStatus, ...]) -> RagMatch:
    # Cached: a workbook repeats a handful of fills over thousands of RAG cells.
    lab = _lab(hex6)
    best: tuple[float, RagStatus] | None = None
    for colour, status in _references(statuses):
        distance = ciede2000(lab, _lab(colour))
        if best is None or distance < best[0]:
            best = (distance, status)
    if best is None:
        return RagMatch(None, math.inf, None)
    distance, status = best
    if distance > RAG_COLOUR_THRESHOLD:
        return RagMatch(None, distance, None)
    return RagMatch(status.key, distance, status.label)


def _references(statuses: tuple[RagStatus, ...]) -> list[tuple[str, RagStatus]]:
    refs = [(_hex6(s.colour), s) for s in statuses]
    for colour, word in TRACKER_FILLS:
        status = next((s for s in statuses if word in _words(s)), None)
        if status is not None:
            refs.append((_hex6(colour), status))
    return refs


def _words(status: RagStatus) -> set[str]:
    return {w.strip().lower() for w in (status.key, status.label, *status.aliases)}


def _hex6(hex_colour: str) -> str:
    red, green, blue = _channels(hex_colour)
    return f"{red:02X}{green:02X}{blue:02X}"


# --- CIE Lab and CIEDE2000 ----------------------------------------------------------------

_D65 = (0.95047, 1.0, 1.08883)


@lru_cache(maxsize=4096)
def _lab(hex6: str) -> tuple[float, float, float]:
    """sRGB "RRGGBB" -> CIE L*a*b* (D65)."""
    linear = []
    for i in (0, 2, 4):
        c = int(hex6[i:i + 2], 16) / 255
        linear.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = linear
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / _D65[0]
    y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / _D65[1]
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / _D65[2]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(
    lab1: tuple[float, float, float], lab2: tuple[float, float, float]
) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation, kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0

    dl = l2 - l1
    dc = c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    elif h2p - h1p > 180:
        dh = h2p - h1p - 360
    else:
        dh = h2p - h1p + 360
    d_hue = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))

    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_bar = (h1p + h2p + 360) / 2
    else:
        hp_bar = (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hp_bar - 30))
        + 0.24 * math.cos(math.radians(2 * hp_bar))
        + 0.32 * math.cos(math.radians(3 * hp_bar + 6))
        - 0.20 * math.cos(math.radians(4 * hp_bar - 63))
    )
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_hue / s_h) ** 2
        + r_t * (dc / s_c) * (d_hue / s_h)
    )
