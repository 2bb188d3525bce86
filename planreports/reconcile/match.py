"""Matching tracker text to configured priorities and workstreams: pure logic, no I/O.

By id or number prefix ("1.", "P1", "Priority 1"), by exact title, by alias, then by a fuzzy
match (rapidfuzz) that ignores case, punctuation, "&"/"and", bracketed notes such as
"(trust-wide)" and leading verbs ("Deliver", "Implement", "Embed"). A fuzzy match records its
score; a weak one is reported by the caller; a tie is never settled by a coin toss.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from planreports.config import Config, Priority, Workstream

LEADING_VERBS = (
    "deliver", "delivering", "implement", "implementing", "embed", "embedding", "establish",
    "develop", "developing", "introduce", "achieve", "complete", "ensure", "support", "to",
)
STOP_WORDS = frozenset({"the", "a", "an", "of", "our", "for"})
STRONG = 90.0  # accepted silently (score still recorded)
WEAK = 78.0  # accepted but reported as a weak match; below this, no match
TIE = 1.5  # two candidates this close are a tie

How = Literal["id", "number", "title", "alias", "fuzzy", "none", "ambiguous"]

NUMBER_PREFIX = re.compile(
    r"^\s*(?:(?:priority|objective|p|ambition|no\.?)\s*)?(\d{1,2})(?:\s*[.):\-]|\s+(?=\D)|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something that can be matched: its key, its number (1-based), title and aliases."""

    key: str
    number: int
    title: str
    aliases: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # what a tracker may write as its id ("P1")


@dataclass(frozen=True, slots=True)
class Match:
    key: str | None
    how: How
    score: float = 0.0
    tied: tuple[str, ...] = ()  # the candidates of a tie, best first

    @property
    def weak(self) -> bool:
        return self.how == "fuzzy" and self.score < STRONG


@lru_cache(maxsize=65536)
def normalise_title(text: str) -> str:
    """'Deliver patient involvement & experience strategy (trust-wide)' ->
    'patient involvement and experience strategy'."""
    value = text.lower().replace("&", " and ")
    value = re.sub(r"\([^)]*\)", " ", value)
    value = NUMBER_PREFIX.sub(" ", value, count=1)
    value = re.sub(r"[^a-z0-9]+", " ", value)
    words = [w for w in value.split() if w not in STOP_WORDS]
    while len(words) > 1 and words[0] in LEADING_VERBS:
        words = words[1:]
    return " ".join(words)


def number_prefix(text: str) -> int | None:
    """'1. To make care ...' -> 1; 'P3' -> 3; 'Priority 2' -> 2; '2020/21 plan' -> None."""
    found = NUMBER_PREFIX.match(text)
    return int(found.group(1)) if found else None


def _score(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b))


def best_match(text: str, candidates: Sequence[Candidate], *, use_number: bool = True) -> Match:
    """The candidate `text` names, and how it was found."""
    raw = text.strip()
    if not raw or not candidates:
        return Match(None, "none")
    lowered = raw.lower()
    for c in candidates:
        if any(lowered == i.lower() for i in c.ids):
            return Match(c.key, "id", 100.0)
    norm = normalise_title(raw)
    for c in candidates:
        if norm and norm == normalise_title(c.title):
            return Match(c.key, "title", 100.0)
    for c in candidates:
        if any(lowered == a.lower() or (norm and norm == normalise_title(a)) for a in c.aliases):
            return Match(c.key, "alias", 100.0)
    if use_number:
        number = number_prefix(raw)
        if number is not None:
            by_number = [c for c in candidates if c.number == number]
            if len(by_number) == 1:
                return Match(by_number[0].key, "number", 100.0)
    scored = sorted(
        (
            (max(_score(norm, normalise_title(t)) for t in (c.title, *c.aliases)), c.key)
            for c in candidates
        ),
        reverse=True,
    )
    best_score, best_key = scored[0]
    if best_score < WEAK:
        return Match(None, "none", best_score)
    if len(scored) > 1 and best_score - scored[1][0] < TIE:
        return Match(None, "ambiguous", best_score, tied=(best_key, scored[1][1]))
    return Match(best_key, "fuzzy", round(best_score, 1))


def _number_of(pid: str, index: int) -> int:
    digits = "".join(ch for ch in pid if ch.isdigit())
    return int(digits) if digits else index + 1


def priority_candidates(config: Config) -> list[Candidate]:
    return [
        Candidate(
            p.id, _number_of(p.id, i), p.title, (*p.aliases, *([p.short] if p.short else [])),
            ids=(p.id,),
        )
        for i, p in enumerate(config.priorities)
    ]


def workstream_candidates(priority: Priority) -> list[Candidate]:
    return [
        Candidate(w.id or w.title, i + 1, w.title, w.aliases, ids=(w.id,) if w.id else ())
        for i, w in enumerate(priority.workstreams)
    ]


def stable_id(priority: Priority, workstream: Workstream) -> str:
    """The configured id, else one derived from the priority and the title (not its position,
    so reordering the plan does not break last quarter's return templates)."""
    if workstream.id:
        return f"{priority.id}/{workstream.id}"
    title = " ".join(workstream.title.lower().split())
    return f"{priority.id}/{hashlib.sha1(title.encode()).hexdigest()[:8]}"


def workstream_by_id(config: Config, sid: str) -> tuple[Priority, Workstream] | None:
    """The workstream a return template's hidden id names."""
    for priority in config.priorities:
        for ws in priority.workstreams:
            if stable_id(priority, ws) == sid.strip():
                return priority, ws
    return None
