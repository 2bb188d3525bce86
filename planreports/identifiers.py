"""Patient identifiers in tracker text: found, and masked before anything is written.

Board papers must hold no patient identifier. Three shapes are told apart from the ordinary
numbers trackers are full of (dates, phone numbers, money, cost centres):

- a 10-digit number whose last digit is a valid modulus-11 check digit: the NHS number, and
  the Scottish CHI and Northern Irish H&C numbers, which share its shape and check;
- any 10-digit number written after a label that says what it is ("NHS no: 123 456 7890"),
  check digit or not, since whoever typed it meant it as one;
- a hospital (MRN / PAS / case) number after its label, or in a shape the trust configures
  (`privacy.identifiers` in config.yaml, e.g. `RHM\\d{7}`), since those differ by trust.

A hit is masked in place, keeping the first three characters so the PMO can find the cell
("943 *** ****"); the finding names the tracker cell, never the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planreports.config import Config

# Ten digits in the 3-3-4 grouping the NHS prints, or run together; never part of a longer
# number (an 11-digit phone number, a 12-digit reference).
NHS_SHAPE = re.compile(r"(?<![\d])\d{3}([ \-]?)\d{3}\1\d{4}(?![\d])")
NHS_LABELLED = re.compile(
    r"\b(?:NHS|CHI|H\s?&\s?C)\s*(?:no\b\.?|number\b|num\b|#)\s*[:#=\-]?\s*"
    r"(?P<id>\d{3}[ \-]?\d{3}[ \-]?\d{4})(?![\d])",
    re.IGNORECASE,
)
HOSPITAL_LABELLED = re.compile(
    r"\b(?:MRN|(?:hospital|hosp|PAS|case|patient|unit)\s*(?:no\b\.?|number\b|num\b|id\b|#))"
    r"\s*[:#=\-]?\s*(?P<id>[A-Z]{0,4}\d{6,10}[A-Z]?)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")  # what the shapes' \d matches: any decimal digit, not only 0-9
NHS_DIGITS, HOSPITAL_DIGITS = 10, 6  # the fewest digits each shape holds
MASK_KEEP = 3  # leading characters left visible, so the cell can be found by eye


@dataclass(frozen=True, slots=True)
class Hit:
    """One identifier in a text: what kind, and where (character offsets)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    hits: tuple[Hit, ...]


def nhs_number_valid(digits: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 means 0, 10 means invalid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


class IdentifierScanner:
    """Finds and masks identifiers; built once per run from config's extra patterns."""

    def __init__(self, patterns: Iterable[tuple[str, str]] = ()):
        self.patterns = tuple((name, re.compile(rx)) for name, rx in patterns)

    def find(self, text: str) -> tuple[Hit, ...]:
        # Every cell of every tracker comes through here: the built-in shapes are looked for
        # only where there are digits enough for one (an NHS number has ten, a hospital
        # number six), which most updates ("2 of 8 milestones met") have not.
        digits = len(_DIGIT.findall(text)) if text else 0
        if digits < HOSPITAL_DIGITS and not self.patterns:
            return ()
        hits: list[Hit] = []
        if digits >= NHS_DIGITS:
            for m in NHS_SHAPE.finditer(text):
                if nhs_number_valid(re.sub(r"\D", "", m.group(0))):
                    hits.append(Hit("NHS number", m.start(), m.end()))
            for m in NHS_LABELLED.finditer(text):
                hits.append(Hit("NHS number", m.start("id"), m.end("id")))
        if digits >= HOSPITAL_DIGITS:
            for m in HOSPITAL_LABELLED.finditer(text):
                hits.append(Hit("hospital number", m.start("id"), m.end("id")))
        for name, rx in self.patterns:
            for m in rx.finditer(text):
                if m.end() > m.start():
                    hits.append(Hit(name, m.start(), m.end()))
        return _merge(hits)

    def mask(self, text: str) -> Masked:
        hits = self.find(text)
        if not hits:
            return Masked(text, ())
        out, last = [], 0
        for hit in hits:
            out.append(text[last:hit.start])
            out.append(mask_value(text[hit.start:hit.end]))
            last = hit.end
        out.append(text[last:])
        return Masked("".join(out), hits)

    def contains(self, text: str) -> bool:
        return bool(self.find(text))


def scanner_for(config: Config) -> IdentifierScanner:
    """The scanner a run uses: the built-in shapes plus the trust's `privacy.identifiers`."""
    return IdentifierScanner((p.name, p.pattern) for p in config.privacy.identifiers)


def mask_value(value: str) -> str:
    """'943 476 5919' -> '943 *** ****'; 'RHM1234567' -> 'RHM*******' (separators kept)."""
    kept = 0
    out = []
    for ch in value:
        if ch.isalnum():
            out.append(ch if kept < MASK_KEEP else "*")
            kept += 1
        else:
            out.append(ch)
    return "".join(out)


def kinds(hits: Sequence[Hit]) -> str:
    """'an NHS number', 'a hospital number and an NHS number': for a finding's message."""
    names = sorted({h.kind for h in hits})
    worded = [("an " if n[:1].lower() in "aeiou" or n.startswith("NHS") else "a ") + n
              for n in names]
    return " and ".join(worded)


def _merge(hits: list[Hit]) -> tuple[Hit, ...]:
    """Overlapping hits (a labelled NHS number is also a valid one) become one, the first."""
    merged: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if merged and hit.start < merged[-1].end:
            last = merged[-1]
            if hit.end > last.end:
                merged[-1] = Hit(last.kind, last.start, hit.end)
            continue
        merged.append(hit)
    return tuple(merged)
