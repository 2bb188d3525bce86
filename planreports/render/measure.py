"""Wrapped-text size from real font metrics: the shipped Liberation Sans, sized like Arial."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "fonts"
# LibreOffice draws a "single" line of Arial (Liberation Sans) 1.112-1.125 em high, measured
# on its PDFs at 10-14 pt (tests/test_measure_lo.py); 1.15 stays above that with room for
# PowerPoint, whose line is a little taller, without padding a slide of rows by a line or two.
LINE_SPACING = 1.15
# PowerPoint and LibreOffice both treat a vertical tab as a line break inside a paragraph.
_BREAKS = re.compile(r"\r\n|\r|\n|\v")


@dataclass(frozen=True, slots=True)
class FontMetrics:
    """Advance widths of one face, in em, by code point."""

    widths: dict[int, float]
    missing: float  # a glyph the face lacks is drawn from a fallback font; assume it is wide
    space: float


@lru_cache(maxsize=2)
def font_metrics(bold: bool = False) -> FontMetrics:
    """Load the shipped face once: cmap -> hmtx advance, divided by units per em."""
    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    font = TTFont(FONTS / name, lazy=True)
    per_em = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    widths = {code: hmtx[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    font.close()
    return FontMetrics(widths=widths, missing=1.0, space=widths.get(0x20, 0.278))


@lru_cache(maxsize=65536)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` on one line (no kerning: that only ever narrows it)."""
    metrics = font_metrics(bold)
    get = metrics.widths.get
    return sum(get(ord(ch), metrics.missing) for ch in text) * size


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """Split a word wider than the line at character boundaries, as a table cell does."""
    pieces: list[str] = []
    current = ""
    for ch in word:
        if current and text_width(current + ch, size, bold) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


@lru_cache(maxsize=8192)
def wrap_lines(text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
    """Greedy word wrap of `text` into lines no wider than `width` points.

    Explicit line breaks are kept; breaks happen only at spaces (a renderer that also breaks
    after hyphens can only need fewer lines); a word longer than a line is broken by character.
    An empty paragraph is still a line, as it is in a text frame.
    """
    lines: list[str] = []
    space = font_metrics(bold).space * size
    for paragraph in _BREAKS.split(text):
        # Only a plain space breaks: a no-break space (U+00A0) keeps "▼ deteriorated" together.
        words = [word for word in paragraph.replace("\t", " ").split(" ") if word]
        if not words:
            lines.append("")
            continue
        line, line_width = "", 0.0
        for word in words:
            word_width = text_width(word, size, bold)
            if line and line_width + space + word_width <= width:
                line, line_width = f"{line} {word}", line_width + space + word_width
                continue
            if line:
                lines.append(line)
            if word_width <= width:
                line, line_width = word, word_width
                continue
            *full, line = _break_word(word, width, size, bold)
            lines.extend(full)
            line_width = text_width(line, size, bold)
        lines.append(line)
    return tuple(lines)


def line_count(text: str, width: float, size: float, bold: bool = False) -> int:
    """How many lines `text` takes when wrapped to `width` points."""
    return len(wrap_lines(text, width, size, bold))


def text_height(
    text: str,
    width: float,
    size: float,
    bold: bool = False,
    spacing: float = LINE_SPACING,
    blank: float | None = None,
) -> float:
    """Height in points of `text` wrapped to `width` points at `size` pt (no cell margins).

    `blank`: the size an empty paragraph is drawn at (its end-of-paragraph mark's size), when
    that is not `size`: the deck draws a tracker's blank line between paragraphs as a small gap.
    """
    lines = wrap_lines(text, width, size, bold)
    if blank is None:
        return len(lines) * size * spacing
    empty = sum(1 for line in lines if not line)
    return ((len(lines) - empty) * size + empty * blank) * spacing


def fit_size(
    text: str,
    width: float,
    height: float,
    sizes: tuple[float, ...] | list[float],
    bold: bool = False,
    gap: float = 0.0,
) -> float | None:
    """The first of `sizes` at which `text` fits `width` x `height` points, else None.

    `gap` is the space after each paragraph; insets are the caller's to subtract.
    """
    gaps = gap * len(_BREAKS.findall(text))
    for size in sizes:
        if text_height(text, width, size, bold) + gaps <= height:
            return size
    return None


def widen_columns(
    columns: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float,
    bold_columns: frozenset[int] = frozenset(),
    margins=None,  # noqa: ANN001 - paginate.CellMargins; PowerPoint's defaults when None
    cap: float = 0.35,
) -> list[float]:
    """`widths`, widened where a column's longest word would not fit on one line.

    A narrow (4:3) template would otherwise wrap "deteriorated" as "deteriorat / ed". The room
    comes from the columns with most to spare, so the total stays the same; no column claims
    more than `cap` of the total (a pasted link may still break), and when there is not
    enough to spare the widths are returned unchanged.
    """
    total = sum(widths)
    pad = (margins.left + margins.right if margins is not None else 14.4) + 1.0
    need = []
    for c, texts in enumerate(columns):
        # Words break only at spaces and line breaks (a no-break space joins, as in measure).
        words = [w for t in texts for w in re.split(r"[ \n]", t) if w]
        longest = max((text_width(w, size, c in bold_columns) for w in words), default=0.0)
        need.append(min(longest + pad, total * cap))
    deficit = sum(max(n - w, 0.0) for n, w in zip(need, widths, strict=True))
    spare = [max(w - n, 0.0) for n, w in zip(need, widths, strict=True)]
    if not deficit or deficit > sum(spare):
        return list(widths)
    share = deficit / sum(spare)
    return [n if n >= w else w - s * share for n, w, s in zip(need, widths, spare, strict=True)]
