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
    if type(value) is str:
        # The common case, on the hot path of a regional roll-up: `in` is cheaper than a regex.
        if "\n" not in value and "\r" not in value and "\xa0" not in value:
            return value.strip()
        return _clean_lines(value)
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
    return _clean_lines(str(value))


def _clean_lines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def _merged_by_column(grid: SheetGrid, columns: set[int]) -> dict[int, dict[int, object]]:
    """For each of `columns`: row -> the value of the merged range covering that cell.

    A range's own top-left cell is not covered. Where ranges overlap the later one wins.
    Only the asked-for columns and rows that hold values are worked out: a range covering
    a whole column costs no more than the cells it can matter to.
    """
    lookup: dict[int, dict[int, object]] = {c: {} for c in columns}
    last_row = len(grid.values) - 1  # a range can claim rows far below the last value
    for r0, c0, r1, c1 in grid.merged:
        value = _value(grid, r0, c0)
        for c in columns:
            if c0 <= c <= c1:
                rows = range(r0 + (c == c0), min(r1, last_row) + 1)
                lookup[c].update(dict.fromkeys(rows, value))
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


def _is_repeated_header(row: list[object], labels: list[tuple[int, str]]) -> bool:
    """The header row again, further down: a table that ran onto a new page.

    `labels` is the header's text by column, lower case, in column order."""
    same = 0
    width = len(row)
    for c, label in labels:
        if c >= width:
            break
        value = row[c]
        if value == "" or value is None:
            continue
        text = as_text(value).lower()
        if not text:
            continue
        if text != label:
            return False
        same += 1
    return same >= 2


@dataclass(frozen=True, slots=True)
class _Layout:
    """What every row of one sheet is read with, worked out once per sheet."""

    # field, column, is it `due` (kept as a real date), and when a merged cell spreads it
    # down: row -> the merged value
    fields: list[tuple[str, int, bool, dict[int, object] | None]]
    named: list[tuple[int, str]]  # extra columns with a header: column, header text
    # columns with no header, ascending: column, "Column X", rows a merged range covers
    loose: list[tuple[int, str, dict[int, object]]]
    labels: list[tuple[int, str]]  # the header's text by column, lower case
    # One header cell that a repeat of the header must show again (the RAG column's when
    # there is one): a row whose text there differs is no header, without the full check.
    probe: tuple[int, str]
    width: int  # cells a row needs for every field and header column to be indexable


def _layout(grid: SheetGrid, header: Header) -> _Layout:
    columns = dict(header.columns)
    known = set(columns.values()) | set(header.extras)
    width = max((len(row) for row in grid.values), default=0)
    loose = [c for c in range(width) if c not in known]
    spread = {name: c for name, c in columns.items() if name not in NOT_SPREAD_BY_MERGE}
    merged = _merged_by_column(grid, {*spread.values(), *loose})
    labels = [(c, as_text(_value(grid, header.row, c)).lower()) for c in sorted(known)]
    return _Layout(
        fields=[
            (name, c, name == "due", merged[c] if name in spread and merged[c] else None)
            for name, c in columns.items()
        ],
        named=list(header.extras.items()),
        loose=[(c, f"Column {column_letter(c)}", merged[c]) for c in loose],
        labels=labels,
        probe=next(((c, t) for c, t in labels if c == columns.get("rag")), labels[0]),
        width=max(known) + 1,
    )


def _field_value(raw: object, is_due: bool) -> object:
    """A non-empty cell as a field's value: its text, or a real date kept as one for `due`."""
    if is_due and not isinstance(raw, str):
        return raw  # for the date parser to trust
    return as_text(raw)


def _read_fields(
    row: list[object], layout: _Layout, r: int, seen: dict[str, str]
) -> tuple[dict[str, object], set[str]]:
    """A row's field values, and which of them came down from a merged cell above.

    `row` is at least `layout.width` cells wide; `seen` holds the sheet's texts so far, so
    that equal texts are one object. This runs for every cell of a region's trackers: the
    common case (text with no line breaks or odd spaces) is handled inline.
    """
    values: dict[str, object] = {}
    inherited: set[str] = set()
    for name, c, is_due, spread in layout.fields:
        raw = row[c]
        if raw.__class__ is str:
            if raw:
                # as_text's common case inline: no line break or no-break space to clean
                text = (
                    raw.strip()
                    if "\n" not in raw and "\r" not in raw and "\xa0" not in raw
                    else as_text(raw)
                )
                if text:
                    values[name] = seen.setdefault(text, text)
                continue
        elif raw is not None:
            value = _field_value(raw, is_due)
            if value != "":
                values[name] = value
            continue
        if spread is None:
            continue
        raw = spread.get(r, "")
        if raw == "" or raw is None:
            continue
        inherited.add(name)
        value = _field_value(raw, is_due)
        if value != "":
            values[name] = value
    return values, inherited


def _extras(row: list[object], layout: _Layout, r: int) -> tuple[tuple[str, str], ...]:
    """Unknown columns' text: those with a header, then those without one."""
    width = len(row)
    found = []
    for c, label in layout.named:
        if c < width and (text := as_text(row[c])):
            found.append((label, text))
    # A note typed in a column with no header is still the lead's text: keep it.
    for c, label, merged in layout.loose:
        if c >= width:
            break
        if (text := as_text(row[c])) and r not in merged:
            found.append((label, text))
    return tuple(found)


def _has_detail(values: dict[str, object], inherited: set[str]) -> bool:
    return any(name in DETAIL and name not in inherited for name in values)


def rows_from_grid(grid: SheetGrid, header: Header, file: str) -> SheetRows:
    """Turn the rows below `header` into Rows, inheriting hierarchy and splitting lines."""
    layout = _layout(grid, header)
    columns = dict(header.columns)
    first_letter = column_letter(min([*columns.values(), *header.extras.keys()]))
    any_extras = bool(layout.named or layout.loose)
    current: dict[str, object] = {}
    rows: list[Row] = []
    findings: list[Finding] = []
    non_empty = sections = 0

    # Shared by every row of the sheet, so a pickle back from the worker holds each once.
    field_letters = {name: column_letter(c) for name, c in columns.items()}
    interned: dict[frozenset[str], frozenset[str]] = {}
    rag_fills = grid.fills_in_column(columns["rag"]) if "rag" in columns else {}
    probe_col, probe_label = layout.probe
    make, sheet = tuple.__new__, grid.name
    # One object per distinct text: a lead, a RAG word or a project title repeats down the
    # sheet, and each is then pickled, sent and rebuilt once per sheet, not once per row.
    seen: dict[str, str] = {}
    need = layout.width
    for r in range(header.row + 1, len(grid.values)):
        cells = grid.values[r]
        if len(cells) < need:  # a short row (CSV, legacy .xls): calamine's are all full
            cells = [*cells, *[""] * (need - len(cells))]
        values, inherited = _read_fields(cells, layout, r, seen)
        extras = _extras(cells, layout, r) if any_extras else ()
        fill = rag_fills.get(r)
        own = not inherited.issuperset(values)
        if not own and not extras:
            if fill and "rag" in columns and any(v for v in current.values()):
                pass  # a coloured RAG cell alone on a continuation row is still a row
            else:
                continue
        non_empty += 1
        probe = cells[probe_col]  # rows are padded to the layout's width above
        if not (type(probe) is str and as_text(probe).lower() not in ("", probe_label)) and (
            _is_repeated_header(cells, layout.labels)
        ):
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

        if not fill and not extras and not _has_detail(values, inherited):
            sections += 1  # "1. To make care a joint endeavour ..." on its own: a group heading
            continue

        # Built as Row._make builds them, minus its Python-level call: a region makes tens of
        # thousands, and every field is given here.
        source = make(Source, (file, sheet, f"{first_letter}{r + 1}"))
        key = frozenset(inherited)
        shared = interned.setdefault(key, key)
        project = values.get("workstream")
        # Most rows name one project: skip the splitting unless the cell has several lines.
        split = _line_split(values) if isinstance(project, str) and "\n" in project else None
        if split is None:
            rows.append(make(Row, (source, values, row_columns, r + 1, fill, extras, shared)))
            continue
        parts, context = split
        if context:  # kept, so that nothing the lead wrote is lost
            extras += tuple(("Heading", line) for line in context)
        for part in parts:
            rows.append(make(Row, (source, part, row_columns, r + 1, fill, extras, shared)))

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
