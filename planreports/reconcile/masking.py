"""Mask patient identifiers in what the read stage produced, before anything else sees it.

Reconcile, history and every renderer work on the masked text, so no later stage can leak
an identifier by quoting a cell (an `unknown-priority` message, the register, run.json, the
history database). What was masked is kept per row, so reconcile can raise the
`patient-identifier` finding with the item's priority and workstream, at the tracker cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from planreports.findings import finding
from planreports.identifiers import IdentifierScanner, kinds
from planreports.model import Finding, InputFile, Row, Source


@dataclass(frozen=True)
class Flag:
    """One masked value of a row: the canonical field (or extra column header), what it held."""

    field: str | None  # canonical field name, None for an extra column
    header: str  # the extra column's header ("" for a canonical field)
    kinds: str  # "an NHS number"


@dataclass(frozen=True)
class MaskedRead:
    inputs: tuple[InputFile, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]
    flags: Mapping[Source, tuple[Flag, ...]]


def mask_read(
    inputs: tuple[InputFile, ...],
    rows: tuple[Row, ...],
    findings: tuple[Finding, ...],
    scanner: IdentifierScanner,
) -> MaskedRead:
    """The read stage's output with every identifier masked; rows changed only where hit."""
    flags: dict[Source, tuple[Flag, ...]] = {}
    out_rows: list[Row] = []
    names: dict[str, str] = {}  # file or sheet name -> masked
    extra: list[Finding] = []

    def name(text: str, file: str, sheet: str | None = None) -> str:
        if text not in names:
            masked = scanner.mask(text)
            names[text] = masked.text
            if masked.hits:
                what = f"sheet name '{masked.text}'" if sheet else f"file name '{masked.text}'"
                extra.append(finding(
                    "patient-identifier",
                    f"the {what} holds {kinds(masked.hits)}; it is masked in every output. "
                    "Board papers must hold none: rename it at source. Packs holding it will "
                    "not be emailed",
                    file=names.get(file, file), sheet=masked.text if sheet else None,
                ))
        return names[text]

    for row in rows:
        file, sheet = row.source.file, row.source.sheet
        source = row.source
        if scanner.contains(file) or scanner.contains(sheet):
            masked_file = name(file, file)
            source = Source(masked_file, name(sheet, masked_file, sheet), row.source.cell)
        row_flags: list[Flag] = []
        values: dict[str, object] | None = None
        for field, value in row.values.items():
            if isinstance(value, str) and value:
                masked = scanner.mask(value)
                if masked.hits:
                    values = values if values is not None else dict(row.values)
                    values[field] = masked.text
                    row_flags.append(Flag(field, "", kinds(masked.hits)))
        extras = row.extras
        if extras:
            new_extras = []
            for header, value in extras:
                masked = scanner.mask(value)
                new_header = scanner.mask(header).text
                if masked.hits:
                    row_flags.append(Flag(None, new_header, kinds(masked.hits)))
                new_extras.append((new_header, masked.text))
            extras = tuple(new_extras)
        if row_flags or source is not row.source or extras != row.extras:
            row = row._replace(
                source=source,
                values=values if values is not None else row.values,
                extras=extras,
            )
            if row_flags:
                flags[source] = flags.get(source, ()) + tuple(row_flags)
        out_rows.append(row)

    out_inputs = tuple(_mask_input(i, scanner, name) for i in inputs)
    out_findings = tuple(
        replace(
            f,
            message=scanner.mask(f.message).text,
            file=names.get(f.file, f.file) if f.file else f.file,
            sheet=scanner.mask(f.sheet).text if f.sheet else f.sheet,
        )
        if scanner.contains(f.message) or (f.file and f.file in names)
        or (f.sheet and scanner.contains(f.sheet)) else f
        for f in findings
    )
    return MaskedRead(out_inputs, tuple(out_rows), out_findings + tuple(extra), flags)


def _mask_input(entry: InputFile, scanner: IdentifierScanner, name) -> InputFile:  # noqa: ANN001
    path = name(entry.path, entry.path) if scanner.contains(entry.path) else entry.path
    sheets = tuple(
        replace(s, name=name(s.name, path, s.name), reason=scanner.mask(s.reason).text)
        if scanner.contains(s.name) or scanner.contains(s.reason) else s
        for s in entry.sheets
    )
    reason = scanner.mask(entry.reason).text
    if path == entry.path and sheets == entry.sheets and reason == entry.reason:
        return entry
    return replace(entry, path=path, sheets=sheets, reason=reason)
