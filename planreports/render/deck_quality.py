"""The deck's data-quality appendix, for the PMO's own pack: findings grouped by kind.

Board and committee packs leave it out (their summary says how many findings there are and
whether any changes a figure; the workbook lists every one).
"""

from __future__ import annotations

from planreports.render.deck_tables import Table
from planreports.render.deck_writer import DeckWriter
from planreports.render.quality import changing_figures, group_findings


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
    for group in group_findings(findings):
        table.add((group.code, group.severity.capitalize(), str(len(group.findings)),
                   group.what, group.where),
                  note=f"{group.code}: " + "; ".join(
                      " · ".join(p for p in (f.file, f.sheet, f.cell) if p) or "the whole run"
                      for f in group.findings))
    title = (f"Data quality: {len(findings)} findings, "
             + (f"{changing} could change a figure" if changing else "none changes a figure"))
    deck.table_slides(title, table, notes_title="Each finding of the rows on this slide:")
