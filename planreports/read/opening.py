"""A tracker's bytes -> its sheets, by the format the bytes really are; passwords tried.

A zip package is an .xlsx (read by calamine, else once by openpyxl); a compound file is a
legacy .xls or an encrypted .xlsx; a bare BIFF stream is an Excel 2-4 .xls; text is a CSV.
An encrypted workbook is tried with the configured password, then with Excel's default
("VelvetSweatshop", which Excel itself applies to a workbook whose structure is protected
and opens without asking), before it is called password-protected. Every failure leaves
as a `Refusal`: plain words for the finding, the library's words for run.json.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import msoffcrypto
import olefile

from planreports.read import refusals
from planreports.read.csvfile import read_csv
from planreports.read.fallback import read_with_openpyxl
from planreports.read.grid import SheetGrid
from planreports.read.refusals import Refusal, library_words
from planreports.read.xls import (
    EncryptedWorkbook,
    NotAWorkbookContainer,
    XlsRefused,
    deobfuscated,
    read_with_xlrd,
    read_xls,
)
from planreports.read.xlsx import CalamineRefused, NotAWorkbook, read_xlsx

DEFAULT_PASSWORD = "VelvetSweatshop"


def open_tracker(
    kind: str, path: Path, data: bytes | None, password: str | None
) -> tuple[str, list[SheetGrid]]:
    """(format, grids) of a file whose first bytes said `kind`; raises Refusal."""
    if kind == "xlsx":
        return "xlsx", read_package(data if data is not None else path)
    if kind == "csv":
        return "csv", read_csv(path)
    whole = data if data is not None else path.read_bytes()
    if kind == "biff":
        try:
            return "xls", read_with_xlrd(whole)
        except Exception as exc:  # noqa: BLE001 - any failure of the one reader that could
            raise Refusal("unreadable-file", refusals.OLD_FORM, library_words(exc)) from exc
    return read_compound(whole, password)


def read_package(source: Path | bytes) -> list[SheetGrid]:
    """An .xlsx package's sheets: calamine, then openpyxl once, before it is refused."""
    try:
        return read_xlsx(source)
    except NotAWorkbook as exc:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            names = zf.namelist()
        raise Refusal("unreadable-file", refusals.zip_archive(names), str(exc)) from exc
    except CalamineRefused as first:
        data = source if isinstance(source, bytes) else source.read_bytes()
        try:
            return read_with_openpyxl(data)
        except Exception as second:  # noqa: BLE001 - neither reader: the file is damaged
            detail = f"calamine: {first}; openpyxl: {library_words(second)}"
            raise Refusal("unreadable-file", refusals.DAMAGED, detail) from second


def _is_encrypted_package(data: bytes) -> bool:
    with olefile.OleFileIO(data) as ole:
        return ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage")


def read_compound(data: bytes, password: str | None) -> tuple[str, list[SheetGrid]]:
    """A compound file: an encrypted .xlsx, or an .xls (decrypted first when it must be)."""
    try:
        encrypted_package = _is_encrypted_package(data)
    except Exception as exc:  # noqa: BLE001 - olefile's words for a broken container
        raise Refusal("unreadable-file", refusals.INCOMPLETE, library_words(exc)) from exc
    if encrypted_package:
        return "xlsx", read_package(decrypt(data, password))
    try:
        try:
            return "xls", read_xls(data)
        except EncryptedWorkbook:
            # XOR obfuscation is undone here: msoffcrypto does not take Excel 5/95's streams.
            try:
                plain = deobfuscated(data, _candidates(password))
            except EncryptedWorkbook as exc:
                why = refusals.WRONG_PASSWORD if password else refusals.ENCRYPTED
                raise Refusal("encrypted-file", why, str(exc)) from exc
            return "xls", read_xls(plain if plain is not None else decrypt(data, password))
    except NotAWorkbookContainer as exc:
        raise Refusal("unreadable-file", refusals.NOT_AN_XLS, str(exc)) from exc
    except XlsRefused as exc:
        raise Refusal("unreadable-file", refusals.DAMAGED, str(exc)) from exc


def _candidates(password: str | None) -> list[str]:
    """The passwords to try, in turn: the configured one, then Excel's default."""
    return list(dict.fromkeys(p for p in (password, DEFAULT_PASSWORD) if p))


def decrypt(data: bytes, password: str | None) -> bytes:
    """The decrypted file, with the configured password or else Excel's default one."""
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - an encryption msoffcrypto does not know
        raise Refusal(
            "encrypted-file", refusals.UNSUPPORTED_ENCRYPTION, library_words(exc)
        ) from exc
    said = []
    for candidate in _candidates(password):
        try:
            try:
                office.load_key(password=candidate, verify_password=True)
            except TypeError:  # a format whose load_key always verifies
                office.load_key(password=candidate)
            out = io.BytesIO()
            office.decrypt(out)
            return out.getvalue()
        except Exception as exc:  # noqa: BLE001 - wrong password, or a scheme not supported
            said.append(library_words(exc))
    if password:
        raise Refusal("encrypted-file", refusals.WRONG_PASSWORD, "; ".join(said))
    raise Refusal("encrypted-file", refusals.ENCRYPTED, "; ".join(said))
