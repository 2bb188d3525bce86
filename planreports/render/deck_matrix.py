"""The deck's priority x organisation slide: where each member of a system stands.

A table, not a picture, so that a screen reader reads it and PowerPoint can restyle it: one
row per organisation, one column per priority, each cell its items by RAG ("3R 2A 5G") on a
shade of its risk score (see org_matrix). The system's totals are the summary slide's chart.
"""

from __future__ import annotations

from planreports.render.deck_slides import priority_name
from planreports.render.deck_tables import Table
from planreports.render.deck_text import Style
from planreports.render.deck_writer import DeckWriter
from planreports.render.org_matrix import (
    MatrixRow,
    cell_text,
    counts_text,
    organisation_matrix,
    risk_score,
)
from planreports.render.org_matrix import shade as heat

TITLE = "Where each organisation stands"
NAME_SHARE = 0.24
TOTAL_SHARE = 0.12


def organisation_slide(deck: DeckWriter) -> None:
    """The matrix over as many slides as the organisations need; nothing for one trust."""
    matrix = organisation_matrix(deck.view)
    if matrix is None:
        return
    config = deck.config
    rag = config.rag
    share = (1 - NAME_SHARE - TOTAL_SHARE) / max(len(matrix.priorities), 1)
    header = ("Organisation",
              *(priority_name(config, pid, short=True) for pid in matrix.priorities),
              "All priorities")
    table = Table(header, (NAME_SHARE, *(share,) * len(matrix.priorities), TOTAL_SHARE))

    def add(line: MatrixRow, bold: bool) -> None:
        cells = (*line.cells, line.total)
        styles = [Style(bold=True)]
        styles += [Style(fill=heat(risk_score(c, rag), rag).lstrip("#"), bold=bold)
                   for c in cells]
        described = "; ".join(
            f"{h}: {counts_text(c, rag)}" for h, c in zip(header[1:], cells, strict=True))
        table.add((line.name, *(cell_text(line, c, rag) for c in cells)), styles,
                  note=f"{line.name}: {described}")

    for line in matrix.rows:
        add(line, False)
    # The system's own totals by priority are the summary slide's chart: a total row here
    # would say them again, and at a region's counts it spilled onto a slide of its own.
    key = ", ".join(f"{s.key} = {s.label}" for s in rag)
    deck.table_slides(
        TITLE, table, legend=True,
        notes_title=(f"Items by organisation and priority, counted by RAG ({key}); each cell "
                     "is shaded by its risk score, from the best open status (0) to the "
                     "worst (100). The totals by priority are the summary slide's chart; the "
                     "workbook's Organisations sheet has them, and the scores."),
    )
