"""Read .csv trackers: UTF-8 (with or without BOM) or Windows-1252, any common delimiter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from planreports.read.grid import SheetGrid

DELIMITERS = ",;\t|"
# What an Excel cell holds: a CSV field can be longer (or a quote left open can run on to the
# end of the file), and the text is cut there for that cell alone, with a finding.
CELL_LIMIT = 32_767
# The csv module refuses a field over 131,072 characters, and with it the whole file; raised
# as far as its C long allows (a field can never be longer than the text that holds it).
FIELD_LIMIT = 2**31 - 1


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 first (strict), else Windows-1252, so £ survives."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # every byte decodes; never a traceback


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines; a comma when the sniffer cannot tell."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def read_csv(path: Path) -> list[SheetGrid]:
    """A CSV is one sheet, named after the file; a field longer than a cell holds is cut."""
    text, _encoding = decode(path.read_bytes())
    delimiter = sniff_delimiter(text)
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    values: list[list[object]] = []
    cut: list[tuple[int, int, int]] = []
    for r, row in enumerate(reader):
        for c, field in enumerate(row):
            if len(field) > CELL_LIMIT:
                cut.append((r, c, len(field)))
                row[c] = field[:CELL_LIMIT]
        values.append(row)
    return [SheetGrid(name=path.stem, values=values, cut=tuple(cut))]
