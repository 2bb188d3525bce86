"""Read legacy .xls: values, dates and merges with python-calamine, fills from the records.

An .xls saved by Excel 97-2003 or Excel 5/95 is a compound file (OLE2) holding a BIFF8 or
BIFF5 workbook stream: calamine reads it, and `biff` adds what calamine does not give (the
fills, encryption, how far the values really reach). A workbook saved by Excel 2, 3 or 4
is a bare BIFF stream with no container, which calamine cannot read and xlrd can; xlrd is
also tried on a container calamine refuses. Either way the grid is as large as the values
it really holds (`sparse`), so time and memory follow the cells, not the stored size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
import struct

import olefile
import python_calamine

from planreports.read import biff, colour
from planreports.read.cfb import one_stream_file
from planreports.read.grid import SheetGrid
from planreports.read.refusals import library_words, reader_failure
from planreports.read.sparse import NAMED, Extent, dense, table_extent

STATES = {"Hidden": "hidden", "VeryHidden": "very hidden"}


class EncryptedWorkbook(ValueError):
    """The workbook stream is encrypted (or XOR-obfuscated): a password is needed."""


class NotAWorkbookContainer(ValueError):
    """A compound file with no workbook stream (a Word document, an Outlook message...)."""


class XlsRefused(ValueError):
    """Neither calamine nor xlrd could read the workbook; the message holds both their words."""


def workbook_stream(container: bytes) -> tuple[str, bytes]:
    """The name and bytes of a compound file's workbook stream ("Book" in Excel 5/95)."""
    with olefile.OleFileIO(container) as ole:
        for name in ("Workbook", "Book"):
            if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM:
                return name, ole.openstream(name).read()
    raise NotAWorkbookContainer("the compound file holds no workbook stream")


def deobfuscated(container: bytes, passwords: list[str]) -> bytes | None:
    """The container with an XOR-obfuscated workbook stream made plain with the first of
    `passwords` that opens it (see biff.py); raises EncryptedWorkbook when none does, and
    gives None when the stream is not XOR-obfuscated (RC4: for msoffcrypto)."""
    name, stream = workbook_stream(container)
    if biff.xor_filepass(stream) is None:
        return None
    for password in passwords:
        plain = biff.xor_deobfuscated(stream, password)
        if plain is not None:
            return one_stream_file(name, plain)
    raise EncryptedWorkbook("no password tried opens the XOR obfuscation")


def read_xls(container: bytes) -> list[SheetGrid]:
    """Every sheet of a compound-file .xls as grids; fills on demand, far strays named."""
    name, stream = workbook_stream(container)
    book = biff.read_globals(stream)
    if book.encrypted:
        raise EncryptedWorkbook("the workbook stream is encrypted")
    # Every sheet that holds cells, hidden ones and macro sheets too: calamine builds each
    # one's grid when it opens the workbook, whether or not it is ever read.
    scans = {
        i: biff.scan_sheet(stream, entry.offset, f"sheet {i + 1}")
        for i, entry in enumerate(book.sheets)
        if entry.kind in ("worksheet", "macro sheet")
    }
    if any(biff.needs_patch(scan) for scan in scans.values()):
        patched = bytearray(stream)
        for i, scan in scans.items():
            if biff.needs_patch(scan):
                biff.patch_sheet(patched, book.sheets[i].offset, scan)
        stream = bytes(patched)
        container = one_stream_file(name, stream)
    try:
        return _calamine_grids(container, stream, book, scans)
    except BaseException as first:
        if not reader_failure(first):
            raise
        try:
            return read_with_xlrd(container)
        except Exception as second:  # noqa: BLE001 - both readers' words go to the developer
            raise XlsRefused(
                f"calamine: {library_words(first)}; xlrd: {library_words(second)}"
            ) from second


def _calamine_grids(
    container: bytes, stream: bytes, book: biff.Globals, scans: dict[int, biff.SheetScan]
) -> list[SheetGrid]:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(container))
    try:
        metadata = workbook.sheets_metadata
        # calamine lists the sheets in the globals' order: its i-th is our i-th when it
        # lists as many (otherwise colours are not matched to a sheet, rather than guessed).
        entries = book.sheets if len(book.sheets) == len(metadata) else [None] * len(metadata)
        grids = []
        for i, (meta, entry) in enumerate(zip(metadata, entries, strict=True)):
            visibility = str(meta.visible).rsplit(".", 1)[-1]
            state = STATES.get(visibility, "visible")
            kind = entry.kind if entry else (
                "worksheet" if "WorkSheet" in str(meta.typ) else str(meta.typ).rsplit(".", 1)[-1]
            )
            if state != "visible" or kind != "worksheet":
                grids.append(SheetGrid(name=meta.name, values=[], visible=state == "visible",
                                       state=state, kind=kind))
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            values = sheet.to_python(skip_empty_area=False)
            merged = tuple(
                (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            )
            scan = scans.get(i)
            strays = scan.extent.strays if scan and scan.extent else ()
            grids.append(SheetGrid(
                name=meta.name, values=values, merged=merged,
                column_fills=functools.partial(
                    biff.column_fills, stream, entry.offset, book.fills
                ) if entry else None,
                strays=tuple((r, c, "") for r, c in strays[:NAMED]),
                stray_count=len(strays),
            ))
        return grids
    finally:
        workbook.close()


# --- xlrd: Excel 2, 3 and 4 files, and containers calamine refuses ---------------------------


def is_bare_biff(head: bytes) -> bool:
    """Whether a file starts with a BIFF2-5 BOF record (a workbook with no container)."""
    if len(head) < 4:
        return False
    number, length = struct.unpack_from("<HH", head)
    return number in (0x0009, 0x0209, 0x0409, 0x0809) and 4 <= length <= 20


def _value(cell: object, datemode: int) -> object:
    import xlrd

    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind == xlrd.XL_CELL_DATE:
        try:
            when = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return value
        return when.date() if when.time() == dt.time() else when
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    return value


def _open_xlrd(data: bytes) -> object:
    import xlrd

    # xlrd reports on a log file (stdout by default): never ours.
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        options = {"file_contents": data, "logfile": quiet, "verbosity": 0,
                   "ragged_rows": True, "ignore_workbook_corruption": True}
        try:
            return xlrd.open_workbook(formatting_info=True, **options)
        except Exception:  # noqa: BLE001 - formatting records it cannot take: values alone
            return xlrd.open_workbook(formatting_info=False, **options)


def read_with_xlrd(data: bytes) -> list[SheetGrid]:
    """Every sheet as grids through xlrd, only the cells really held (rows are ragged)."""
    book = _open_xlrd(data)
    palette = getattr(book, "colour_map", {}) or {}
    grids: list[SheetGrid] = []
    for sheet in book.sheets():  # type: ignore[attr-defined]
        if sheet.visibility:  # 1 hidden, 2 very hidden
            state = "very hidden" if sheet.visibility == 2 else "hidden"
            grids.append(SheetGrid(name=sheet.name, values=[], visible=False, state=state))
            continue
        cells: dict[tuple[int, int], object] = {}
        fills: dict[tuple[int, int], str] = {}
        for r in range(sheet.nrows):
            for c, cell in enumerate(sheet.row(r)):
                value = _value(cell, book.datemode)  # type: ignore[attr-defined]
                if value != "":
                    cells[(r, c)] = value
                fill = _xf_fill(book, palette, cell.xf_index)
                if fill:
                    fills[(r, c)] = fill
        extent: Extent = table_extent(cells)
        merged = tuple((r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells)
        grids.append(SheetGrid(
            name=sheet.name, values=dense(cells, extent), merged=merged,
            fills={k: v for k, v in fills.items() if k[0] < extent.rows and k[1] < extent.cols},
            strays=tuple((r, c, str(cells[(r, c)])) for r, c in extent.strays[:NAMED]),
            stray_count=len(extent.strays),
        ))
    return grids


def _xf_fill(book: object, palette: dict, xf_index: int | None) -> str | None:
    xf_list = getattr(book, "xf_list", None)
    if not xf_list or xf_index is None or xf_index >= len(xf_list):
        return None
    background = xf_list[xf_index].background
    if background.fill_pattern != 1:
        return None
    rgb = palette.get(background.pattern_colour_index)
    if not rgb:
        return None
    red, green, blue = rgb
    return colour.resolve_colour(rgb=f"FF{red:02X}{green:02X}{blue:02X}")
