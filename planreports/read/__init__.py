"""Read: tracker files -> Rows, each with its source file, sheet and cell; never a traceback."""

from __future__ import annotations

import functools
import gc
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

# The readers are imported here, not in the worker: workers are forked from this process, so
# they start with the readers loaded instead of paying a fresh import each.
import msoffcrypto

from planreports.findings import finding
from planreports.model import Finding, InputFile, Row, SheetReport, Source
from planreports.read.csvfile import read_csv
from planreports.read.files import list_inputs, sha256_of, sniff, sniff_head
from planreports.read.grid import SheetGrid
from planreports.read.header import find_header, synonym_table
from planreports.read.notes import grid_findings
from planreports.read.isolate import Crashed, run_isolated
from planreports.read.safety import UnsafeFileError
from planreports.read.table import rows_from_grid, skipped
from planreports.read.xls import read_xls
from planreports.read.xlsx import read_xlsx

T = TypeVar("T")
IN_MEMORY_BYTES = 64 * 1024 * 1024  # larger files are hashed and parsed from disk


@dataclass(frozen=True)
class ReadOptions:
    """What a worker needs to read one file (picklable)."""

    root: Path
    columns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    password: str | None = None


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


def _open_ole2(path: Path, label: str, password: str | None) -> tuple[str, object]:
    """An OLE2 file is a legacy .xls or an encrypted OOXML workbook; tell them apart."""
    with path.open("rb") as handle:
        try:
            office = msoffcrypto.OfficeFile(handle)
            encrypted = office.is_encrypted()
        except Exception:  # noqa: BLE001 - not an Office container msoffcrypto knows
            return "xls", path
        if not encrypted:
            return "xls", path
        if not password:
            return "encrypted", None
        try:
            office.load_key(password=password)
            out = io.BytesIO()
            office.decrypt(out)
        except Exception as exc:  # noqa: BLE001 - wrong password or unsupported scheme
            return "encrypted-bad-password", str(exc)
    data = out.getvalue()
    return ("xlsx" if data.startswith(b"PK") else "xls"), data


def _grids(kind: str, source: Path | bytes) -> list[SheetGrid]:
    if kind == "xlsx":
        return read_xlsx(source)  # from a path or from memory
    if isinstance(source, bytes):  # a decrypted legacy workbook: its reader wants a path
        with tempfile.NamedTemporaryFile(suffix=".xls", delete=False) as tmp:
            tmp.write(source)
        try:
            return _grids(kind, Path(tmp.name))
        finally:
            os.unlink(tmp.name)
    reader: Callable[[Path], list[SheetGrid]] = {"xls": read_xls, "csv": read_csv}[kind]
    return reader(source)


def _describe_error(exc: BaseException) -> str:
    """What is wrong with a file, in words for the finding; never a traceback."""

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, UnsafeFileError):
        return text  # already says what and that it was refused
    if isinstance(exc, zipfile.BadZipFile):
        return "the file is damaged or truncated (not a complete zip container)"
    if isinstance(exc, KeyError) and "xl/workbook.xml" in text:
        return "a zip file, but not an Excel workbook (it has no xl/workbook.xml)"
    name = type(exc).__name__
    if "Calamine" in name or "Zip" in name or "Xml" in name:
        return f"the workbook is damaged or truncated ({text or name})"
    if isinstance(exc, EOFError | OSError) or "xlrd" in type(exc).__module__:
        return f"the workbook is damaged or truncated ({text or name})"
    return f"{text or name}"


def read_file(path: Path, options: ReadOptions) -> FileResult:
    """Read one tracker: sniff, open, find each sheet's header, turn rows into Rows."""
    label = path.relative_to(options.root).as_posix()
    # A tracker is read from memory, once: its hash is then of the very bytes parsed, even if
    # a sync client rewrites the file meanwhile. A huge file is streamed from disk instead.
    data = path.read_bytes() if path.stat().st_size <= IN_MEMORY_BYTES else None
    if data is not None:
        digest = hashlib.sha256(data).hexdigest()
        kind, why = sniff_head(data[:4096], path.suffix)
    else:
        digest = sha256_of(path)
        kind, why = sniff(path)

    def failed(code: str, reason: str) -> FileResult:
        message = f"{label}: {reason}"
        return FileResult(
            input=InputFile(path=label, sha256=digest, status="failed", format=kind, reason=reason),
            findings=(finding(code, message, file=label),),
        )

    if kind == "unreadable":
        return failed("unreadable-file", why)
    source: Path | bytes = data if kind == "xlsx" and data is not None else path
    if kind == "ole2":
        kind, opened = _open_ole2(path, label, options.password)
        if kind == "encrypted":
            return failed(
                "encrypted-file",
                "the workbook is password-protected; set inputs.password_env in config.yaml "
                "to the name of an environment variable holding the password",
            )
        if kind == "encrypted-bad-password":
            return failed(
                "encrypted-file",
                "the workbook is password-protected and the configured password did not open it",
            )
        source = opened  # type: ignore[assignment]
    try:
        grids = _grids(kind, source)
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's finding
        return failed("unreadable-file", _describe_error(exc))

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
            format=kind,
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
    timeout: float = 60.0,
    memory_mb: int = 2048,
    progress: Callable[[str], None] | None = None,
) -> ReadResult:
    """Read every tracker under `root`, each in a worker process; results in file order."""
    listing = list_inputs(root)
    paths = listing.files
    options = ReadOptions(root=root, columns=dict(columns or {}), password=password)
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
            result = FileResult(
                input=InputFile(
                    path=label, sha256=_sha256_or_blank(path), status="failed",
                    reason=answer.reason,
                ),
                findings=(finding("unreadable-file", f"{label}: {answer.reason}", file=label),),
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
