"""The board pack as a .pptx: cover, plan on a page, RAG chart, progress tables, appendices."""

from __future__ import annotations

from pathlib import Path

from planreports.model import PackView
from planreports.render.deck_slides import (
    cover,
    data_quality,
    exceptions,
    plan_on_a_page,
    progress_updates,
    rag_key,
    rag_summary,
)
from planreports.render.deck_text import clean, on_colour
from planreports.render.deck_trend import rag_over_time
from planreports.render.deck_writer import DeckWriter

# clean and on_colour lived here before deck_text.py; they stay importable from here.
__all__ = ["clean", "on_colour", "render_deck"]


def render_deck(
    view: PackView, template: Path, target: Path, template_dir: Path | None = None
) -> None:
    """Write the pack's board deck to `target`, built on the trust's deck `template`.

    Slides: cover, plan on a page, RAG summary (chart and narrative), RAG over time (when
    earlier periods are on record), progress updates by priority, exceptions, data quality,
    RAG key. A pack with no items gets one slide saying so in place of the summary and
    progress, and exceptions only when last period's items are no longer reported.
    """
    deck = DeckWriter(view, Path(template), template_dir)
    cover(deck)
    plan_on_a_page(deck)
    if view.items:
        rag_summary(deck)
        if view.history:
            rag_over_time(deck)
        progress_updates(deck)
        exceptions(deck)
    else:
        slide = deck.slide("Progress updates")
        deck.text_slides("", [f"No items were reported for {view.title} in "
                              f"{deck.config.report.period}.",
                              "See the data-quality appendix for trackers that were read, "
                              "skipped or could not be matched."], first=slide)
        if view.no_longer_reported:
            exceptions(deck)
    data_quality(deck)
    rag_key(deck)
    deck.save(Path(target))
