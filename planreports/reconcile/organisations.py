"""Whose tracker a row is: pure logic, no I/O.

A row belongs to the organisation its tracker's Organisation / Trust / Provider column names
(matched on id, name and aliases, ignoring case, punctuation and the words every NHS body's
name carries, so "North Bristol" and "NORTH BRISTOL NHS TRUST" are one); failing that, the
organisation whose `folder` holds the file or whose `pattern` its path matches; failing that,
the only organisation when just one is configured.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from planreports.config import Organisation

# Words that tell NHS bodies apart from nothing: "Trust" alone names no one.
GENERIC_WORDS = frozenset({
    "the", "nhs", "foundation", "trust", "ft", "nhsft", "of", "and", "hospital", "hospitals",
    "university", "council", "icb", "ccg", "services",
})
FUZZY_MIN = 90.0
TIE = 1.5


@lru_cache(maxsize=4096)
def _plain(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and "))
    return " ".join(value.split())


def _core(text: str) -> str:
    words = [w for w in _plain(text).split() if w not in GENERIC_WORDS]
    return " ".join(words) or _plain(text)


@dataclass(frozen=True, slots=True)
class Placed:
    """A row's organisation and how it was found."""

    organisation: str | None
    how: str  # "column", "folder", "pattern", "only", "none"


class OrganisationFinder:
    """Names and file paths -> organisation ids, cached: a region repeats them by the thousand."""

    def __init__(self, organisations: Sequence[Organisation]):
        self.organisations = tuple(organisations)
        self._exact: dict[str, str] = {}
        self._core: dict[str, set[str]] = {}
        for org in self.organisations:
            for name in org.names:
                self._exact.setdefault(_plain(name), org.id)
                self._core.setdefault(_core(name), set()).add(org.id)
        self._choices = {core: next(iter(ids)) for core, ids in self._core.items()
                         if len(ids) == 1}
        self._named: dict[str, str | None] = {}
        self._filed: dict[str, Placed] = {}

    def named(self, text: str) -> str | None:
        """The organisation a cell's text names, or None when it names none (or two)."""
        if text not in self._named:
            self._named[text] = self._match(text)
        return self._named[text]

    def _match(self, text: str) -> str | None:
        plain = _plain(text)
        if not plain:
            return None
        if plain in self._exact:
            return self._exact[plain]
        core = _core(text)
        ids = self._core.get(core)
        if ids:
            return next(iter(ids)) if len(ids) == 1 else None
        found = process.extract(core, list(self._choices), scorer=fuzz.token_sort_ratio,
                                score_cutoff=FUZZY_MIN, limit=2)
        if not found or (len(found) > 1 and found[0][1] - found[1][1] < TIE):
            return None
        return self._choices[found[0][0]]

    def filed(self, path: str) -> Placed:
        """The organisation whose folder holds `path` (relative to inputs/) or whose pattern
        it matches; the only one when just one is configured."""
        if path not in self._filed:
            self._filed[path] = self._by_path(path)
        return self._filed[path]

    def _by_path(self, path: str) -> Placed:
        posix = path.replace("\\", "/")
        lowered = posix.lower()
        name = lowered.rsplit("/", 1)[-1]
        for org in self.organisations:
            if org.folder and lowered.startswith(org.folder.lower().rstrip("/") + "/"):
                return Placed(org.id, "folder")
        for org in self.organisations:
            pattern = (org.pattern or "").lower()
            if pattern and (fnmatch.fnmatchcase(lowered, pattern)
                            or fnmatch.fnmatchcase(name, pattern)):
                return Placed(org.id, "pattern")
        if len(self.organisations) == 1:
            return Placed(self.organisations[0].id, "only")
        return Placed(None, "none")
