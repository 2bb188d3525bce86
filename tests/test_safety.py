"""The package check that runs before any XML parser: a DTD is refused however it is spelt.

`check_xml_parts` searches a part's first bytes as they are for UTF-8 and its kin, and
decodes them first for UTF-16 (with a byte-order mark, or without one but with NULs between
ASCII bytes), so a DTD cannot hide behind the encoding, a comment or a late root element.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from planreports.read.safety import PROLOG_BYTES, UnsafeFileError, check_xml_parts

DTD = '<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">]>'
PART = "xl/styles.xml"


def _package(data: bytes, *, inflated: bool) -> tuple[zipfile.ZipFile, dict[str, bytes]]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(PART, data)
    zf = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    # Both routes: the part already inflated by the reader, or only its head read here.
    return zf, ({PART: data} if inflated else {})


def _styles(prolog: str) -> str:
    return f'<?xml version="1.0"?>{prolog}<styleSheet><fonts count="0"/></styleSheet>'


CASES = {
    "UTF-8": _styles(DTD).encode("utf-8"),
    "UTF-8 with BOM": b"\xef\xbb\xbf" + _styles(DTD).encode("utf-8"),
    "UTF-16 LE with BOM": _styles(DTD).encode("utf-16"),
    "UTF-16 BE with BOM": b"\xfe\xff" + _styles(DTD).encode("utf-16-be"),
    "UTF-16 LE without BOM": _styles(DTD).encode("utf-16-le"),
    "UTF-16 BE without BOM": _styles(DTD).encode("utf-16-be"),
    "after a comment that looks like an element": _styles(f"<!-- <a> -->{DTD}").encode(),
}


@pytest.mark.parametrize("inflated", [True, False], ids=["inflated", "head only"])
@pytest.mark.parametrize("spelling", list(CASES))
def test_a_dtd_is_refused_in_every_encoding(spelling: str, inflated: bool) -> None:
    zf, read = _package(CASES[spelling], inflated=inflated)
    with pytest.raises(UnsafeFileError, match=r"XML entity payload in xl/styles\.xml"):
        check_xml_parts(zf, read)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le"])
def test_a_clean_part_passes_in_every_encoding(encoding: str) -> None:
    zf, read = _package(_styles("<!-- styles -->").encode(encoding), inflated=True)
    check_xml_parts(zf, read)  # raises on a refusal


@pytest.mark.parametrize("inflated", [True, False], ids=["inflated", "head only"])
def test_a_root_element_pushed_past_the_prolog_is_refused(inflated: bool) -> None:
    padding = "<!--" + "x" * PROLOG_BYTES + "-->"
    zf, read = _package(_styles(padding).encode(), inflated=inflated)
    with pytest.raises(UnsafeFileError, match=r"xl/styles\.xml has no XML element"):
        check_xml_parts(zf, read)
