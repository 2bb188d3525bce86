"""Per-value checks on tracker text: RAG words and colours, leads, formulas, NHS numbers."""

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
NHS_NUMBER = re.compile(r"(?<![\d])(\d{3})[ \-]?(\d{3})[ \-]?(\d{4})(?![\d])")


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


def nhs_number_valid(digits: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 means 0, 10 means invalid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def contains_nhs_number(text: str) -> bool:
    """True when the text holds a 10-digit number with a valid NHS check digit."""
    return any(nhs_number_valid("".join(m.groups())) for m in NHS_NUMBER.finditer(text))
