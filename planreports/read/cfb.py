"""Write a compound file (OLE2, the container of a legacy .xls) holding one stream.

When a workbook stream has been corrected (see biff.py) it is handed to calamine in a new
container of its own: the file's other streams (summary information, a VBA project) are
never read, so they are left behind. Version 3 of the format (512-byte sectors), as Excel
writes it, with the extra sector list (DIFAT) a stream of more than 7 MB needs.
"""

from __future__ import annotations

import struct

SECTOR = 512
PER_SECTOR = SECTOR // 4
MINI_CUTOFF = 4096  # a smaller stream would belong in the mini stream: padded past it instead
FREE, END, FAT_SECTOR, DIFAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NO_STREAM = 0xFFFFFFFF
IN_HEADER = 109  # FAT sectors the header lists itself
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # black: a one-entry tree is balanced
        + struct.pack("<III", NO_STREAM, NO_STREAM, child)
        + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        + struct.pack("<IQ", start, size)
    )


def _counts(stream_sectors: int) -> tuple[int, int]:
    """(DIFAT sectors, FAT sectors) for a file of one directory sector and the stream."""
    difat = fat = 0
    while True:
        total = difat + fat + 1 + stream_sectors
        need_fat = -(-total // PER_SECTOR)
        need_difat = -(-max(0, need_fat - IN_HEADER) // (PER_SECTOR - 1))
        if (need_fat, need_difat) == (fat, difat):
            return difat, fat
        fat, difat = need_fat, need_difat


def one_stream_file(name: str, data: bytes) -> bytes:
    """A compound file whose root holds `data` as the stream `name`."""
    # Zero bytes after a BIFF stream's last record read as records of no kind and no length.
    body = data.ljust(MINI_CUTOFF, b"\0")
    stream_sectors = -(-len(body) // SECTOR)
    difat, fat = _counts(stream_sectors)
    fat_ids = list(range(difat, difat + fat))
    directory = difat + fat
    first = directory + 1
    table = [DIFAT_SECTOR] * difat + [FAT_SECTOR] * fat + [END]
    table += [first + i + 1 for i in range(stream_sectors - 1)] + [END]
    table += [FREE] * (fat * PER_SECTOR - len(table))
    listed = fat_ids[:IN_HEADER] + [FREE] * (IN_HEADER - min(fat, IN_HEADER))
    header = (
        SIGNATURE + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, fat, directory, 0, MINI_CUTOFF, END, 0,
                      0 if difat else END, difat)
        + struct.pack(f"<{IN_HEADER}I", *listed)
    )
    difat_sectors = b""
    rest = fat_ids[IN_HEADER:]
    for k in range(difat):
        ids = rest[k * (PER_SECTOR - 1) : (k + 1) * (PER_SECTOR - 1)]
        ids += [FREE] * (PER_SECTOR - 1 - len(ids))
        difat_sectors += struct.pack(f"<{PER_SECTOR}I", *ids, k + 1 if k + 1 < difat else END)
    entries = _entry("Root Entry", 5, 1, END, 0) + _entry(name, 2, NO_STREAM, first, len(body))
    entries += _entry("", 0, NO_STREAM, 0, 0) * (SECTOR // 128 - 2)
    return (
        header
        + difat_sectors
        + struct.pack(f"<{len(table)}I", *table)
        + entries
        + body.ljust(stream_sectors * SECTOR, b"\0")
    )
