"""Read: tracker files -> Rows, each with its source file, sheet and cell; never a traceback."""

from __future__ import annotations

import functools
import gc
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from planreports.findings import finding
from planreports.model import Finding, InputFile, Row, SheetReport, Source
from planreports.read import refusals
from planreports.read.files import list_inputs, sha256_of, sniff, sniff_head
from planreports.read.header import find_header, plan_priority, synonym_table
from planreports.read.isolate import Crashed, run_isolated
from planreports.read.notes import grid_findings

# The readers are imported here, not in the worker: workers are forked from this process, so
# they start with the readers loaded instead of paying a fresh import each.
from planreports.read.opening import open_tracker
from planreports.read.table import rows_from_grid, skipped

T = TypeVar("T")
IN_MEMORY_BYTES = 64 * 1024 * 1024  # larger files are hashed and parsed from disk


@dataclass(frozen=True)
class ReadOptions:
    """What a worker needs to read one file (picklable)."""

    root: Path
    columns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    password: str | None = None
    # Every name the plan gives its priorities (ids, titles, short titles, aliases): a column
    # headed "Priority" holding none of them but High/Medium/Low is a task's urgency.
    priorities: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileResult:
    """One file's outcome: its manifest entry, its rows and what went wrong."""

    input: InputFile
    rows: tuple[Row, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class ReadResult:
    """Everything the read stage produced, in file order."""

    inputs: tuple[InputFile, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]


def _not_a_file(path: Path) -> str | None:
    """Why a listed path is not a file to open (a link to a folder, or to nothing), if so."""
    if path.is_file():
        return None
    if path.is_dir():
        return refusals.FOLDER_LINK
    if not path.exists():
        return refusals.BROKEN_LINK
    return refusals.UNKNOWN_BINARY  # a device or a pipe behind a link: never opened


def read_file(path: Path, options: ReadOptions) -> FileResult:
    """Read one tracker: sniff, open, find each sheet's header, turn rows into Rows."""
    label = path.relative_to(options.root).as_posix()

    def failed(code: str, reason: str, detail: str = "", kind: str = "") -> FileResult:
        return FileResult(
            input=InputFile(path=label, sha256=digest, status="failed", format=kind,
                            reason=reason, detail=detail),
            findings=(finding(code, f"{label}: {reason}", file=label),),
        )

    digest = ""
    if (why := _not_a_file(path)) is not None:
        return failed("unreadable-file", why)
    # A tracker is read from memory, once: its hash is then of the very bytes parsed, even if
    # a sync client rewrites the file meanwhile. A huge file is streamed from disk instead.
    data = path.read_bytes() if path.stat().st_size <= IN_MEMORY_BYTES else None
    if data is not None:
        digest = hashlib.sha256(data).hexdigest()
        kind, why = sniff_head(data[:4096], path.suffix)
    else:
        digest = sha256_of(path)
        kind, why = sniff(path)
    if kind == "unreadable":
        return failed("unreadable-file", why)
    try:
        fmt, grids = open_tracker(kind, path, data, options.password)
    except BaseException as exc:  # a reader's panic too (pyo3's derives from BaseException)
        if not refusals.reader_failure(exc):
            raise
        refusal = refusals.explain(exc)
        shown = "encrypted" if refusal.code == "encrypted-file" else (
            {"ole2": "xls", "biff": "xls"}.get(kind, kind)
        )
        return failed(refusal.code, refusal.reason, refusal.detail, shown)

    table = _synonyms(_columns_key(options.columns))
    sheets: list[SheetReport] = []
    rows: list[Row] = []
    findings: list[Finding] = []
    for grid in grids:
        if not grid.visible:
            result = skipped(grid, label, f"the sheet is {grid.state}")
        elif grid.kind != "worksheet":
            result = skipped(grid, label, f"a {grid.kind}, not a table")
        else:
            header = find_header(grid.values, table)
            if header is not None:
                header = plan_priority(header, grid.values, table, options.priorities)
            result = (
                rows_from_grid(grid, header, label)
                if header
                else skipped(grid, label, "no tracker header (e.g. a RAG key or notes)")
            )
        sheets.append(result.report)
        rows.extend(result.rows)
        findings.extend(result.findings)
        findings.extend(grid_findings(grid, label))
    status = "read" if any(s.status == "read" for s in sheets) else "skipped"
    return FileResult(
        input=InputFile(
            path=label,
            sha256=digest,
            status=status,
            format=fmt,
            sheets=tuple(sheets),
            reason="" if status == "read" else "no sheet holds a tracker",
        ),
        rows=tuple(rows),
        findings=tuple(findings),
    )


def _sha256_or_blank(path: Path) -> str:
    """A file can vanish while it is read (a lead's sync client moving it): no traceback."""
    try:
        return sha256_of(path)
    except OSError:
        return ""


def _columns_key(columns: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((k, tuple(v)) for k, v in sorted(columns.items()))


@functools.lru_cache(maxsize=4)
def _synonyms(columns: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    # Built once per worker, not per file: a worker reads a whole region's trackers.
    return synonym_table(dict(columns))


# A row as it crosses the pipe from a worker: Source's three fields, then Row's others.
WireRow = tuple[object, ...]


def _read_one(options: ReadOptions, path: str) -> tuple[FileResult, list[WireRow]]:
    result = read_file(Path(path), options)
    # Plain tuples pickle several times faster than NamedTuples (one Python call per object),
    # and a region sends tens of thousands of rows.
    wire = [(*row.source, *row[1:]) for row in result.rows]
    return FileResult(input=result.input, findings=result.findings), wire


def _from_wire(result: FileResult, wire: list[WireRow]) -> FileResult:
    make = tuple.__new__  # Row._make without its per-row method call and length check
    rows = tuple([make(Row, (make(Source, row[:3]), *row[3:])) for row in wire])
    return FileResult(input=result.input, rows=rows, findings=result.findings)


def _unlisted(folder: str, why: str) -> FileResult:
    """A folder of the inputs that could not be listed: whatever it holds was not read."""
    reason = f"the folder could not be listed ({why}), so no tracker in it was read"
    return FileResult(
        input=InputFile(path=folder, sha256="", status="failed", reason=reason),
        findings=(finding("unreadable-file", f"{folder}: {reason}", file=folder),),
    )


def _without_cycle_collection(results: Iterator[T]) -> Iterator[T]:
    """Rows arrive by the ten thousand as trees with no cycles: with the cyclic collector on,
    each pass walks every row received so far, and receiving them becomes quadratic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield from results
    finally:
        # The rows live as long as the build: file them straight into the oldest generation
        # (freeze, then unfreeze into it), so that no young pass walks all of them again once
        # the collector is back on. Whatever else is young goes with them, and a full pass
        # still frees any cycle among it. Not when the caller has frozen objects of its own,
        # which unfreezing would release.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def read_inputs(
    root: Path,
    *,
    columns: Mapping[str, Sequence[str]] | None = None,
    password: str | None = None,
    priorities: Sequence[str] = (),
    timeout: float = 60.0,
    memory_mb: int = 2048,
    progress: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read every tracker under `root`, each in a worker process; results in file order."""
    listing = list_inputs(root)
    paths = listing.files
    options = ReadOptions(
        root=root, columns=dict(columns or {}), password=password, priorities=tuple(priorities)
    )
    results: dict[int, FileResult] = {}
    _synonyms(_columns_key(options.columns))  # built here once, for the forked workers to share
    # The options go to each worker once, with the function; a job is then just a path.
    read_one = functools.partial(_read_one, options)
    jobs = [str(p) for p in paths]
    for index, answer in _without_cycle_collection(
        run_isolated(read_one, jobs, timeout=timeout, memory_mb=memory_mb)
    ):
        path = paths[index]
        if not isinstance(answer, Crashed):
            result = _from_wire(*answer)
        else:
            label = path.relative_to(root).as_posix()
            reason, detail = refusals.crashed(answer.reason)
            result = FileResult(
                input=InputFile(
                    path=label, sha256=_sha256_or_blank(path), status="failed",
                    reason=reason, detail=detail,
                ),
                findings=(finding("unreadable-file", f"{label}: {reason}", file=label),),
            )
        results[index] = result
        if progress:
            progress(result.input.path)
    ordered = [results[i] for i in sorted(results)] + [
        _unlisted(folder, why) for folder, why in listing.unlisted
    ]
    return ReadResult(
        inputs=tuple(r.input for r in ordered),
        rows=tuple(row for r in ordered for row in r.rows),
        findings=tuple(f for r in ordered for f in r.findings),
    )
