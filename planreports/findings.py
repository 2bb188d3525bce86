"""The catalogue of finding codes: one place declares each code, its severity and its meaning.

Codes never change meaning. A Finding is built from the catalogue and the place it concerns
(`finding(code, message, source=...)`), so its severity and location cannot be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from planreports.model import Finding, Row, Severity, Source


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    when: str


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in (
        Code("unreadable-file", "error", "corrupt, truncated, not a spreadsheet"),
        Code("encrypted-file", "error", "password-protected (unless a password is configured)"),
        Code("sheet-skipped", "info", "no tracker header, or hidden"),
        Code("unknown-priority", "error", "the row's priority matches no configured priority"),
        Code(
            "unmatched-workstream",
            "warning",
            "a project that is not a configured workstream of its priority",
        ),
        Code("weak-match", "warning", "a project matched a workstream only loosely; check it"),
        Code("ambiguous-match", "warning", "a project matches two configured workstreams equally"),
        Code("missing-return", "warning", "a configured workstream that no tracker reports on "
             "(with organisations: that no tracker of that organisation reports on)"),
        Code("missing-organisation", "warning",
             "a configured organisation from which no tracker reports any item"),
        Code("unknown-organisation", "warning",
             "a tracker's Organisation/Trust/Provider column names no configured organisation"),
        Code("unassigned-tracker", "warning",
             "a tracker that no organisation's folder, pattern or column claims"),
        Code("organisation-mismatch", "info",
             "a tracker in one organisation's folder whose column names another (the column "
             "is used)"),
        Code("invalid-rag", "error", "a RAG value that is neither a key, label nor alias"),
        Code("missing-rag", "warning", "no RAG text and no RAG fill"),
        Code("missing-update", "warning", "empty progress update"),
        Code("missing-lead", "warning", 'no lead, or "?", "TBC"'),
        Code("overdue", "warning", "due date before as_of and the RAG is not a complete status"),
        Code(
            "unparsed-date",
            "warning",
            "milestone text that is not a date and not a known no-date word",
        ),
        Code(
            "conflicting-rag",
            "warning",
            "the same workstream reported with different RAGs in different files",
        ),
        Code("duplicate-item", "warning", "the same row reported twice (it counts once)"),
        Code("stale-update", "warning", "update text identical to the previous period's"),
        Code("rag-deteriorated", "info", "RAG moved worse since the previous period"),
        Code("rag-improved", "info", "RAG moved better since the previous period"),
        Code(
            "rag-text-mismatch",
            "info",
            'e.g. Green while the update says "delayed" or "slipped"',
        ),
        Code(
            "rag-colour-mismatch",
            "warning",
            "the RAG text says one status and the cell's fill another",
        ),
        Code(
            "formula-text",
            "info",
            "tracker text that a spreadsheet would run as a formula; written as text",
        ),
        Code(
            "unrecognised-colour",
            "warning",
            "a RAG cell's fill is no configured RAG colour nor near one",
        ),
        Code(
            "patient-identifier",
            "error",
            'an NHS number (valid check digit, or written after "NHS no"), a labelled '
            "hospital/MRN number, or a configured `privacy.identifiers` shape: masked in every "
            "output (`943 *** ****`), and such a pack is not emailed",
        ),
        Code("text-truncated", "warning", "cell text over Excel's 32,767-character limit"),
        Code(
            "stray-cells",
            "warning",
            "a value far outside a sheet's table, left out so that the table can be read",
        ),
        Code(
            "row-unaccounted",
            "error",
            "a row neither kept as an item nor named by a finding (a fault in planreports)",
        ),
    )
}


def finding(
    code: str,
    message: str,
    *,
    source: Source | None = None,
    file: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    priority: str | None = None,
    workstream: str | None = None,
    organisation: str | None = None,
) -> Finding:
    """A Finding with the catalogue's severity; location from `source` unless given."""
    entry = CATALOGUE[code]  # KeyError here is a programming error: codes are a closed set
    if source is not None:
        file, sheet, cell = file or source.file, sheet or source.sheet, cell or source.cell
    return Finding(
        code=code,
        severity=entry.severity,
        message=message,
        file=file,
        sheet=sheet,
        cell=cell,
        priority=priority,
        workstream=workstream,
        organisation=organisation,
    )


def from_row(
    code: str,
    row: Row,
    message: str,
    *,
    field: str | None = None,
    priority: str | None = None,
    workstream: str | None = None,
) -> Finding:
    """A Finding about one tracker row, located at the cell of `field` (or the row)."""
    cell = row.cell_of(field) if field else row.source.cell
    return finding(
        code,
        message,
        file=row.source.file,
        sheet=row.source.sheet,
        cell=cell,
        priority=priority,
        workstream=workstream,
    )


def where(file: str | None, sheet: str | None = None, cell: str | None = None) -> str:
    """"Finance.xlsx, sheet 'P5', cell D7": how a message names a place."""
    parts = [file or "(no file)"]
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if cell:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


def local_message(f: Finding) -> str:
    """The message without the place its own file, sheet and cell fields already give.

    Messages name their place so that they read whole in run.json or an email; printed beside
    the file, sheet and cell, that place is said twice. A message naming another cell than
    the finding's keeps it ("cell B7: ...").
    """
    message = f.message
    if not f.file:
        return message
    sheet_prefix = where(f.file, f.sheet) if f.sheet else None
    for prefix in filter(None, (where(f.file, f.sheet, f.cell) if f.cell else None,
                                sheet_prefix, where(f.file))):
        if message.startswith(prefix + ": "):
            return message[len(prefix) + 2:]
        if sheet_prefix and prefix == sheet_prefix and message.startswith(prefix + ", cell "):
            return message[len(prefix) + 2:]
    return message
