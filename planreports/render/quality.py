"""Findings as the PMO reads them: one line per code and kind, and which could move a figure.

"RAG Key sheet skipped" five times is one thing to know, not five; the deck's data-quality
appendix (PMO packs) and the summary's one line on data quality read findings through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planreports.findings import where
from planreports.model import SEVERITY_ORDER, Finding

# Findings that can change a count the pack shows: an item missing, placed by a guess, counted
# twice, or its RAG not the tracker's. The others (an overdue milestone, a skipped key sheet,
# a RAG at odds with its words) are news or housekeeping, and every figure stands.
CHANGES_A_FIGURE = frozenset({
    "unreadable-file", "encrypted-file", "unknown-priority", "unmatched-workstream",
    "weak-match", "ambiguous-match", "missing-return", "invalid-rag", "missing-rag",
    "conflicting-rag", "duplicate-item", "rag-colour-mismatch", "unrecognised-colour",
    "row-unaccounted",
})


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """Findings of one code that say the same thing, in different trackers or cells."""

    code: str
    severity: str
    what: str  # the message without the place it names (that is `where`)
    findings: tuple[Finding, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.file for f in self.findings if f.file))

    @property
    def where(self) -> str:
        """'Workforce.xlsx · Progress · C7' for one; the trackers, one each, for several."""
        if len(self.findings) == 1:
            f = self.findings[0]
            return " · ".join(p for p in (f.file, f.sheet, f.cell) if p) or "the whole run"
        files = self.files
        return "; ".join(files) if files else "the whole run"


def _kind(f: Finding) -> tuple[str, str | None, str]:
    """(code, sheet, what it says) with the place taken off the front of the message."""
    place = where(f.file, f.sheet, f.cell) if f.file else ""
    if place and f.message.startswith(place + ": "):
        # A sheet-level finding names its sheet only in the place: keep it in the kind.
        return f.code, f.sheet if f.cell is None else None, f.message[len(place) + 2:]
    return f.code, None, f.message


def group_findings(findings: Sequence[Finding]) -> list[FindingGroup]:
    """Findings grouped by code and kind, worst first, then the most frequent."""
    groups: dict[tuple[str, str | None, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault(_kind(f), []).append(f)
    out = []
    for (code, sheet, said), members in groups.items():
        said = said[:1].upper() + said[1:]
        head = f"Sheet '{sheet}': {said[:1].lower() + said[1:]}" if sheet else said
        if len(members) == 1:
            what = head  # the place is in `where`
        else:
            trackers = len({f.file for f in members if f.file})
            times = "" if len(members) == trackers else f"{len(members)} times "
            what = f"{head} ({times}in {trackers} tracker{'s' if trackers != 1 else ''})"
        out.append(FindingGroup(code, members[0].severity, what, tuple(members)))
    out.sort(key=lambda g: (SEVERITY_ORDER.get(g.severity, 9), -len(g.findings), g.code))
    return out


def changing_figures(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.code in CHANGES_A_FIGURE]
