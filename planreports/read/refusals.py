"""Why a file could not be read, in words a PMO analyst can act on; the library's own words
are kept apart, for a developer (run.json's `detail`), never as the message."""

from __future__ import annotations

import re
import zipfile

from planreports.read.safety import UnsafeFileError

EMPTY = "the file is empty (0 bytes): ask for it to be sent again"
PLAIN_TEXT = "the file is plain text, not an Excel workbook (renamed to .xlsx?)"
UNKNOWN_BINARY = "not a spreadsheet (binary data of an unknown kind)"
GZIP = ("a compressed (gzip) file, not a spreadsheet: uncompress it and put the spreadsheet "
        "it holds in the inputs folder")
SHORTCUT = ("a Windows shortcut, not the spreadsheet itself: copy the file it points to into "
            "the inputs folder")
FOLDER_LINK = ("a shortcut to a folder, not a spreadsheet: folders reached through shortcuts "
               "are not read; copy the trackers themselves into the inputs folder")
BROKEN_LINK = "a shortcut to a file that is no longer there"
INCOMPLETE = ("the file is damaged or incomplete (not a whole workbook: it may have been cut "
              "short while it was saved or copied); ask for it to be saved and sent again")
NOT_A_WORKBOOK = ("a zip file, but not an Excel workbook (a Word document or another "
                  "archive renamed .xlsx?)")
NOT_AN_XLS = ("an Office file, but not an Excel workbook (a Word document or an Outlook "
              "message renamed .xls?)")
DAMAGED = ("the workbook is damaged and could not be read: open it in Excel (which may offer "
           "to repair it) and save it again as .xlsx")
OLD_FORM = ("saved by an old program in a form we cannot read: open it in Excel and save "
            "as .xlsx")
ENCRYPTED = ("the workbook is password-protected; set inputs.password_env in config.yaml to "
             "the name of an environment variable holding the password")
WRONG_PASSWORD = ("the workbook is password-protected and the configured password did not "
                  "open it")
UNSUPPORTED_ENCRYPTION = ("the workbook is password-protected in a form we cannot open: open "
                          "it in Excel, remove the password (File > Info > Protect Workbook) "
                          "and save it again")
CRASHED = ("reading it stopped the spreadsheet reader (the file is probably damaged): open it "
           "in Excel and save it again as .xlsx")


class Refusal(Exception):  # noqa: N818 - a refusal is the outcome, not an error of ours
    """A file that is not read: its finding code, the plain reason, the library's words."""

    def __init__(self, code: str, reason: str, detail: str = ""):
        super().__init__(reason)
        self.code, self.reason, self.detail = code, reason, detail


def reader_failure(exc: BaseException) -> bool:
    """Whether an exception is a reader's failure on a file (to be caught as the file's), not
    an interrupt or the memory budget, which the worker reports. calamine's Rust panics
    arrive as pyo3's PanicException, which derives from BaseException, not Exception."""
    return not isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError)


def library_words(exc: BaseException) -> str:
    """What a library said, in one line, with the kind of error it raised."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def zip_archive(names: list[str]) -> str:
    """A zip that is no workbook: name the spreadsheets inside, if any, so it can be unzipped."""
    inside = [n for n in names if re.search(r"\.(xlsx|xlsm|xls|csv)$", n, re.IGNORECASE)]
    if not inside:
        return NOT_A_WORKBOOK
    shown = ", ".join(inside[:3]) + (f" and {len(inside) - 3:,} more" if len(inside) > 3 else "")
    return (f"a zip archive holding {shown}, not a workbook itself: unzip it and put the "
            "spreadsheets in the inputs folder")


def explain(exc: BaseException) -> Refusal:
    """The refusal for a reader's failure that no more specific rule caught."""
    if isinstance(exc, Refusal):
        return exc
    if isinstance(exc, UnsafeFileError):
        return Refusal("unreadable-file", str(exc).strip().splitlines()[0])  # already plain
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return Refusal("unreadable-file", INCOMPLETE, library_words(exc))
    return Refusal("unreadable-file", DAMAGED, library_words(exc))


def crashed(reason: str) -> tuple[str, str]:
    """(plain reason, detail) for a worker that did not answer (see isolate.Crashed)."""
    if "time budget" in reason:
        return (f"the file {reason} to read (it may be very large or damaged): open it in "
                "Excel and save it again, or split it into smaller workbooks", reason)
    if "memory budget" in reason:
        return (f"reading it {reason} (it may be very large or damaged): open it in Excel and "
                "save it again, or split it into smaller workbooks", reason)
    return CRASHED, reason
