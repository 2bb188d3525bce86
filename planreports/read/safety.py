"""Refuse a hostile .xlsx package before any parser sees it: zip bombs, XML entity payloads,
sheets whose cells span more of the grid than any reader can hold.

The zip and XML checks read only the zip directory and the first bytes of each part, so a
refusal is quick whatever the file claims. python-calamine is never handed a file that fails
one: it does not expand entities (it stops at the first `&name;`, a confusing message), and
it would abort the interpreter on a grid too large to allocate.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping

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


def _read_head(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part's first bytes: 4 KB, or 64 KB when the root element has not started by then."""
    with zf.open(name) as handle:
        head = handle.read(4096)  # the prolog of every part Office writes fits in this
        if b"<!" in head or not _ELEMENT_START.search(head.decode("latin-1")):
            head += handle.read(PROLOG_BYTES - len(head))
    return head


def _decode(head: bytes) -> tuple[str, bool]:
    """A part's head as text, and whether its root element starts within it."""
    # A part may be UTF-16 (with a BOM, or without one but with NULs between ASCII bytes);
    # decode it so that a DTD cannot hide behind the encoding.
    if head.startswith(b"\xfe\xff") or head[:1] == b"\x00":
        text = head.decode("utf-16-be", errors="ignore")
    elif head.startswith(b"\xff\xfe") or head[1:2] == b"\x00":
        text = head.decode("utf-16-le", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    return text, bool(_ELEMENT_START.search(text)) or len(head) < PROLOG_BYTES


def check_xml_parts(zf: zipfile.ZipFile, read: Mapping[str, bytes] | None = None) -> None:
    """Refuse any XML part with a DTD: OPC forbids them, and only an attack uses one there.

    An entity declaration is how XXE (reading the reader's own files) and billion-laughs
    (a few hundred bytes that expand to gigabytes) work; no Office writer emits a DOCTYPE.
    A DTD must come before the root element, so the first 64 KB hold it; a part whose root
    element starts later than that is refused too. (Text in a CDATA section that quotes
    "<!DOCTYPE" would be refused as well: no tracker does that.) `read` holds parts the
    caller has inflated already, so that they are not opened twice. Once this has passed,
    any XML parser may be given the parts: there is no DTD left to expand.
    """
    read = read or {}
    for info in zf.infolist():
        name = info.filename
        # The workbook's own parts: the package's [Content_Types].xml, _rels/.rels and
        # docProps/ are parsed by no reader here (nor by calamine), so a DTD there is inert.
        if not name.startswith("xl/") or not name.lower().endswith((".xml", ".rels", ".vml")):
            continue
        data = read.get(name)
        head, has_root = _decode(data[:PROLOG_BYTES] if data is not None else _read_head(zf, name))
        if not has_root:
            raise UnsafeFileError(
                f"the workbook's part {name} has no XML element in its first "
                f"{PROLOG_BYTES // 1024} KB (refused)"
            )
        if "<!DOCTYPE" in head or "<!ENTITY" in head:
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
