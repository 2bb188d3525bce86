"""The frozen data that flows between stages: Source, Row, Item, Finding, Run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: Mapping[str, int] = {"error": 0, "warning": 1, "info": 2}


def short(text: object, limit: int = 40) -> str:
    """`text` quoted and cut to `limit` characters with an ellipsis, for one-line reprs."""
    value = " ".join(str(text).split())
    return repr(value if len(value) <= limit else value[: limit - 1] + "\u2026")


class Counts(dict):
    """RAG counts (priority -> RAG key -> items): a plain dict, read as an attribute.

    Also callable, returning itself, because `counts` was once a method: `run.counts()` written
    against that keeps working.
    """

    def __call__(self) -> Counts:
        return self

# The canonical tracker fields, in the order a reader expects them.
FIELDS: tuple[str, ...] = (
    "priority",
    "workstream",
    "item",
    "rag",
    "update",
    "lead",
    "directorate",
    "committee",
    "due",
    "milestone",
    "metric",
)


# Source and Row are NamedTuples, not frozen dataclasses: equally immutable and typed, but a
# regional roll-up makes tens of thousands of them in the workers and again in the parent
# (they cross the pipe as plain tuples, see read._read_one), and a tuple is built in a third
# to a half of the time a frozen dataclass's __init__ takes.
class Source(NamedTuple):
    """Where a value came from: file relative to the inputs folder, sheet, A1 cell."""

    file: str
    sheet: str
    cell: str

    def __str__(self) -> str:
        return f"{self.file}!{self.sheet}!{self.cell}"


_NO_COLUMNS: Mapping[str, str] = MappingProxyType({})


class Row(NamedTuple):
    """One tracker row as read: canonical field text, with the cell of each field.

    `values` holds text (or a real date for `due`) by canonical field name; `columns` maps each
    field to its column letter (one mapping shared by a sheet's rows) and `number` is the sheet
    row, so `cell_of("rag")` is e.g. "B7"; `rag_fill` is the RAG cell's fill as "#RRGGBB" when
    the sheet coloured it; `extras` keeps unknown columns.
    """

    source: Source
    values: Mapping[str, object]
    columns: Mapping[str, str] = _NO_COLUMNS
    number: int = 0
    rag_fill: str | None = None
    extras: tuple[tuple[str, str], ...] = ()
    inherited: frozenset[str] = frozenset()  # fields filled from a merged cell or row above

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip()

    def cell_of(self, name: str) -> str:
        letter = self.columns.get(name)
        return f"{letter}{self.number}" if letter else self.source.cell


@dataclass(frozen=True, slots=True)
class SheetReport:
    """What happened to one sheet: its header row and how many rows became what."""

    name: str
    status: Literal["read", "skipped"]
    header_row: int | None = None
    rows: int = 0  # non-empty rows below the header
    items: int = 0
    sections: int = 0  # rows that only started a group
    reason: str = ""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One tracker file and what became of it."""

    path: str
    sha256: str
    status: Literal["read", "skipped", "failed"]
    format: str = ""
    sheets: tuple[SheetReport, ...] = ()
    reason: str = ""  # in plain words, for the PMO: why it was not read
    detail: str = ""  # the reader library's own words, for a developer (never the message)

    def __repr__(self) -> str:
        return f"<InputFile {short(self.path, 60)} {self.status}, {len(self.sheets)} sheets>"


@dataclass(frozen=True, slots=True)
class Item:
    """A reconciled row: placed under a configured priority (or none) and workstream."""

    priority: str | None  # config id, None when unknown
    workstream: str  # configured title when matched, else the tracker's text
    item: str  # sub-item / continuation text, "" when the row is the workstream itself
    rag: str | None  # config key
    update: str
    lead: str
    committee: str
    directorate: str
    due: dt.date | None
    milestone: str
    source: Source
    workstream_matched: bool = False
    match_score: float | None = None
    previous_rag: str | None = None
    trend: Literal["improved", "same", "deteriorated", "new"] | None = None
    extras: tuple[tuple[str, str], ...] = ()
    # The tracker's own project title as written ("Biomedical Research Centre (BRC)"), which
    # `workstream` replaces with the configured title it counts under; "" when none was given.
    project: str = ""
    # The configured organisation (id) whose tracker it came from; None for a single trust.
    organisation: str | None = None

    def __repr__(self) -> str:
        what = short(self.workstream) + (f" / {short(self.item, 24)}" if self.item else "")
        return f"<Item {self.priority or '?'} {what} {self.rag or '-'} at {_place(self.source)}>"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem in the data, with a stable code and the place it was found."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    priority: str | None = None
    workstream: str | None = None
    organisation: str | None = None  # a configured organisation's id, when it concerns one

    def __repr__(self) -> str:
        place = _place(Source(self.file or "", self.sheet or "", self.cell or ""))
        return f"<Finding {self.severity} {self.code} at {place}: {short(self.message, 60)}>"


def _place(source: Source) -> str:
    """file!sheet!cell with a long file name cut, for reprs."""
    file = source.file if len(source.file) <= 40 else source.file[:39] + "\u2026"
    return "!".join(p for p in (file, source.sheet[:24], source.cell) if p) or "(the plan)"


@dataclass(frozen=True, slots=True)
class Output:
    """A file the run wrote."""

    pack: str
    kind: Literal["xlsx", "pptx", "docx", "pdf", "eml", "json"]
    path: str
    sha256: str
    note: str = ""  # e.g. "saved beside: target was locked"

    def __repr__(self) -> str:
        return f"<Output {self.pack} {self.kind} {short(self.path, 60)}>"


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """RAG counts of one earlier period, for RAG-over-time charts."""

    period: str
    as_of: dt.date
    counts: Mapping[str | None, int]  # rag key (None = no RAG) -> items


@dataclass(frozen=True)
class PackView:
    """Everything one pack's workbook and deck show: its items, findings and context.

    Built by `planreports.packs.view_for`; renderers read it and nothing else.
    """

    config: object  # planreports.config.Config (typed loosely to keep model.py import-free)
    name: str
    title: str
    items: tuple[Item, ...]
    findings: tuple[Finding, ...]
    inputs: tuple[InputFile, ...]
    history: tuple[PeriodSummary, ...] = ()
    no_longer_reported: tuple[Item, ...] = ()  # last period's items absent now

    @property
    def has_patient_identifier(self) -> bool:
        return any(f.code == "patient-identifier" for f in self.findings)

    @property
    def counts(self) -> Counts:
        """priority id -> rag key -> items (None keys for unknown priority / no RAG)."""
        out = Counts()
        for item in self.items:
            by_rag = out.setdefault(item.priority, {})
            by_rag[item.rag] = by_rag.get(item.rag, 0) + 1
        return out

    def __repr__(self) -> str:
        return (f"<PackView {self.name}: {len(self.items)} items, "
                f"{len(self.findings)} findings>")
