"""The deck's data-quality appendix, for the PMO's own pack: findings grouped by kind.

Board and committee packs leave it out (their summary says how many findings there are and
whether any changes a figure; the workbook lists every one). In summary mode the appendix
lists the most pressing kinds (worst, then most frequent) on the tabled slides, counts the
rest and points at the workbook's Data quality sheet, which has every finding and its cell.
"""

from __future__ import annotations

from planreports.findings import CATALOGUE
from planreports.model import SEVERITY_ORDER
from planreports.render.deck_exceptions import TABLED_SLIDES
from planreports.render.deck_summary import QUALITY_KINDS, leading, more, shortened
from planreports.render.deck_tables import Table
from planreports.render.deck_writer import DeckWriter
from planreports.render.quality import FindingGroup, changing_figures, group_findings

EXAMPLE_CHARS = 160  # of a code's commonest message, in summary mode
NOTED_PLACES = 50  # source cells a summary-mode row's notes name before counting the rest


def data_quality(deck: DeckWriter) -> None:
    """One row per kind of finding: how many, what it says, and the trackers or cell."""
    findings = deck.view.findings
    if not findings:
        slide = deck.slide("Data quality")
        deck.text_slides("", ["No data-quality findings: every tracker row was read and "
                              "matched to the plan."], first=slide)
        return
    changing = len(changing_figures(findings))
    table = Table(("Finding", "Severity", "Count", "What it says", "Where"),
                  (0.15, 0.09, 0.07, 0.44, 0.25))
    # In summary mode a row is a code (thousands of kinds are no board paper), else a kind.
    every_kind = by_code(group_findings(findings)) if deck.summary_mode else group_findings(
        findings)
    groups, left_out = leading(every_kind, QUALITY_KINDS if deck.summary_mode else len(every_kind))
    for group in groups:
        table.add((group.code, group.severity.capitalize(), f"{len(group.findings):,}",
                   group.what, _where(group, deck.summary_mode)), note=_places(group, deck))
    title = (f"Data quality: {len(findings):,} findings, "
             + (f"{changing:,} could change a figure" if changing else "none changes a figure"))
    if deck.summary_mode:
        def closing(kinds: int) -> tuple[str, ...]:  # the last `kinds` kinds are left out
            rest = sum(len(g.findings) for g in every_kind[len(every_kind) - kinds:])
            return ("", "", f"{rest:,}", more(kinds, "code") + " of finding",
                    f"Every finding, with its cell: the Data quality sheet of "
                    f"{deck.workbook_name}")

        table = deck.within(table, TABLED_SLIDES, closing, left_out)
    deck.table_slides(title, table, notes_title="Each finding of the rows on this slide:")


def by_code(kinds: list[FindingGroup]) -> list[FindingGroup]:
    """One group per code (kinds are worst first, most frequent first; so are codes): what
    the code means, how many messages it has, and its commonest one, shortened."""
    codes: dict[str, list[FindingGroup]] = {}
    for kind in kinds:
        codes.setdefault(kind.code, []).append(kind)
    out = []
    for code, members in codes.items():
        meaning = CATALOGUE[code].when if code in CATALOGUE else ""
        said = shortened(members[0].what, EXAMPLE_CHARS)
        what = (f"{meaning[:1].upper()}{meaning[1:]}. " if meaning else "") + (
            f"{len(members):,} different messages; the commonest: {said}"
            if len(members) > 1 else said)
        findings = tuple(f for kind in members for f in kind.findings)
        out.append(FindingGroup(code, members[0].severity, what, findings))
    return sorted(out, key=lambda g: (SEVERITY_ORDER.get(g.severity, 9), -len(g.findings)))


def _where(group: FindingGroup, summary_mode: bool) -> str:
    """The trackers (in summary mode, how many once there are more than three)."""
    files = group.files
    if summary_mode and len(files) > 3:
        return f"{len(files):,} trackers"
    return group.where


def _places(group: FindingGroup, deck: DeckWriter) -> str:
    places = [" · ".join(p for p in (f.file, f.sheet, f.cell) if p) or "the whole run"
              for f in group.findings]
    if deck.summary_mode:
        places, left = leading(places, NOTED_PLACES)
        if left:
            places.append(f"and {left:,} more: see {deck.workbook_name}, Data quality sheet")
    return f"{group.code}: " + "; ".join(places)
