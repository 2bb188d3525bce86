"""What is being done about an exception: the tracker's own words, shortened to a line or two.

The tracker's mitigation or recovery column where it has one (trusts head it "Mitigating
actions", "Recovery plan", "Actions", "Next steps"), else the update's first sentence; the
whole update is on the progress slide, in its notes and in the workbook's Register.
"""

from __future__ import annotations

import re

from planreports.model import Item

ACTION_CHARS = 240
ACTION_HEADER = re.compile(r"mitigat|recovery|remedial|corrective|\bactions?\b|next steps?",
                           re.IGNORECASE)
# A sentence ends at . ! or ? before a capital, a digit, a bracket or a quote; or at a line.
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9£(\"'])|\n+")


def action(item: Item) -> str:
    """The tracker's mitigation or recovery text, else the update's first sentence."""
    for header, value in item.extras:
        if value.strip() and ACTION_HEADER.search(header):
            return _shortened(value.strip())
    text = item.update.strip()
    first = _SENTENCE.split(text, maxsplit=1)[0] if text else ""
    return _shortened(first) if first else "No update given"


def _shortened(text: str) -> str:
    if len(text) <= ACTION_CHARS:
        return text
    return text[:ACTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"
