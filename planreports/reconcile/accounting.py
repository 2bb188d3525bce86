"""Nothing lost: every non-empty tracker row is an item, a section heading, or named by a finding.

Checked on every build; the per-sheet figures go into run.json so anyone can check them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from planreports.findings import finding
from planreports.model import Finding, InputFile, Item

_ROW = re.compile(r"(\d+)$")


@dataclass(frozen=True, slots=True)
class SheetAccount:
    """One read sheet's rows and where each went."""

    file: str
    sheet: str
    rows: int  # non-empty rows below the header
    item_rows: int  # rows that became at least one item
    sections: int  # rows that only started a group (a priority or ambition heading)
    named_by_findings: int  # rows not kept as items, each named by a finding (duplicates)

    @property
    def unaccounted(self) -> int:
        return self.rows - self.item_rows - self.sections - self.named_by_findings

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "item_rows": self.item_rows,
            "sections": self.sections,
            "named_by_findings": self.named_by_findings,
            "unaccounted": self.unaccounted,
        }


def _row_of(cell: str | None) -> int | None:
    found = _ROW.search(cell or "")
    return int(found.group(1)) if found else None


def account(
    inputs: Sequence[InputFile], items: Sequence[Item], findings: Sequence[Finding]
) -> tuple[list[SheetAccount], list[Finding]]:
    """Per-sheet accounting, and a finding for any sheet whose rows do not add up."""
    item_rows: dict[tuple[str, str], set[int]] = defaultdict(set)
    for item in items:
        row = _row_of(item.source.cell)
        if row is not None:
            item_rows[(item.source.file, item.source.sheet)].add(row)
    dropped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for f in findings:
        if f.code == "duplicate-item" and f.file and f.sheet is not None:
            row = _row_of(f.cell)
            if row is not None:
                dropped[(f.file, f.sheet)].add(row)
    accounts: list[SheetAccount] = []
    problems: list[Finding] = []
    for input_file in inputs:
        for sheet in input_file.sheets:
            if sheet.status != "read":
                continue
            key = (input_file.path, sheet.name)
            kept = item_rows.get(key, set())
            gone = dropped.get(key, set()) - kept
            acc = SheetAccount(
                file=input_file.path,
                sheet=sheet.name,
                rows=sheet.rows,
                item_rows=len(kept),
                sections=sheet.sections,
                named_by_findings=len(gone),
            )
            accounts.append(acc)
            if acc.unaccounted:
                problems.append(finding(
                    "row-unaccounted",
                    f"{input_file.path}, sheet '{sheet.name}': {sheet.rows} rows read but "
                    f"{acc.item_rows} items, {acc.sections} headings and "
                    f"{acc.named_by_findings} named by findings; {acc.unaccounted} unaccounted "
                    "for (a planreports fault: please report it with this tracker)",
                    file=input_file.path, sheet=sheet.name,
                ))
    return accounts, problems
