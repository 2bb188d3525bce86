"""An .xlsx package read the way the standard (OPC, ECMA-376 part 2) says.

The workbook is the part that `_rels/.rels` names as the office document (or, failing that,
the part `[Content_Types].xml` types as a workbook), not whatever sits at `xl/workbook.xml`;
its sheets, styles and theme are the parts its own relationships name. Part names are
case-insensitive and some writers store them with `\\` (an old .NET packager) or a leading
`/`: every name is looked up in one normalised form. A strict-OOXML package (the ISO
namespaces) is read through the transitional names, which is all that differs for what we
read. Every XML part a reader here may parse is checked (`safety`) before any is parsed.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError, fromstring

from planreports.read.safety import PROLOG_BYTES, check_sizes, check_xml_parts, has_dtd
from planreports.read.zipparts import PackageBytes

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = "/officeDocument"  # the end of the type, in both transitional and strict
# Strict OOXML (ISO/IEC 29500 strict) names its namespaces and relationship types under
# purl.oclc.org; what we read of a part is the same once they are the transitional ones.
STRICT_NAMES = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main",
     b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/drawingml/main",
     b"http://schemas.openxmlformats.org/drawingml/2006/main"),
)
_STRICT_MARK = b"purl.oclc.org/ooxml/"
# Content types of a workbook's main part: workbook, macro-enabled, template, add-in.
_MAIN_TYPE = re.compile(
    rb"<(?:\w+:)?Override\b[^>]*?PartName=[\"']([^\"']+)[\"'][^>]*?ContentType=[\"']"
    rb"application/vnd\.(?:openxmlformats-officedocument\.spreadsheetml\.(?:sheet|template)"
    rb"|ms-excel\.(?:sheet|template|addin)\.macroEnabled)\.main\+xml[\"']",
    re.IGNORECASE,
)
_USUAL_OFFICE_DOCUMENT = re.compile(
    rb'Type="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships/'
    rb'officeDocument" Target="/?xl/workbook\.xml"|Target="/?xl/workbook\.xml" Type="http://'
    rb'schemas\.openxmlformats\.org/officeDocument/2006/relationships/officeDocument"'
)
_WORKBOOK_ROOT = re.compile(rb"<(?:[\w.-]+:)?workbook[\s>/]")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def normalise(name: str) -> str:
    """A part name as it is looked up: forward slashes, no leading slash, lower case."""
    return name.replace("\\", "/").lstrip("/").lower()


def _wanted_whole(name: str) -> bool:
    """Parts inflated whole up front, since they are read anyway (the safety check then
    reuses their bytes instead of inflating their first bytes a second time)."""
    base = name.rsplit("/", 1)[-1]
    return (
        base in ("workbook.xml", "workbook.xml.rels", "styles.xml", ".rels")
        or ("/worksheets/" in name or "/theme/" in name) and name.endswith(".xml")
    )


@dataclass(frozen=True, slots=True)
class Relationship:
    """One relationship of a part: its id, the last word of its type, the part it targets."""

    id: str
    kind: str  # "worksheet", "styles", "officeDocument", ...
    target: str  # normalised part name ("" for an external target)


class Package:
    """An opened, checked package: its parts by normalised name."""

    def __init__(self, source: Path | bytes):
        self.source = source
        self.zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        try:
            check_sizes(self.zf)
            self.names: dict[str, zipfile.ZipInfo] = {}
            for info in self.zf.infolist():
                self.names.setdefault(normalise(info.filename), info)
            if isinstance(source, bytes):
                package = PackageBytes(source, self.zf)
                whole, first_bytes = package.read, package.head
            else:  # a file too large to hold in memory
                whole, first_bytes = self.zf.read, None
            self._whole = whole
            self._inflate_head = first_bytes
            self._first_bytes = self._cached_head if first_bytes is not None else None
            self._heads: dict[str, bytes] = {}
            self._relationships: dict[str, list[Relationship]] = {}
            self._raw = {
                info.filename: whole(info)
                for info in self.names.values()
                if _wanted_whole(normalise(info.filename))
            }
            check_xml_parts(self.zf, self._raw, self._first_bytes)
            self.strict = False  # the package's own relationships are the same in both
            self.workbook = self._find_workbook()
            main = self.raw(self.workbook) if self.workbook else None
            self.strict = main is not None and _STRICT_MARK in main[:4096]
        except BaseException:
            self.zf.close()
            raise

    def close(self) -> None:
        self.zf.close()

    def _cached_head(self, name: str, size: int) -> bytes:
        """A part's first bytes, inflated once: the safety check's heads are kept, and the
        shared strings' count is then read from the one it inflated."""
        known = self._heads.get(name)
        if known is None or (len(known) < size and self.names[normalise(name)].file_size
                             > len(known)):
            known = self._heads[name] = self._inflate_head(name, size)
        return known[:size]

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return normalise(name) in self.names

    def stored_name(self, name: str) -> str:
        """The name the zip gives a part (as a reader that does not normalise would look)."""
        return self.names[normalise(name)].filename

    def size(self, name: str) -> int:
        """A part's size as the zip directory states it (vetted by `check_sizes`)."""
        return self.names[normalise(name)].file_size

    def head(self, name: str, size: int) -> bytes:
        """A part's first `size` bytes, inflating no more than those."""
        info = self.names[normalise(name)]
        whole = self._raw.get(info.filename)
        if whole is not None:
            return whole[:size]
        if self._first_bytes is not None:
            return self._first_bytes(info.filename, size)
        with self.zf.open(info) as handle:
            return handle.read(size)

    def raw(self, name: str) -> bytes | None:
        """A part's bytes as stored, or None when the package has no such part."""
        info = self.names.get(normalise(name))
        if info is None:
            return None
        data = self._raw.get(info.filename)
        if data is None:
            data = self._raw[info.filename] = self._whole(info)
        return data

    def part(self, name: str) -> bytes | None:
        """A part's bytes with strict-OOXML names made transitional."""
        data = self.raw(name)
        if data is not None and self.strict and _STRICT_MARK in data:
            for strict, transitional in STRICT_NAMES:
                data = data.replace(strict, transitional)
        return data

    def relationships(self, part: str) -> list[Relationship]:
        """The relationships of `part` ("" for the package's own), targets resolved."""
        found = self._relationships.get(part)
        if found is None:
            found = self._relationships[part] = self._read_relationships(part)
        return found

    def _read_relationships(self, part: str) -> list[Relationship]:
        folder, base = posixpath.split(normalise(part))
        data = self.part(posixpath.join(folder, "_rels", f"{base}.rels"))
        if data is None:
            return []
        out = []
        for attrs in _relationship_attributes(data):
            target = attrs.get("Target", "")
            if attrs.get("TargetMode", "").lower() == "external" or not target:
                resolved = ""
            else:
                resolved = self._resolve(folder, target)
            kind = attrs.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
            out.append(Relationship(attrs.get("Id", ""), kind, resolved))
        return out

    def _resolve(self, folder: str, target: str) -> str:
        if "\\" not in target and "." not in target.split("/", 1)[0] and "%" not in target:
            # The usual form ("worksheets/sheet1.xml", "/xl/styles.xml"): no path to reduce.
            name = (target[1:] if target[0] == "/" else f"{folder}/{target}" if folder
                    else target).lower()
            if "/./" not in name and "/../" not in name:
                return name
        target = target.replace("\\", "/")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        name = normalise(posixpath.normpath(path))
        if name not in self.names and "%" in name:  # a part name is a URI: %20 is a space
            name = normalise(unquote(name))
        return name

    def _is_workbook(self, name: str) -> bool:
        """Whether a part is a workbook (its root element), not a Word document's body."""
        info = self.names.get(name)
        if info is None:
            return False
        head = self.head(name, PROLOG_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:2]:
            # A UTF-16 part: its markup is not ASCII bytes.
            codec = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\x00" else (
                "utf-16-le")
            head = head.decode(codec, "ignore").encode("utf-8", "ignore")
        return _WORKBOOK_ROOT.search(head) is not None

    def _find_workbook(self) -> str | None:
        self.found_by_rels = True
        usual = self.raw("_rels/.rels")
        if (
            usual is not None
            and _USUAL_OFFICE_DOCUMENT.search(usual)
            and usual.count(b"/officeDocument\"") == 1
            and self._is_workbook("xl/workbook.xml")
        ):
            return "xl/workbook.xml"  # as every writer we know puts it: no parsing needed
        for rel in self.relationships(""):
            if rel.kind == OFFICE_DOCUMENT[1:] and self._is_workbook(rel.target):
                return rel.target
        self.found_by_rels = False
        types = self.raw("[Content_Types].xml")
        if types is not None and not has_dtd(types):
            for found in _MAIN_TYPE.finditer(types):
                name = normalise(found.group(1).decode("utf-8", "replace"))
                if self._is_workbook(name):
                    return name
        return "xl/workbook.xml" if self._is_workbook("xl/workbook.xml") else None


def _relationship_attributes(data: bytes) -> list[dict[str, str]]:
    """Each <Relationship>'s attributes, by pattern; by the parser when the pattern may miss."""
    if has_dtd(data):  # no Office writer puts one here; nothing in it is trusted
        return []
    if b"<!--" not in data and b"&" not in data and b"<![CDATA[" not in data:
        out = []
        for tag in _RELATIONSHIP.findall(data):
            attrs = {}
            for name, double, single in _ATTRIBUTE.findall(tag):
                value = double or single
                attrs[name.decode("ascii", "replace")] = value.decode("utf-8", "replace")
            out.append(attrs)
        return out
    try:
        root = fromstring(data)
    except ParseError:
        return []
    return [dict(rel.attrib) for rel in root.iter(f"{{{REL_NS}}}Relationship")]
