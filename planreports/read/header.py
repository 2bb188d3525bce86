"""Finding the header row of a tracker, wherever it is under its title rows."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The words trusts put in their header rows, by canonical field. Matched after normalising
# case, punctuation and spacing; config `inputs.columns` adds to these.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "priority": (
        "priority", "priorities", "strategic priority", "strategic priorities",
        "corporate objective", "corporate objectives", "objective", "strategic objective",
        "strategic aim", "ambition", "organisational priority", "business plan priority",
        "aim", "programme",
    ),
    "workstream": (
        "workstream", "workstreams", "project", "projects", "project title", "project name",
        "scheme", "initiative", "work stream", "programme of work", "key objective",
        "key objectives",
    ),
    "item": ("item", "sub item", "sub-item", "action", "actions", "next steps", "task", "activity"),
    "rag": (
        "rag", "status", "rag status", "rating", "rag rating", "brag", "rag rating q2",
        "current rag", "overall rag", "delivery status", "rag status this period",
    ),
    "update": (
        "update", "progress update", "progress", "commentary", "comments on progress",
        "narrative", "progress to date", "update this period", "status update", "progress report",
        "position statement",
    ),
    "lead": (
        "lead", "executive lead", "exec lead", "sro", "owner", "lead director", "responsible lead",
        "executive", "project lead", "accountable lead", "responsible officer", "lead officer",
        "assigned to", "assignee", "responsible", "responsible person", "action owner",
        "project owner", "task owner",
    ),
    "directorate": (
        "directorate", "division", "care group", "service", "department", "business unit", "sdu",
    ),
    "committee": (
        "committee", "responsible group", "overseeing committee", "assurance committee",
        "board committee", "governance",
    ),
    "due": (
        "due", "due date", "milestone date", "deadline", "target date", "completion date",
        "date due", "by when", "timescale", "milestones", "end date",
    ),
    "milestone": ("milestone text", "key milestone", "next milestone", "milestone description"),
    "metric": ("metric", "kpi", "measure", "assessed by", "success measure", "key metric"),
    "id": ("id", "ref", "reference", "planreports id", "row id"),
    "organisation": (
        "organisation", "organization", "organisation name", "organisation code", "org",
        "org code", "trust", "trust name", "provider", "provider name", "provider code",
        "member organisation", "system partner", "partner organisation", "reporting organisation",
    ),
}

LONGEST_HEADER = 80  # characters: no column name is longer; a longer cell is data, not a header
HEADER_SCAN_ROWS = 30  # title blocks above the header are rarely longer than this
# "RAG Key", "Status legend": the heading of a key table, never a tracker column.
KEY_WORDS = frozenset({"key", "legend", "definition", "definitions", "meaning"})


@functools.lru_cache(maxsize=8192)
def _normalise_text(text: str) -> str:
    value = text.lower().replace("&", " and ")
    value = re.sub(r"\b(19|20)\d\d(/\d\d(\d\d)?)?\b", " ", value)  # year labels on a column
    value = re.sub(r"[^a-z0-9]+", " ", value)
    return " ".join(value.split())


def normalise(text: object) -> str:
    """'Progress Update:' -> 'progress update'; '2020/21 Ambition' -> 'ambition'."""
    return _normalise_text(str(text))


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is and which column holds which field."""

    row: int  # 0-based
    columns: Mapping[str, int]  # canonical field -> 0-based column
    extras: Mapping[int, str]  # unknown non-empty header cells: column -> header text


def synonym_table(extra: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """Normalised header text -> canonical field; config synonyms win over built-in ones."""
    table: dict[str, str] = {}
    for name, words in SYNONYMS.items():
        for word in words:
            table.setdefault(normalise(word), name)
    for name, words in (extra or {}).items():
        for word in words:
            table[normalise(word)] = name
    return table


@functools.lru_cache(maxsize=8192)
def _header_keys(text: str) -> tuple[str, ...]:
    """What a header cell is looked up by: its normalised text, then its leading words.

    "RAG Status (Q2)" or "Progress Update - September" is found by "rag status" or "progress
    update"; a longer cell, or the heading of a key table, only by its whole text. Depends on
    the text alone, so it is worked out once however many sheets repeat the header.
    """
    key = normalise(text)
    words = key.split()
    if len(key) > 40 or KEY_WORDS & set(words):
        return (key,)
    return (key, *(" ".join(words[:cut]) for cut in range(len(words) - 1, 0, -1)))


def _field_named(keys: tuple[str, ...], table: Mapping[str, str]) -> str | None:
    name = table.get(keys[0])
    if name is None:
        for key in keys[1:]:
            name = table.get(key)
            if name:
                break
    return name


def match_header_row(
    cells: Sequence[object], table: Mapping[str, str], not_priority: frozenset[int] = frozenset()
) -> Header | None:
    """The fields named in one row, or None when it is not a tracker header; the columns in
    `not_priority` are not taken as the priority, whatever their header says."""
    columns: dict[str, int] = {}
    extras: dict[int, str] = {}
    for col, value in enumerate(cells):
        if value is None or value == "":
            continue
        text = str(value).strip()
        if len(text) > LONGEST_HEADER:  # an update, not a column name: skip the word work
            extras[col] = text
            continue
        name = _field_named(_header_keys(text), table)
        if name == "priority" and col in not_priority:
            name = None
        if name and name not in columns:
            columns[name] = col
        else:
            extras[col] = text
    hierarchy = {"priority", "workstream", "item"} & columns.keys()
    detail = {"rag", "update", "lead", "due", "committee"} & columns.keys()
    if not hierarchy or not detail or len(columns) < 2:
        return None
    return Header(row=-1, columns=columns, extras=extras)


def find_header(
    values: Sequence[Sequence[object]], table: Mapping[str, str], scan: int = HEADER_SCAN_ROWS
) -> Header | None:
    """The first row in the top `scan` rows that names a hierarchy field and a detail field.

    Of the candidate rows, the one naming the most fields wins, so a title row that happens to
    say "Priority ... Status" does not beat the real header below it.
    """
    best: Header | None = None
    for r, cells in enumerate(values[:scan]):
        # A row names at most one field per non-empty cell: one with too few cells to beat the
        # best so far (two fields, for the first) is passed over without reading its words.
        if len(cells) - cells.count("") <= (len(best.columns) if best else 1):
            continue
        found = match_header_row(cells, table)
        if found and (best is None or len(found.columns) > len(best.columns)):
            best = Header(row=r, columns=found.columns, extras=found.extras)
    return best


# What a task list's "Priority" column holds: how urgent the task is, not which of the plan's
# priorities it serves (normalised as `normalise` leaves them).
URGENCY_WORDS = frozenset({
    "high", "medium", "med", "low", "critical", "urgent", "normal", "very high", "very low",
    "highest", "lowest", "major", "minor", "moderate", "h", "m", "l", "top", "high priority",
    "medium priority", "low priority", "must", "should", "could", "would", "must have",
    "should have", "could have", "won t have", "wont have", "1 high", "2 medium", "3 low",
})


def plan_priority(
    header: Header,
    values: Sequence[Sequence[object]],
    table: Mapping[str, str],
    priorities: Sequence[str] = (),
) -> Header | None:
    """The header again, with its priority column kept as an extra field when that column
    holds urgencies (High / Medium / Low) and none of the plan's priority names.

    Then another column may name the plan's priority (an "Objective" beside the task's
    "Priority"); and if no hierarchy column is left the sheet is no tracker (None).
    """
    col = header.columns.get("priority")
    if col is None:
        return header
    # Its text alone: a total row's number or a stray date says nothing of what it holds.
    seen = {
        normalise(row[col]) for row in values[header.row + 1 :]
        if col < len(row) and isinstance(row[col], str) and row[col]
    }
    seen.discard("")
    plan = {normalise(name) for name in priorities}
    if not seen or seen & plan or not seen <= URGENCY_WORDS:
        return header
    found = match_header_row(values[header.row], table, frozenset({col}))
    return Header(row=header.row, columns=found.columns, extras=found.extras) if found else None
