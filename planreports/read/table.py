"""A sheet's grid + its header -> Rows, as a person reading the sheet would see them.

Merged cells and blank continuation cells in the hierarchy columns inherit from above; a
row that only names a priority or workstream starts a group and is not an item; a cell that
lists several projects one per line, with leads aligned line by line, becomes several rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from planreports.findings import finding
from planreports.model import Finding, Row, SheetReport, Source
from planreports.read.grid import SheetGrid, cell_name, column_letter
from planreports.read.header import Header

HIERARCHY = ("priority", "workstream")
# A merged cell's value belongs to every row it spans, except free text that would be
# duplicated word for word (an update merged over rows is one update).
NOT_SPREAD_BY_MERGE = frozenset({"update", "item", "milestone"})
DETAIL = frozenset({"rag", "update", "lead", "due", "milestone", "item", "metric", "id"})
BULLET = re.compile(r"^\s*(?:[-\u2022\u2013*\u25aa\u25cf\u00b7]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class SheetRows:
    """What one sheet yielded."""

    report: SheetReport
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]


def as_text(value: object) -> str:
    """A cell as the text a reader sees: 3.0 -> '3', a date -> ISO, strip spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def _merged_lookup(grid: SheetGrid) -> dict[tuple[int, int], tuple[int, int]]:
    """Every covered cell of a merged range -> its top-left cell."""
    lookup: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in grid.merged:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    lookup[(r, c)] = (r0, c0)
    return lookup


def _value(grid: SheetGrid, r: int, c: int) -> object:
    row = grid.values[r] if r < len(grid.values) else []
    return row[c] if c < len(row) else ""


def _split_lines(text: str) -> list[str]:
    return [line for line in (x.strip() for x in text.split("\n")) if line]


def _is_heading_line(line: str) -> bool:
    """'BHT Way - always improving:' introduces the lines under it; it is not a project."""
    return line.endswith(":") and not BULLET.match(line)


def _line_split(values: dict[str, object]) -> list[dict[str, object]] | None:
    """Split a row whose project cell lists several projects, one per line, leads aligned.

    Only when another per-project column (lead, RAG, committee) has exactly as many lines as
    there are projects: otherwise a multi-line project title is one title.
    """
    project = values.get("workstream")
    if not isinstance(project, str) or "\n" not in project:
        return None
    lines = _split_lines(project)
    context = [line for line in lines if _is_heading_line(line)]
    projects = [BULLET.sub("", line) for line in lines if not _is_heading_line(line)]
    if len(projects) < 2:
        return None
    aligned = [
        name
        for name in ("lead", "rag", "committee", "due")
        if isinstance(values.get(name), str)
        and len(_split_lines(str(values[name]))) == len(projects)
    ]
    if not aligned:
        return None
    out = []
    for i, title in enumerate(projects):
        part = dict(values)
        part["workstream"] = title
        for name in aligned:
            part[name] = _split_lines(str(values[name]))[i]
        if context:
            part.setdefault("item", "")
        out.append(part)
    return out


def rows_from_grid(grid: SheetGrid, header: Header, file: str) -> SheetRows:
    """Turn the rows below `header` into Rows, inheriting hierarchy and splitting lines."""
    merged = _merged_lookup(grid)
    columns = dict(header.columns)
    first_col = min([*columns.values(), *header.extras.keys()])
    known_columns = set(columns.values()) | set(header.extras)
    current: dict[str, object] = {}
    rows: list[Row] = []
    findings: list[Finding] = []
    non_empty = sections = 0

    for r in range(header.row + 1, len(grid.values)):
        values: dict[str, object] = {}
        cells: dict[str, str] = {}
        inherited: set[str] = set()
        for name, c in columns.items():
            raw = _value(grid, r, c)
            origin = merged.get((r, c))
            if (raw == "" or raw is None) and origin and name not in NOT_SPREAD_BY_MERGE:
                raw = _value(grid, *origin)
                if raw not in ("", None):
                    inherited.add(name)
            cells[name] = cell_name(r, c)
            if raw in ("", None):
                continue
            values[name] = raw if name == "due" and not isinstance(raw, str) else as_text(raw)
            if values[name] == "":
                del values[name]
        extras = tuple(
            (label, as_text(_value(grid, r, c)))
            for c, label in header.extras.items()
            if as_text(_value(grid, r, c))
        )
        # A note typed in a column with no header is still the lead's text: keep it.
        row_values = grid.values[r] if r < len(grid.values) else []
        extras += tuple(
            (f"Column {column_letter(c)}", as_text(v))
            for c, v in enumerate(row_values)
            if c not in known_columns and as_text(v) and (r, c) not in merged
        )
        fill = grid.fills.get((r, columns["rag"])) if "rag" in columns else None
        own = set(values) - inherited
        if not own and not extras:
            if fill and "rag" in columns and any(v for v in current.values()):
                pass  # a coloured RAG cell alone on a continuation row is still a row
            else:
                continue
        non_empty += 1

        # A new priority starts a new group: its workstream does not carry over.
        if "priority" in values and values["priority"] != current.get("priority"):
            current = {"priority": values["priority"]}
        for name in HIERARCHY:
            if name in values:
                if values[name] != current.get(name):
                    current[name] = values[name]
                    current.pop("lead_context", None)
            elif name in current:
                values[name] = current[name]
                inherited.add(name)

        detail = (DETAIL & set(values)) - inherited
        if not detail and not fill and not extras:
            sections += 1  # "1. To make care a joint endeavour ..." on its own: a group heading
            continue

        source = Source(file=file, sheet=grid.name, cell=cell_name(r, first_col))
        for part in _line_split(values) or [values]:
            rows.append(
                Row(
                    source=source,
                    values=part,
                    cells=cells,
                    rag_fill=fill,
                    extras=extras,
                    inherited=frozenset(inherited),
                )
            )

    report = SheetReport(
        name=grid.name,
        status="read",
        header_row=header.row + 1,
        rows=non_empty,
        items=len(rows),
        sections=sections,
    )
    return SheetRows(report=report, rows=tuple(rows), findings=tuple(findings))


def skipped(grid: SheetGrid, file: str, reason: str) -> SheetRows:
    """A sheet that is not a tracker: listed in run.json and as an info finding."""
    message = f"{file}, sheet '{grid.name}': skipped, {reason}"
    return SheetRows(
        report=SheetReport(name=grid.name, status="skipped", reason=reason),
        rows=(),
        findings=(finding("sheet-skipped", message, file=file, sheet=grid.name),),
    )


def iter_nonempty(values: list[list[object]]) -> Iterator[int]:
    for r, row in enumerate(values):
        if any(v not in ("", None) for v in row):
            yield r
