"""The board pack as a .pptx: cover, summary, plan, progress and exceptions.

What a board would table: the key messages and the RAG picture first, then the plan, every
item's update in the seed's form, and one concise table of exceptions. The data-quality
appendix goes only into a pack that carries it (the PMO's, by default); the RAG key is a
legend in the footer of each slide that uses colour.

Above `deck.max_rows` items the deck is in summary mode (see deck_summary): no progress
slides, a slide saying the full register is in the workbook, the exceptions worst first on
two slides and a bounded appendix, so a region's 30,000 rows are tens of slides.
"""

from __future__ import annotations

from pathlib import Path

from planreports.model import PackView
from planreports.render.deck_exceptions import TABLED_SLIDES, exceptions
from planreports.render.deck_matrix import organisation_slide
from planreports.render.deck_progress import progress_updates
from planreports.render.deck_quality import data_quality
from planreports.render.deck_slides import cover, plan_on_a_page, register_note, summary_slide
from planreports.render.deck_text import clean, on_colour
from planreports.render.deck_trend import rag_over_time
from planreports.render.deck_writer import DeckWriter

# clean and on_colour lived here before deck_text.py; they stay importable from here.
__all__ = ["clean", "on_colour", "render_deck"]


def render_deck(
    view: PackView, template: Path, target: Path, template_dir: Path | None = None
) -> None:
    """Write the pack's board deck to `target`, built on the trust's deck `template`.

    Slides: cover, summary (key messages beside the RAG chart by priority), for a system's
    roll-up where each organisation stands (priority x organisation), plan on a page,
    RAG over time (when earlier periods are on record), progress updates, exceptions, and the
    data-quality appendix when the pack carries it. A pack with no items gets one slide saying
    so in place of progress, and exceptions only when last period's items are no longer
    reported. In summary mode the register note takes the place of progress updates.
    """
    deck = DeckWriter(view, Path(template), template_dir)
    cover(deck)
    summary_slide(deck)
    organisation_slide(deck)  # a system's roll-up only
    plan_on_a_page(deck, slides=TABLED_SLIDES + 1 if deck.summary_mode else None)
    if view.items:
        if view.history:
            rag_over_time(deck)
        if deck.summary_mode:
            register_note(deck)
        else:
            progress_updates(deck)
        exceptions(deck)
    else:
        slide = deck.slide("Progress updates")
        deck.text_slides("", [f"No items were reported for {view.title} in "
                              f"{deck.config.report.period}.",
                              "The workbook's Data quality and Sources sheets list the trackers "
                              "that were read, skipped or could not be matched."], first=slide)
        if view.no_longer_reported:
            exceptions(deck)
    if deck.pack.carries_data_quality:
        data_quality(deck)
    deck.save(Path(target))
