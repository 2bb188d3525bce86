"""Parts inflated straight from a package's bytes are the bytes zipfile gives, or an error."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from planreports.read.zipparts import PackageBytes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WORKBOOKS = sorted(
    p for p in FIXTURES.iterdir()
    if p.suffix in (".xlsx", ".xlsm") and p.read_bytes().startswith(b"PK\x03\x04")
)


def _package(data: bytes) -> PackageBytes:
    return PackageBytes(data, zipfile.ZipFile(io.BytesIO(data)))


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return buffer.getvalue()


def test_every_part_of_every_fixture_is_what_zipfile_reads() -> None:
    compared = 0
    for path in WORKBOOKS:
        data = path.read_bytes()
        try:
            package = _package(data)
        except zipfile.BadZipFile:
            continue  # the truncated fixtures: zipfile cannot list them either
        for info in package.zf.infolist():
            try:
                expected = package.zf.read(info)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError):
                continue
            assert package.read(info) == expected, f"{path.name}: {info.filename}"
            assert package.head(info.filename, 100) == expected[:100]
            compared += 1
    assert compared > 100  # every fixture workbook's parts, not a handful


def test_a_stored_part_is_read_as_stored() -> None:
    data = _zip({"xl/a.xml": b"<a>" + b"x" * 5000 + b"</a>"}, zipfile.ZIP_STORED)
    package = _package(data)
    assert package.read(package.zf.getinfo("xl/a.xml")).endswith(b"x</a>")
    assert package.head("xl/a.xml", 3) == b"<a>"


def test_a_part_whose_bytes_were_changed_is_read_as_calamine_reads_it() -> None:
    """A wrong checksum over bytes of the stated size: zipfile refuses the part, calamine (and
    Excel, after offering to repair it) reads it; so it is read, as it is."""
    part = b"<a>" + b"text that deflates " * 200 + b"</a>"
    data = bytearray(_zip({"xl/a.xml": part}, zipfile.ZIP_STORED))
    data[data.index(b"deflates") : data.index(b"deflates") + 8] = b"DEFLATES"
    package = _package(bytes(data))
    assert package.read(package.zf.getinfo("xl/a.xml")) == part.replace(
        b"deflates", b"DEFLATES", 1)
    with pytest.raises(zipfile.BadZipFile):  # zipfile's stricter view
        package.zf.read("xl/a.xml")


def test_a_part_cut_short_or_with_a_broken_header_is_an_error() -> None:
    data = _zip({"xl/a.xml": b"<a>" + bytes(range(256)) * 40 + b"</a>"})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/a.xml")
    broken_header = data[: info.header_offset] + b"XX" + data[info.header_offset + 2 :]
    with pytest.raises(zipfile.BadZipFile, match="local header"):
        _package(broken_header).read(info)
    package = _package(data)
    cut = PackageBytes(data[: info.header_offset + 60], package.zf)
    with pytest.raises(zipfile.BadZipFile, match="truncated"):
        cut.read(info)


def test_a_part_that_inflates_to_more_than_it_declares_is_refused_without_inflating_it() -> None:
    # 4 MB of one byte deflates to a few KB; the directory and local header are then made to
    # claim 100 bytes. zipfile stops at the declared size; so must this, and say so.
    data = bytearray(_zip({"xl/a.xml": b"x" * (4 * 1024 * 1024)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/a.xml")
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # uncompressed size
    data[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(4, "little")
    package = _package(bytes(data))
    lying = package.zf.getinfo("xl/a.xml")
    assert lying.file_size == 100
    with pytest.raises(zipfile.BadZipFile, match="damaged"):
        package.read(lying)
