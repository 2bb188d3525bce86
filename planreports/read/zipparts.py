"""A workbook's parts, inflated straight from its bytes in memory.

`zipfile` reads the package's directory; this takes each part's deflated bytes from where
the directory says they are and hands them to zlib. Reading a part through `ZipFile.read`
costs several times the inflating itself (a file-like object, a local-header check and a
CRC stream per part), and a tracker has half a dozen parts to read for every one of a
region's hundreds of files. The part is still checked as zipfile checks it: its local
header and its inflated size (a wrong CRC alone is let pass, as calamine lets it). A part
this route does not take (encrypted, or compressed other than by deflate) is left to zipfile.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra field lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"


class PackageBytes:
    """An .xlsx package held in memory: its directory, and its parts by name."""

    def __init__(self, data: bytes, zf: zipfile.ZipFile):
        self.data = data
        self.zf = zf

    def _deflated(self, info: zipfile.ZipInfo) -> bytes | None:
        """The part's stored bytes, or None when zipfile must read it."""
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
        ):
            return None
        offset = info.header_offset
        if offset + _LOCAL_HEADER.size > len(self.data):
            raise zipfile.BadZipFile(f"the part {info.filename} lies beyond the end of the file")
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(self.data, offset)
        if signature != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile(f"bad local header of the part {info.filename}")
        start = offset + _LOCAL_HEADER.size + name_length + extra_length
        stored = self.data[start : start + info.compress_size]
        if len(stored) < info.compress_size:
            raise zipfile.BadZipFile(f"the part {info.filename} is truncated")
        return stored

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A whole part, checked against its size and CRC."""
        stored = self._deflated(info)
        if stored is None:
            return self.zf.read(info)
        try:
            # Never more than the directory declares (check_sizes has vetted that figure), and
            # one byte over to notice a part that inflates to more than it claims.
            data = stored if info.compress_type == zipfile.ZIP_STORED else (
                zlib.decompressobj(-15).decompress(stored, info.file_size + 1)
            )
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"the part {info.filename} is damaged ({exc})") from exc
        if len(data) != info.file_size:
            raise zipfile.BadZipFile(f"the part {info.filename} is damaged (not its stated size)")
        # A checksum that disagrees with bytes of exactly the stated size is not held against
        # the part: calamine and Excel (after its repair prompt) read such a file, so it is
        # read. (A file too large to hold in memory is read through zipfile, which does.)
        return data

    def head(self, name: str, size: int) -> bytes:
        """A part's first `size` bytes (fewer when it is shorter); only those are inflated."""
        info = self.zf.getinfo(name)
        stored = self._deflated(info)
        if stored is None:
            with self.zf.open(info) as handle:
                return handle.read(size)
        if info.compress_type == zipfile.ZIP_STORED:
            return stored[:size]
        try:
            return zlib.decompressobj(-15).decompress(stored, size)
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"the part {info.filename} is damaged ({exc})") from exc
