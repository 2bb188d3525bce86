"""A sheet's grid + its header -> Rows, as a person reading the sheet would see them.

Merged cells and blank continuation cells in the hierarchy columns inherit from above; a
row that only names a priority or workstream starts a group and is not an item; a cell that
lists several projects one per line, with leads aligned line by line, becomes several rows.

The hierarchy is priority > workstream > item (BNSSG's ambition > milestone > next step). A
row with no item of its own under an item (BNSSG's rows that only add a deliverable, a
lead or a milestone date) belongs to the item above it: it is kept as its own row, with
that item's text, and its deliverable as an extra field. A new workstream or priority ends
the item above; the header repeated further down (a table that ran onto a new page) is a
heading, not a row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from planreports.findings import finding
from planreports.model import Finding, Row, SheetReport, Source
from planreports.read.grid import SheetGrid, column_letter
from planreports.read.header import Header

HIERARCHY = ("priority", "workstream", "item")
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
    if type(value) is str and not _NEEDS_CLEANING.search(value):
        return value.strip()  # the common case, on the hot path of a regional roll-up
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


_NEEDS_CLEANING = re.compile(r"[\r\n\xa0]")


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


def _line_split(values: dict[str, object]) -> tuple[list[dict[str, object]], list[str]] | None:
    """Split a row whose project cell lists several projects, one per line, leads aligned.

    Only when another per-project column (lead, RAG, committee) has exactly as many lines as
    there are projects: otherwise a multi-line project title is one title. Returns the rows
    and the heading lines ("BHT Way - always improving:"), which are context, not projects.
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
        out.append(part)
    return out, context


def _projects_in_priority(values: dict[str, object]) -> dict[str, object] | None:
    """BHT's "Enablers / To deliver: / - Digital strategy / ..." in the objective cell, with
    no project of its own: the first line is the priority, the bulleted lines its projects
    (when the leads or RAGs align with them, as `_line_split` requires)."""
    text = values.get("priority")
    if "workstream" in values or not isinstance(text, str) or "\n" not in text:
        return None
    lines = _split_lines(text)
    first = next((i for i, line in enumerate(lines) if BULLET.match(line)), None)
    if not first:
        return None  # no bullets, or a cell that is nothing but bullets
    title = [line for line in lines[:first] if not _is_heading_line(line)]
    headings = [line for line in lines[:first] if _is_heading_line(line)]
    if not title or not all(BULLET.match(line) for line in lines[first:]):
        return None
    candidate = dict(values)
    candidate["priority"] = " ".join(title)
    candidate["workstream"] = "\n".join([*headings, *lines[first:]])
    return candidate if _line_split(candidate) else None


def _is_repeated_header(grid: SheetGrid, labels: dict[int, str], r: int) -> bool:
    """The header row again, further down: a table that ran onto a new page.

    `labels` is the header's text by column, lower case."""
    same = 0
    for c, label in labels.items():
        text = as_text(_value(grid, r, c)).lower()
        if not text:
            continue
        if text != label:
            return False
        same += 1
    return same >= 2


def rows_from_grid(grid: SheetGrid, header: Header, file: str) -> SheetRows:
    """Turn the rows below `header` into Rows, inheriting hierarchy and splitting lines."""
    merged = _merged_lookup(grid)
    columns = dict(header.columns)
    first_col = min([*columns.values(), *header.extras.keys()])
    known_columns = set(columns.values()) | set(header.extras)
    labels = {c: as_text(_value(grid, header.row, c)).lower() for c in sorted(known_columns)}
    current: dict[str, object] = {}
    rows: list[Row] = []
    findings: list[Finding] = []
    non_empty = sections = 0

    width = max((len(row) for row in grid.values), default=0)
    letters = [column_letter(c) for c in range(max(width, *columns.values(), 0) + 1)]
    # Shared by every row of the sheet, so a pickle back from the worker holds each once.
    field_letters = {name: letters[c] for name, c in columns.items()}
    interned: dict[frozenset[str], frozenset[str]] = {}
    rag_fills = grid.fills_in_column(columns["rag"]) if "rag" in columns else {}
    for r in range(header.row + 1, len(grid.values)):
        values: dict[str, object] = {}
        inherited: set[str] = set()
        for name, c in columns.items():
            raw = _value(grid, r, c)
            origin = merged.get((r, c))
            if (raw == "" or raw is None) and origin and name not in NOT_SPREAD_BY_MERGE:
                raw = _value(grid, *origin)
                if raw not in ("", None):
                    inherited.add(name)
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
        fill = rag_fills.get(r)
        own = set(values) - inherited
        if not own and not extras:
            if fill and "rag" in columns and any(v for v in current.values()):
                pass  # a coloured RAG cell alone on a continuation row is still a row
            else:
                continue
        non_empty += 1
        if _is_repeated_header(grid, labels, r):
            sections += 1  # a heading, as the first header is: nothing to read in it
            continue
        row_columns = field_letters
        if "priority" not in inherited and (listed := _projects_in_priority(values)):
            values = listed
            row_columns = {**field_letters, "workstream": field_letters["priority"]}

        # A new priority starts a new group; a new workstream ends the item above it.
        if "priority" in values and values["priority"] != current.get("priority"):
            current = {"priority": values["priority"]}
        if "workstream" in values and values["workstream"] != current.get("workstream"):
            current.pop("item", None)
        for name in HIERARCHY:
            if name in values:
                current[name] = values[name]
            elif name in current:
                values[name] = current[name]
                inherited.add(name)

        detail = (DETAIL & set(values)) - inherited
        if not detail and not fill and not extras:
            sections += 1  # "1. To make care a joint endeavour ..." on its own: a group heading
            continue

        source = Source(file=file, sheet=grid.name, cell=f"{letters[first_col]}{r + 1}")
        parts, context = _line_split(values) or ([values], [])
        if context:  # kept, so that nothing the lead wrote is lost
            extras += tuple(("Heading", line) for line in context)
        for part in parts:
            rows.append(
                Row(
                    source=source,
                    values=part,
                    columns=row_columns,
                    number=r + 1,
                    rag_fill=fill,
                    extras=extras,
                    inherited=interned.setdefault(frozenset(inherited), frozenset(inherited)),
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
