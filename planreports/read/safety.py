"""Refuse a hostile .xlsx package before any parser sees it: zip bombs, XML entity payloads,
sheets whose cells span more of the grid than any reader can hold.

The zip and XML checks read only the zip directory and the first bytes of each part, so a
refusal is quick whatever the file claims. python-calamine is never handed a file that fails
one: it does not expand entities (it stops at the first `&name;`, a confusing message), and
it would abort the interpreter on a grid too large to allocate.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Mapping

from planreports.read.grid import cell_name

# Declared sizes beyond these are a zip bomb or a hostile file, not a tracker.
MAX_PART_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
# XML deflates 5-20x; a part that would inflate far more than that and to many megabytes is
# a run of one repeated byte, which no spreadsheet writer produces.
MAX_RATIO = 200
RATIO_CHECKED_ABOVE = 50 * 1024 * 1024
# A grid of this many cells (A1 to the farthest cell) is still a sheet a PMO could keep
# (100,000 rows by 50 columns) and fits the worker's memory budget several times over.
MAX_CELLS = 5_000_000
# A DTD can only come before the root element, so it is in the first bytes of a part.
PROLOG_BYTES = 64 * 1024
# The root element's start tag: the first "<" followed by a name (not "<?", "<!").
_ELEMENT_START = re.compile(r"<[A-Za-z_]")
_ELEMENT_START_BYTES = re.compile(rb"<[A-Za-z_]")


class UnsafeFileError(ValueError):
    """The file's declared structure is hostile; the message says what, for the finding."""


def check_sizes(zf: zipfile.ZipFile) -> None:
    """Refuse a zip whose directory declares absurd sizes, before inflating anything."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise UnsafeFileError(
                f"the workbook's part {info.filename} declares {info.file_size:,} bytes, "
                "far more than any tracker holds (refused)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_RATIO:
            raise UnsafeFileError(
                f"the workbook looks like a zip bomb: part {info.filename} would inflate "
                f"{ratio:,.0f} times, to {info.file_size:,} bytes (refused)"
            )
    if total > MAX_TOTAL_BYTES:
        raise UnsafeFileError(
            f"the workbook's parts declare {total:,} bytes in all, far more than any tracker "
            "holds (refused)"
        )


def _read_head(zf: zipfile.ZipFile, name: str, size: int) -> bytes:
    with zf.open(name) as handle:
        return handle.read(size)


def _head(first_bytes: Callable[[str, int], bytes], name: str) -> bytes:
    """A part's first bytes: 4 KB, or 64 KB when the root element has not started by then."""
    head = first_bytes(name, 4096)  # the prolog of every part Office writes fits in this
    if len(head) == 4096 and (b"<!" in head or not _ELEMENT_START_BYTES.search(head)):
        head = first_bytes(name, PROLOG_BYTES)
    return head


def _decode(head: bytes) -> tuple[str, bool]:
    """A UTF-16 part's head as text, and whether its root element starts within it."""
    # A part may be UTF-16 (with a BOM, or without one but with NULs between ASCII bytes);
    # decode it so that a DTD cannot hide behind the encoding.
    if head.startswith(b"\xfe\xff") or head[:1] == b"\x00":
        text = head.decode("utf-16-be", errors="ignore")
    else:
        text = head.decode("utf-16-le", errors="ignore")
    return text, bool(_ELEMENT_START.search(text)) or len(head) < PROLOG_BYTES


def _scan_head(head: bytes) -> tuple[bool, bool]:
    """(has a DTD, its root element starts within the head) for a part's first bytes."""
    if head.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in head[:2]:
        text, has_root = _decode(head)
        return "<!DOCTYPE" in text or "<!ENTITY" in text, has_root
    # Any other encoding an XML parser here accepts (UTF-8, ASCII, Latin-1 and the like)
    # spells markup in ASCII bytes, so the bytes are searched as they are: no decoding. (The
    # parser refuses encodings that do not, such as EBCDIC, as unknown.)
    has_root = _ELEMENT_START_BYTES.search(head) is not None or len(head) < PROLOG_BYTES
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head, has_root


# Parts no reader here parses as XML (nor calamine, nor openpyxl's values): document
# properties, custom XML, and the content types, which are only searched for the workbook's
# name. The package's own _rels/.rels is read with `has_dtd` first (see package.py).
_INERT = ("docprops/", "customxml/", "[content_types].xml", "_rels/.rels")


def _parsed(name: str) -> bool:
    """Whether a reader may parse the part: every XML part of the workbook, wherever the
    package keeps it (its parts need not be under xl/)."""
    lowered = name.replace("\\", "/").lstrip("/").lower()
    return lowered.endswith((".xml", ".rels", ".vml")) and not lowered.startswith(_INERT)


def has_dtd(data: bytes) -> bool:
    """Whether a part's first bytes declare a DTD (in any encoding a parser here reads)."""
    return _scan_head(data[:PROLOG_BYTES])[0]


def check_xml_parts(
    zf: zipfile.ZipFile,
    read: Mapping[str, bytes] | None = None,
    first_bytes: Callable[[str, int], bytes] | None = None,
) -> None:
    """Refuse any XML part with a DTD: OPC forbids them, and only an attack uses one there.

    An entity declaration is how XXE (reading the reader's own files) and billion-laughs
    (a few hundred bytes that expand to gigabytes) work; no Office writer emits a DOCTYPE.
    A DTD must come before the root element, so the first 64 KB hold it; a part whose root
    element starts later than that is refused too. (Text in a CDATA section that quotes
    "<!DOCTYPE" would be refused as well: no tracker does that.) `read` holds parts the
    caller has inflated already, so that they are not opened twice; `first_bytes(name, n)`
    gives any other part's first n bytes (by default through `zf`). Once this has passed,
    any XML parser may be given the parts: there is no DTD left to expand.
    """
    read = read or {}
    if first_bytes is None:
        first_bytes = functools.partial(_read_head, zf)
    for info in zf.infolist():
        name = info.filename
        if not _parsed(name):
            continue
        data = read.get(name)
        dtd, has_root = _scan_head(
            data[:PROLOG_BYTES] if data is not None else _head(first_bytes, name)
        )
        if not has_root:
            raise UnsafeFileError(
                f"the workbook's part {name} has no XML element in its first "
                f"{PROLOG_BYTES // 1024} KB (refused)"
            )
        if dtd:
            raise UnsafeFileError(
                f"the workbook contains an XML entity payload in {name} (refused)"
            )


def too_large(sheet: str, rows: int, cols: int) -> UnsafeFileError:
    """The refusal for a sheet whose cells span more of the grid than a reader can hold.

    python-calamine builds a dense grid from A1 to the farthest cell: one stray value in
    XFD1048576 makes that 17 billion cells, and the allocation aborts the interpreter.
    """
    return UnsafeFileError(
        f"sheet '{sheet}' has cells as far as {cell_name(rows - 1, cols - 1)}, so it spans "
        f"{rows:,} rows by {cols:,} columns ({rows * cols:,} cells, more than the "
        f"{MAX_CELLS:,} a tracker can hold); clear the stray cells and save again (refused)"
    )
