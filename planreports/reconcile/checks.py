"""Per-value checks on tracker text: RAG words and colours, leads, formulas."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planreports.config import RagStatus

NO_LEAD = frozenset({"", "?", "??", "tbc", "tba", "tbd", "n/a", "na", "none", "unknown", "-"})
SLIPPAGE = re.compile(
    r"\b(delay(?:ed|s)?|slipp(?:ed|age)|slip|behind|at risk|not yet|overdue|off track|"
    r"postponed|deferred)\b",
    re.IGNORECASE,
)
# OWASP formula injection: what a spreadsheet would run. A bullet "- Listening to ..." is text.
FORMULA = re.compile(r"^(?:[=@]|[+\-]\s*(?:\d|\$?[A-Za-z]{1,3}\$?\d+|[A-Za-z_][\w.]*\s*\())")


@dataclass(frozen=True, slots=True)
class RagWord:
    key: str | None
    known: bool  # False: text present but no status has it as key, label or alias


def rag_lookup(statuses: Sequence[RagStatus]) -> dict[str, str]:
    """Lower-cased key, label and aliases -> status key."""
    table: dict[str, str] = {}
    for status in statuses:
        for word in (status.key, status.label, *status.aliases):
            table.setdefault(word.strip().lower(), status.key)
    return table


def rag_from_text(text: str, table: dict[str, str]) -> RagWord:
    """'Yellow' -> A (alias); 'Amber ' -> A; 'Purple' -> unknown; '' -> none given."""
    value = " ".join(text.strip().lower().split()).rstrip(".")
    if not value:
        return RagWord(None, True)
    if value in table:
        return RagWord(table[value], True)
    return RagWord(None, False)


def is_missing_lead(text: str) -> bool:
    return text.strip().lower().strip(".") in NO_LEAD


def says_slipping(text: str) -> str | None:
    """The word in an update that says it is slipping, if any."""
    found = SLIPPAGE.search(text)
    return found.group(0) if found else None


def looks_like_formula(text: str) -> bool:
    return bool(FORMULA.match(text)) or text[:1] in {"\t", "\r", "\n"}
