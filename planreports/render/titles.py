"""How an item is named in a pack: its tracker's own wording, and the workstream it counts under.

Trackers name projects their own way ("Biomedical Research Centre (BRC)"); reconciliation
places each under a configured workstream ("Research partnerships (BRC, CLAHRC, ...)"). A
board reads the tracker's title, with the configured one beside it where the two differ in
more than wording ("Cost Improvement Programme" is the plan's "Deliver the Cost Improvement
Programme"; "Biomedical Research Centre (BRC)" is not "Research partnerships").
"""

from __future__ import annotations

from planreports.model import Item
from planreports.reconcile.match import normalise_title


def own_title(item: Item) -> str:
    """The project as its tracker names it; the configured workstream when it gave none."""
    return item.project or item.workstream


def counts_under(item: Item) -> str:
    """The configured workstream, when it differs from the tracker's title; else ""."""
    own = own_title(item)
    if not item.workstream_matched or own == item.workstream:
        return ""
    return "" if normalise_title(own) == normalise_title(item.workstream) else item.workstream


def full_title(item: Item, separator: str = ": ") -> str:
    """The tracker's title and its sub-item on one line, e.g. for a sentence of the summary."""
    return separator.join(t for t in (own_title(item), item.item) if t)
