"""The deck's RAG-over-time slide: counts of earlier periods and this one as a native chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Pt

from planreports.model import PackView
from planreports.render.deck_text import (
    GREY,
    TEXT_INSETS,
    Style,
    fit_text_size,
    style_rag_chart,
    write_text,
)
from planreports.render.deck_writer import DeckWriter
from planreports.template_check import Box

# The current period and up to seven before it, as the workbook's dashboard shows them.
PERIODS_SHOWN = 8
CAPTION_HEIGHT = 30.0  # points: one line of caption above the chart

Counts = Mapping[str | None, int]


def periods_shown(view: PackView) -> list[tuple[str, Counts]]:
    """(period, rag key -> items) for the earlier periods, oldest first, then this one."""
    config = view.config
    as_of = config.report.as_of  # type: ignore[attr-defined]
    earlier = sorted((p for p in view.history if p.as_of < as_of), key=lambda p: p.as_of)
    current: dict[str | None, int] = {}
    for item in view.items:
        current[item.rag] = current.get(item.rag, 0) + 1
    shown = [(p.period, dict(p.counts)) for p in earlier[-(PERIODS_SHOWN - 1):]]
    return [*shown, (config.report.period, current)]  # type: ignore[attr-defined]


def rag_series(config, periods: Sequence[tuple[str, Counts]]) -> list[tuple[str, str | None,
                                                                            str]]:
    """(label, key, colour) of each status any period counts, worst first; No RAG last."""
    series = [(s.label, s.key, s.colour.lstrip("#")) for s in config.rag]
    series.append(("No RAG", None, GREY))
    return [s for s in series if any(counts.get(s[1]) for _, counts in periods)]


def movement(config, periods: Sequence[tuple[str, Counts]]) -> str:
    """'Since FY18 Q1: Red 1 → 2, Amber 2 → 2, ...': each status then and now, in one line."""
    (before_name, before), (_, now) = periods[-2], periods[-1]
    moves = [f"{label} {before.get(key, 0)} → {now.get(key, 0)}"
             for label, key, _ in rag_series(config, periods[-2:])]
    return f"Since {before_name}: {', '.join(moves) or 'no items in either period'}."


def described(periods: Sequence[tuple[str, Counts]],
              series: Sequence[tuple[str, str | None, str]]) -> str:
    """The chart's numbers in words for a screen reader, period by period."""
    parts = []
    for n, (period, counts) in enumerate(periods, start=1):
        words = ", ".join(f"{counts.get(key, 0)} {label}" for label, key, _ in series)
        now = " (this period)" if n == len(periods) else ""
        parts.append(f"{period}{now}: {words or 'no items'}")
    return ("Stacked column chart of RAG status counts by period, oldest first. "
            + "; ".join(parts) + ".")


def rag_over_time(deck: DeckWriter) -> None:
    """Items by RAG status for each earlier period and this one, with the latest movement."""
    config = deck.config
    periods = periods_shown(deck.view)
    if len(periods) < 2:  # nothing on record before this period
        return
    series = rag_series(config, periods)
    slide = deck.slide("RAG over time", legend=True)
    body = deck.regions.body

    caption = movement(config, periods)
    box = Box(body.left, body.top, body.width, CAPTION_HEIGHT)
    size = fit_text_size(caption, box, (16.0, 14.0, 12.0, 11.0, 10.0), bold=True) or 10.0
    shape = slide.shapes.add_textbox(Pt(box.left), Pt(box.top), Pt(box.width), Pt(box.height))
    shape.name = "Movement"
    frame = shape.text_frame
    frame.auto_size = MSO_AUTO_SIZE.NONE
    for side in ("left", "right", "top", "bottom"):
        setattr(frame, f"margin_{side}", Pt(getattr(TEXT_INSETS, side)))
    write_text(frame, caption, size, Style(bold=True))

    data = CategoryChartData()
    data.categories = [period for period, _ in periods]
    for label, key, _ in series:
        # None, not 0: an empty segment would otherwise print a stray "0" label.
        data.add_series(label, [counts.get(key) or None for _, counts in periods])
    top = body.top + CAPTION_HEIGHT + 6
    frame_shape = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_STACKED, Pt(body.left), Pt(top), Pt(body.width),
        Pt(body.top + body.height - top), data,
    )
    chart = frame_shape.chart
    style_rag_chart(chart, [colour for _, _, colour in series])
    chart.value_axis.minimum_scale = 0
    frame_shape.name = "RAG over time chart"
    frame_shape._element.nvGraphicFramePr.cNvPr.set("descr", described(periods, series))
