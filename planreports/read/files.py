"""Which files in the inputs folder are trackers, and what each really is (by its bytes)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from planreports.read import refusals
from planreports.read.xls import is_bare_biff

EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".csv"})
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"  # a zip with no entries: its directory's end record alone
GZIP = b"\x1f\x8b"
SHORTCUT = b"L\x00\x00\x00\x01\x14\x02\x00"  # a Windows .lnk file's header


def _skipped_name(name: str) -> bool:
    return name.startswith((".", "~$", "~")) or name.endswith((".tmp", "#"))


def is_skipped_silently(path: Path, root: Path) -> bool:
    """Office lock files (~$...), LibreOffice locks, hidden and temporary files."""
    return any(_skipped_name(part) for part in path.relative_to(root).parts)


@dataclass(frozen=True)
class Listing:
    """The trackers under the inputs folder, and any folder that could not be listed."""

    files: list[Path]
    # folder relative to the inputs folder (posix, ending in "/"), and why it was not listed
    unlisted: list[tuple[str, str]] = field(default_factory=list)


def list_inputs(root: Path) -> Listing:
    """Every tracker under `root`, recursively, in a stable order.

    Linked folders are not followed (a link back up would loop); linked files are read. A
    folder that cannot be listed is named in `unlisted`: its trackers are not silently lost.
    """
    if not root.is_dir():
        return Listing([])
    found: list[tuple[str, Path]] = []
    unlisted: list[tuple[str, str]] = []
    # os.scandir, not Path.rglob: a region's folder of trackers is listed in a tenth of the
    # time, since each entry's type comes with the listing instead of a stat per path.
    folders = [(root, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if _skipped_name(entry.name):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((Path(entry.path), f"{prefix}{entry.name}/"))
                    elif os.path.splitext(entry.name)[1].lower() in EXTENSIONS and (
                        entry.is_file() or entry.is_symlink()
                    ):
                        # A link to a folder, or to nothing, named like a tracker is listed
                        # too: the reader says what it is, rather than it going unseen.
                        found.append((f"{prefix}{entry.name}".lower(), Path(entry.path)))
        except OSError as exc:
            unlisted.append((prefix or "./", exc.strerror or type(exc).__name__))
    found.sort(key=lambda pair: pair[0])
    return Listing([path for _, path in found], sorted(unlisted))


def discover(root: Path) -> list[Path]:
    """Every tracker under `root` that could be listed (see `list_inputs`)."""
    return list_inputs(root).files


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sniff(path: Path) -> tuple[str, str]:
    """(format, why) where format is xlsx | ole2 | csv | unreadable; from bytes, not the name."""
    with path.open("rb") as handle:
        return sniff_head(handle.read(4096), path.suffix)


def sniff_head(head: bytes, suffix: str) -> tuple[str, str]:
    """`sniff` of a file's first bytes (4 KB are enough) and its extension: xlsx | ole2 |
    biff (Excel 2-4, no container) | csv | unreadable, with why when unreadable."""
    if not head:
        return "unreadable", refusals.EMPTY
    if head.startswith((ZIP, EMPTY_ZIP)):
        return "xlsx", ""
    if head.startswith(OLE2):
        return "ole2", ""
    if is_bare_biff(head):
        return "biff", ""
    if head.startswith(GZIP):
        return "unreadable", refusals.GZIP
    if head.startswith(SHORTCUT):
        return "unreadable", refusals.SHORTCUT
    if b"\x00" in head:
        return "unreadable", refusals.UNKNOWN_BINARY
    if suffix.lower() in {".xlsx", ".xlsm"}:
        return "unreadable", refusals.PLAIN_TEXT
    return "csv", ""
