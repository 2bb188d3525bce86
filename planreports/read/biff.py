"""The records of a legacy .xls workbook stream (BIFF5/BIFF8) that calamine does not give.

calamine reads the values, dates and merges of an .xls; this reads what it leaves out or
gets wrong for us: whether the workbook is encrypted (calamine reads an XOR-obfuscated one
as garbage), each cell format's fill and the workbook's palette (RAG given by colour
alone), and how far each sheet's values really reach. A sheet whose values reach past the
budget has its far stray values taken out of the stream (`without_strays`), and a sheet's
stored size that claims far more than its values is corrected, before calamine builds its
dense grid from either. Records are read by their stated lengths; a record that runs past
the end of the stream ends the scan (calamine then says what is wrong with the file).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from msoffcrypto.method.xor_obfuscation import DocumentXOR

from planreports.read import colour
from planreports.read.safety import MAX_CELLS
from planreports.read.sheetxml import too_many
from planreports.read.sparse import Extent, table_extent

BOF, EOF, FILEPASS, BOUNDSHEET, XF, PALETTE = 0x0809, 0x000A, 0x002F, 0x0085, 0x00E0, 0x0092
DIMENSIONS, STRING, FORMULA, MULRK, MULBLANK, BLANK = 0x0200, 0x0207, 0x0006, 0x00BD, 0x00BE, 0x0201
FILLER = 0x0000  # no record has this number: a reader passes over it (as over FILEPASS decrypted)
# Records that hold one cell: row, column and cell format first.
ONE_VALUE = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, FORMULA})
_HEADER = struct.Struct("<HH")
_CELL = struct.Struct("<HHH")
KINDS = {0: "worksheet", 1: "macro sheet", 2: "chart sheet", 6: "VBA module"}


def records(stream: bytes, start: int = 0) -> Iterator[tuple[int, int, int]]:
    """(record number, offset of its data, its length), up to the end of the stream."""
    pos, end = start, len(stream)
    while pos + 4 <= end:
        number, length = _HEADER.unpack_from(stream, pos)
        if pos + 4 + length > end:
            return
        yield number, pos + 4, length
        pos += 4 + length


@dataclass
class SheetEntry:
    """A sheet as the workbook globals list it."""

    offset: int
    state: str  # visible | hidden | very hidden
    kind: str


@dataclass
class Globals:
    """The workbook globals: BIFF version, encryption, sheets and each cell format's fill."""

    biff: int  # 8 (Excel 97-2003) or 5 (Excel 5/95)
    encrypted: bool = False
    sheets: list[SheetEntry] = field(default_factory=list)
    fills: list[str | None] = field(default_factory=list)  # by cell format (XF) index


def read_globals(stream: bytes) -> Globals:
    """The workbook globals substream, from the stream's first BOF to its EOF."""
    version = struct.unpack_from("<H", stream, 4)[0] if len(stream) >= 6 else 0x0600
    book = Globals(biff=5 if version == 0x0500 else 8)
    palette = list(colour.INDEXED_COLOURS)
    xfs: list[tuple[int, int]] = []  # (fill pattern, pattern colour index)
    for number, at, length in records(stream):
        if number == EOF:
            break
        if number == FILEPASS:
            book.encrypted = True
        elif number == BOUNDSHEET and length >= 6:
            offset, state, kind = struct.unpack_from("<IBB", stream, at)
            book.sheets.append(SheetEntry(
                offset, {1: "hidden", 2: "very hidden"}.get(state & 0x03, "visible"),
                KINDS.get(kind, "sheet"),
            ))
        elif number == PALETTE and length >= 2:
            count = min(struct.unpack_from("<H", stream, at)[0], (length - 2) // 4)
            for i in range(count):
                if 8 + i < len(palette):
                    red, green, blue = stream[at + 2 + 4 * i : at + 5 + 4 * i]
                    palette[8 + i] = f"#{red:02X}{green:02X}{blue:02X}"
        elif number == XF and book.biff == 8 and length >= 20:
            packed, colours = struct.unpack_from("<IH", stream, at + 14)
            xfs.append(((packed >> 26) & 0x3F, colours & 0x7F))
        elif number == XF and book.biff == 5 and length >= 16:
            packed = struct.unpack_from("<I", stream, at + 8)[0]
            xfs.append(((packed >> 16) & 0x3F, packed & 0x7F))
    book.fills = [
        colour.resolve_colour(indexed=index, indexed_palette=tuple(palette))
        if pattern == 1 else None  # a solid fill shows its pattern colour
        for pattern, index in xfs
    ]
    return book


@dataclass
class SheetScan:
    """How far a sheet's values reach, and what must change for calamine to read it."""

    values: int = 0
    rows: int = 0
    cols: int = 0
    dimensions: int = -1  # offset of the DIMENSIONS record's data, or -1
    dimension_cells: int = 0  # how many cells it claims
    extent: Extent | None = None  # set when the values reach past the budget


def _sheet_records(stream: bytes, offset: int) -> Iterator[tuple[int, int, int]]:
    """A sheet's own records: from its BOF to its EOF, an embedded chart's passed over."""
    depth = 0
    for number, at, length in records(stream, offset):
        if number == BOF:
            depth += 1
        elif number == EOF:
            depth -= 1
            if depth <= 0:
                return
        elif depth == 1:
            yield number, at, length


def cells(stream: bytes, offset: int, *, blanks: bool) -> Iterator[tuple[int, int, int]]:
    """(row, col, cell format) of each cell record of a sheet (blank ones when asked)."""
    for number, at, length in _sheet_records(stream, offset):
        if number in ONE_VALUE or (blanks and number == BLANK):
            if length >= 6:
                yield _CELL.unpack_from(stream, at)
        elif number == MULRK or (blanks and number == MULBLANK):
            if length < 6:
                continue
            row, first = struct.unpack_from("<HH", stream, at)
            step = 6 if number == MULRK else 2
            for i in range((length - 6) // step):
                yield row, first + i, struct.unpack_from("<H", stream, at + 4 + step * i)[0]


def scan_sheet(stream: bytes, offset: int, name: str) -> SheetScan:
    """Count a sheet's values and their reach; find its far strays when they are past the
    budget (refused only when the values themselves are more than the budget)."""
    scan = SheetScan()
    for number, at, length in _sheet_records(stream, offset):
        if number == DIMENSIONS and length >= 10:
            scan.dimensions = at
            if length >= 14:  # BIFF8: 32-bit rows
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, at)
            else:
                first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, at)
            scan.dimension_cells = max(last_row - first_row, 0) * max(last_col - first_col, 0)
    rows = cols = count = 0
    for row, col, _xf in cells(stream, offset, blanks=False):
        count += 1
        rows, cols = max(rows, row + 1), max(cols, col + 1)
    scan.values, scan.rows, scan.cols = count, rows, cols
    if rows * cols > MAX_CELLS:
        if count > MAX_CELLS:
            raise too_many(name, count)
        scan.extent = table_extent(
            (row, col) for row, col, _xf in cells(stream, offset, blanks=False)
        )
    return scan


def needs_patch(scan: SheetScan) -> bool:
    """Whether calamine must be given a corrected stream for this sheet."""
    return bool(scan.extent and scan.extent.strays) or scan.dimension_cells > MAX_CELLS


def patch_sheet(stream: bytearray, offset: int, scan: SheetScan) -> None:
    """Take the sheet's strays out of the stream and size its DIMENSIONS to its table, in
    place (same length: a record is turned into filler, or cut short with filler after it)."""
    rows = scan.extent.rows if scan.extent else scan.rows
    cols = scan.extent.cols if scan.extent else scan.cols
    if scan.dimensions >= 0:
        length = _HEADER.unpack_from(stream, scan.dimensions - 4)[1]
        form = "<IIHH" if length >= 14 else "<HHHH"
        struct.pack_into(form, stream, scan.dimensions, 0, rows, 0, cols)
    if not (scan.extent and scan.extent.strays):
        return
    far = set(scan.extent.strays)
    orphan_string = False  # a stray formula's text result follows it in a STRING record
    for number, at, length in list(_sheet_records(bytes(stream), offset)):
        if number == STRING and orphan_string:
            _to_filler(stream, at - 4, length)
            orphan_string = False
        elif number in ONE_VALUE and length >= 6:
            row, col = struct.unpack_from("<HH", stream, at)
            if (row, col) in far:
                _to_filler(stream, at - 4, length)
                orphan_string = number == FORMULA
            elif number == FORMULA:
                orphan_string = False
        elif number == MULRK and length >= 6:
            row, first = struct.unpack_from("<HH", stream, at)
            count = (length - 6) // 6
            kept = next((i for i in range(count) if (row, first + i) in far), count)
            if kept == 0:
                _to_filler(stream, at - 4, length)
            elif kept < count:  # the stray columns are the record's last ones
                new = 6 + 6 * kept
                struct.pack_into("<H", stream, at - 2, new)
                struct.pack_into("<H", stream, at + new - 2, first + kept - 1)
                _to_filler(stream, at + new, length - new - 4)


def _to_filler(stream: bytearray, header: int, length: int) -> None:
    struct.pack_into("<HH", stream, header, FILLER, length)
    stream[header + 4 : header + 4 + length] = bytes(length)


def column_fills(stream: bytes, offset: int, fills: list[str | None], col: int) -> dict[int, str]:
    """0-based row -> the fill of the cells of one column (blank cells too: a RAG cell that
    is only coloured holds no value)."""
    out = {}
    for row, c, xf in cells(stream, offset, blanks=True):
        if c == col and xf < len(fills) and (fill := fills[xf]):
            out[row] = fill
    return out


# Records an XOR-obfuscated workbook keeps in the clear (MS-XLS 2.2.10), besides the stream
# offset that starts each BoundSheet record.
_CLEAR = frozenset({BOF, FILEPASS, 0x0194, 0x0195, 0x00E1, 0x0138, 0x0196})


def xor_filepass(stream: bytes) -> tuple[int, int] | None:
    """(offset, length) of the FILEPASS record's data when the stream is XOR-obfuscated (not
    RC4-encrypted), else None."""
    for number, at, length in records(stream):
        if number == EOF:
            return None
        if number == FILEPASS:
            if length == 4 or (length == 6 and struct.unpack_from("<H", stream, at)[0] == 0):
                return at, length
            return None
    return None


def xor_deobfuscated(stream: bytes, password: str) -> bytes | None:
    """The stream with its XOR obfuscation (MS-OFFCRYPTO 2.3.7, method 1) undone, or None
    when `password` is not its password. For an Excel 5/95 "Book" stream, which msoffcrypto
    does not take; the same method as Excel 97's XOR."""
    found = xor_filepass(stream)
    if found is None:
        return None
    at, length = found
    verifier = struct.unpack_from("<H", stream, at + length - 2)[0]
    if not DocumentXOR.verifypw(password, verifier):
        return None
    array = DocumentXOR.create_xor_array_method1(password)
    out = bytearray(stream)
    for number, start, size in records(stream):
        if number in _CLEAR or not size:
            continue
        skip = 4 if number == BOUNDSHEET else 0  # its offset into the stream is in the clear
        first, end = start + skip, start + size
        # The array is indexed from where the record ends (MS-OFFCRYPTO 2.3.7.4).
        index = (end + skip) % 16
        for i in range(first, end):
            value = stream[i] ^ array[index]
            out[i] = ((value >> 5) | (value << 3)) & 0xFF
            index = (index + 1) % 16
    struct.pack_into("<H", out, at - 4, FILLER)  # no longer obfuscated: FILEPASS goes
    return bytes(out)
