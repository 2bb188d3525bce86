"""Which files in the inputs folder are trackers, and what each really is (by its bytes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".csv"})
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


def is_skipped_silently(path: Path, root: Path) -> bool:
    """Office lock files (~$...), LibreOffice locks, hidden and temporary files."""
    for part in path.relative_to(root).parts:
        if part.startswith((".", "~$", "~")) or part.endswith((".tmp", "#")):
            return True
    return False


def discover(root: Path) -> list[Path]:
    """Every tracker under `root`, recursively, in a stable order."""
    if not root.is_dir():
        return []
    return sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in EXTENSIONS and not is_skipped_silently(p, root)
        ),
        key=lambda p: p.relative_to(root).as_posix().lower(),
    )


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sniff(path: Path) -> tuple[str, str]:
    """(format, why) where format is xlsx | ole2 | csv | unreadable; from bytes, not the name."""
    with path.open("rb") as handle:
        return sniff_head(handle.read(4096), path.suffix)


def sniff_head(head: bytes, suffix: str) -> tuple[str, str]:
    """`sniff` of a file's first bytes (4 KB are enough) and its extension."""
    if not head:
        return "unreadable", "the file is empty"
    if head.startswith(ZIP):
        return "xlsx", ""
    if head.startswith(OLE2):
        return "ole2", ""
    if b"\x00" in head:
        return "unreadable", "not a spreadsheet (binary data of an unknown kind)"
    if suffix.lower() in {".xlsx", ".xlsm"}:
        return "unreadable", "the file is plain text, not an Excel workbook (renamed to .xlsx?)"
    return "csv", ""
