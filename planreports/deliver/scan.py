"""Re-check an attachment before it leaves: its text scanned for patient identifiers.

`send` does not take run.json's word that a pack is clean: the file on disk may have been
replaced, edited by hand, or built by an older planreports that did not mask. Office files
are zip packages of XML; every text node is scanned, and the runs of a paragraph or a
shared string are joined first, so a number split across runs is still found. A PDF's text
is scanned page by page as pypdf extracts it, with its bookmarks and metadata.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from defusedxml import ElementTree

from planreports.identifiers import IdentifierScanner

# Elements whose runs read as one text: a slide/Word paragraph, a shared or inline string.
JOINED = frozenset({"p", "si", "is"})
TEXT_ATTRIBUTES = frozenset({"descr", "title", "name", "tooltip", "display", "prompt", "error"})
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024


class ScanRefused(Exception):
    """The file could not be checked (not a package, damaged, too large): do not send it."""


def identifiers_in(data: bytes, name: str, scanner: IdentifierScanner) -> list[str]:
    """Where in the file identifiers are ('ppt/slides/slide3.xml: an NHS number'); [] if none.

    `data` is the attachment's bytes, the very bytes that would be sent."""
    if name.lower().endswith((".xlsx", ".xlsm", ".pptx", ".docx")):
        return _in_package(data, scanner)
    if name.lower().endswith(".pdf"):
        return _in_pdf(data, scanner)
    text = data.decode("utf-8", errors="replace")
    return [f"{name}: {h.kind}" for h in scanner.find(text)][:1]


def _in_package(data: bytes, scanner: IdentifierScanner) -> list[str]:
    import io

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ScanRefused(f"not a readable Office file ({exc})") from None
    found: list[str] = []
    total = 0
    with package:
        for info in package.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                raise ScanRefused(f"{info.filename} is too large to check")
            try:
                xml = package.read(info)
                texts = list(_texts(xml))
            except Exception as exc:  # noqa: BLE001 - a part we cannot read is not sent
                raise ScanRefused(f"{info.filename} cannot be read ({exc})") from None
            kinds = {h.kind for t in texts for h in scanner.find(t)}
            found.extend(f"{info.filename}: {kind}" for kind in sorted(kinds))
    return found


def _in_pdf(data: bytes, scanner: IdentifierScanner) -> list[str]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are not our message
    found: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ScanRefused("the PDF is encrypted")
        if len(data) > MAX_TOTAL_BYTES:
            raise ScanRefused("the PDF is too large to check")
        parts = [(f"page {n}", page.extract_text() or "")
                 for n, page in enumerate(reader.pages, start=1)]
        parts.append(("bookmarks", "\n".join(_titles(reader.outline))))
        parts.append(("metadata", "\n".join(str(v) for v in (reader.metadata or {}).values())))
    except ScanRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ScanRefused(f"not a readable PDF ({exc})") from None
    for where, text in parts:
        kinds = {h.kind for h in scanner.find(text)}
        found.extend(f"{where}: {kind}" for kind in sorted(kinds))
    return found


def _titles(outline: list) -> Iterator[str]:
    for entry in outline:
        if isinstance(entry, list):
            yield from _titles(entry)
        else:
            yield str(getattr(entry, "title", ""))


def _texts(xml: bytes) -> Iterator[str]:
    root = ElementTree.fromstring(xml, forbid_dtd=True)
    for element in root.iter():
        local = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if local in JOINED:
            yield "".join(element.itertext())
        elif element.text and element.text.strip():
            yield element.text
        for key, value in element.attrib.items():
            # Text the user sees in attributes (alt text, names, titles); ids and sizes, such
            # as PowerPoint's random 10-digit creationId, are not text and would false-alarm.
            if key.rpartition("}")[2] in TEXT_ATTRIBUTES and any(c.isdigit() for c in value):
                yield value


def file_identifiers(path: Path, scanner: IdentifierScanner) -> list[str]:
    """identifiers_in for a file on disk (tests and the build's own last check)."""
    return identifiers_in(path.read_bytes(), path.name, scanner)
