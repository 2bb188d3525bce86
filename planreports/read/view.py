"""The package rebuilt in the one layout calamine reads, when the file's own is another.

calamine finds a workbook's parts by their usual names (`<folder>/workbook.xml`, its
`sharedStrings.xml` and `styles.xml` beside it), stops at a sheet kind it does not know (an
Excel 4 macro sheet) or a sheet whose part is missing, and builds a dense grid to the
farthest value. When a package needs any of that changed, calamine is given a small new
package instead: the workbook's sheets at fixed names, only the sheets it can read, stray
values taken out. The parts are the file's own bytes otherwise; nothing is evaluated.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# The kinds of sheet calamine reads (any other stops it reading the whole workbook).
CALAMINE_KINDS = {"worksheet": "worksheet", "chart sheet": "chartsheet",
                  "dialog sheet": "dialogsheet"}
STATES = ("visible", "hidden", "veryHidden")
_DATE_1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*?\bdate1904=[\"'](1|true)[\"']")


def date1904(workbook: bytes) -> bool:
    """Whether the workbook counts its dates from 1904 (old Mac Excel): calamine must know."""
    return _DATE_1904.search(workbook) is not None


def calamine_view(
    sheets: Sequence[tuple[str, str, str, bytes]],
    *,
    shared_strings: bytes | None,
    styles: bytes | None,
    dates_from_1904: bool,
) -> bytes:
    """A package of `sheets` (name, kind, state, part bytes), in calamine's layout."""
    entries: dict[str, bytes] = {}
    sheet_tags, rels = [], []
    for i, (name, kind, state, data) in enumerate(sheets, start=1):
        folder = CALAMINE_KINDS[kind] + "s"
        entries[f"xl/{folder}/sheet{i}.xml"] = data
        sheet_tags.append(
            f"<sheet name={quoteattr(name)} sheetId=\"{i}\" "
            f"state=\"{state if state in STATES else 'visible'}\" r:id=\"rId{i}\"/>"
        )
        rels.append((f"rId{i}", CALAMINE_KINDS[kind], f"{folder}/sheet{i}.xml"))
    if shared_strings is not None:
        entries["xl/sharedStrings.xml"] = shared_strings
        rels.append(("rIdStrings", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        entries["xl/styles.xml"] = styles
        rels.append(("rIdStyles", "styles", "styles.xml"))
    pr = '<workbookPr date1904="1"/>' if dates_from_1904 else ""
    entries["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f"{pr}<sheets>{''.join(sheet_tags)}</sheets></workbook>"
    ).encode()
    entries["xl/_rels/workbook.xml.rels"] = _relationships(rels)
    entries["_rels/.rels"] = _relationships([("rId1", "officeDocument", "xl/workbook.xml")])
    out = io.BytesIO()
    # Stored, not deflated: the package lives for one read, and deflating costs more than it
    # saves. The order puts the small parts calamine reads first at the front.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(entries, key=lambda n: ("/worksheets/" in n, n)):
            zf.writestr(name, entries[name])
    return out.getvalue()


def _relationships(rels: Sequence[tuple[str, str, str]]) -> bytes:
    tags = "".join(
        f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target={quoteattr(target)}/>'
        for rid, kind, target in rels
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">{tags}'
        "</Relationships>"
    ).encode()


def needs_view(
    *,
    workbook: str,
    found_by_rels: bool,
    related: Mapping[str, str],
    unreadable_sheets: bool,
    strays: bool,
) -> bool:
    """Whether calamine must be given the rebuilt package rather than the file itself.

    `related` maps "sharedStrings" and "styles" to the parts the workbook's relationships
    name (normalised); `unreadable_sheets` says a sheet is of a kind calamine stops at, names
    a part that is missing, or has a state it does not know.
    """
    folder, _, name = workbook.rpartition("/")
    beside = f"{folder}/" if folder else ""
    return (
        strays
        or unreadable_sheets
        or not found_by_rels
        or name != "workbook.xml"
        or any(part != f"{beside}{kind.lower()}.xml" for kind, part in related.items())
    )
