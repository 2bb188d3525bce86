"""Trends: pairing this period's items with the previous period's, and what moved. Pure logic.

An item is paired with last period's by its key first (stable id of its configured workstream,
else priority / workstream / item text, with an occurrence number for continuation rows), then,
for what is left, by the closest wording among last period's unpaired items of the same
priority and workstream: a typo fixed in an item title, or a continuation row whose update moved
on, is still the same item.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from planreports.config import Config
from planreports.findings import finding, where
from planreports.model import Finding, Item
from planreports.reconcile.match import stable_id

# Scores are rapidfuzz 0-100 on text lower-cased with punctuation folded to spaces.
ITEM_THRESHOLD = 85.0  # item titles this close are one item re-worded ("nruses" -> "nurses")
WORKSTREAM_THRESHOLD = 90.0  # a tracker's own (unconfigured) project title, tidied
# Below this two updates share little more than boilerplate ("In Q2 ..."), so the order of the
# rows under their workstream says more about which is which than the words do.
UPDATE_THRESHOLD = 60.0
ORG_MARK = "@"  # a history key's organisation prefix: "@NBT|P1|id:ws-..|#0"
UPDATE_OPENING = 200  # continuation rows usually open by naming their part ("Adults Directorate")


@dataclass(frozen=True)
class Previous:
    """The previous period's snapshot: its label, date and items by key, in sheet order."""

    period: str
    as_of: dt.date
    items: Mapping[str, Item]


@dataclass(frozen=True, slots=True)
class Pairing:
    """For each of this period's items, the key of last period's item it continues (or None)."""

    previous_keys: tuple[str | None, ...]
    gone: tuple[str, ...]  # last period's keys that nothing continues, in their order


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w£%]+", " ", text.lower()).split())


def match_keys(items: Sequence[Item], config: Config | None = None) -> list[str]:
    """Keys that pair an item with last period's.

    A configured workstream is keyed by its stable id (the id a return template carries), so a
    renamed workstream with an `id:` in config keeps its history; anything else by priority,
    workstream and item text. Rows under one workstream are told apart by their order.
    """
    seen: dict[str, int] = defaultdict(int)
    ids: dict[tuple[str | None, str], str] = {}
    if config is not None:
        ids = {(p.id, w.title): stable_id(p, w) for p in config.priorities for w in p.workstreams}
    keys = []
    for item in items:
        sid = ids.get((item.priority, item.workstream))
        workstream = f"id:{sid}" if sid else " ".join(item.workstream.lower().split())
        base = "|".join((item.priority or "-", workstream, " ".join(item.item.lower().split())))
        if item.organisation:  # a system's members each report the same plan
            base = f"{ORG_MARK}{item.organisation}|{base}"
        keys.append(f"{base}#{seen[base]}")
        seen[base] += 1
    return keys


def organisation_of_key(key: str) -> str | None:
    """The organisation a history key was recorded under (None for a single trust)."""
    if not key.startswith(ORG_MARK):
        return None
    return key[len(ORG_MARK):].split("|", 1)[0]


def _base(key: str) -> str:
    return key.rpartition("#")[0]


def _configured_titles(config: Config) -> set[tuple[str, str]]:
    return {(p.id, _fold(w.title)) for p in config.priorities for w in p.workstreams}


def _same_workstream(configured: set[tuple[str, str]], priority: str | None, now: str,
                     before: str) -> bool:
    """Folded workstream texts under one priority: the same, or one tidied into the other."""
    if now == before:
        return True
    if (priority, now) in configured and (priority, before) in configured:
        return False  # two configured workstreams are different work, however alike they read
    return fuzz.ratio(now, before) >= WORKSTREAM_THRESHOLD


def _item_score(now: Item, before: Item) -> float:
    a, b = _fold(now.item), _fold(before.item)
    if a == b:
        return 100.0
    if not a or not b:
        return 0.0  # a sub-item title appearing or vanishing is a different row
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _update_score(now: Item, before: Item) -> float:
    a, b = _fold(now.update)[:UPDATE_OPENING], _fold(before.update)[:UPDATE_OPENING]
    if not a or not b:
        return 0.0
    score = fuzz.token_sort_ratio(a, b)
    return score if score >= UPDATE_THRESHOLD else 0.0


def _owner(item: Item) -> tuple[str | None, str | None]:
    """Rows pair only within one organisation's priority."""
    return (item.organisation, item.priority)


def _positions(items: Sequence[Item]) -> list[int]:
    """Each item's place among the rows of its priority and workstream (0 = first)."""
    counter: Counter[tuple[tuple[str | None, str | None], str]] = Counter()
    out = []
    for item in items:
        group = (_owner(item), _fold(item.workstream))
        out.append(counter[group])
        counter[group] += 1
    return out


def _fallback_candidates(
    config: Config, items: Sequence[Item], left_now: list[int], previous: Mapping[str, Item],
    left_before: list[str],
) -> list[tuple[float, float, int, int, str]]:
    """(item score, update score, -distance, -index, previous key) for every acceptable pair.

    Last period's rows are bucketed by priority and workstream, and workstream texts are
    compared once per pair of texts, so a region's roll-up stays near linear in its rows.
    """
    configured = _configured_titles(config)
    pos_now = _positions(items)
    pos_before = dict(zip(previous, _positions(list(previous.values())), strict=True))
    Owner = tuple[str | None, str | None]
    buckets: dict[tuple[Owner, str], list[str]] = defaultdict(list)
    for key in left_before:
        before = previous[key]
        buckets[(_owner(before), _fold(before.workstream))].append(key)
    by_owner: dict[Owner, list[str]] = defaultdict(list)
    for owner, workstream in buckets:
        by_owner[owner].append(workstream)
    similar: dict[tuple[Owner, str], list[str]] = {}
    out: list[tuple[float, float, int, int, str]] = []
    for i in left_now:
        now = items[i]
        group = (_owner(now), _fold(now.workstream))
        if group not in similar:
            # The same text last period: that workstream alone (a 'Phase 2' next to 'Phase 1'
            # is not a re-wording of it). Otherwise the re-worded texts, found in C by rapidfuzz.
            similar[group] = [group[1]] if group in buckets else [
                w for w, _, _ in process.extract(
                    group[1], by_owner.get(group[0], ()), scorer=fuzz.ratio,
                    score_cutoff=WORKSTREAM_THRESHOLD, limit=None)
                if _same_workstream(configured, now.priority, group[1], w)
            ]
        for workstream in similar[group]:
            for key in buckets[(group[0], workstream)]:
                before = previous[key]
                title = _item_score(now, before)
                if title < ITEM_THRESHOLD:
                    continue
                distance = abs(pos_now[i] - pos_before[key])
                out.append((title, _update_score(now, before), -distance, -i, key))
    return out


def pair_items(
    config: Config, items: Sequence[Item], previous: Mapping[str, Item]
) -> Pairing:
    """Pair this period's items with last period's (`previous`: key -> item, in sheet order).

    Exact keys first, except where a workstream has a different number of rows with the same
    text than last period: a row added or removed there shifts the occurrence numbers, so those
    rows are paired by wording instead. Then the fallback pairs what is left, best pair first:
    same priority and workstream, item titles within ITEM_THRESHOLD, then the closer update
    opening, then the nearer position under the workstream.
    """
    keys = match_keys(items, config)
    before_keys = list(previous)
    now_count = Counter(_base(k) for k in keys)
    before_count = Counter(_base(k) for k in before_keys)
    paired: list[str | None] = [None] * len(items)
    taken: set[str] = set()
    for i, key in enumerate(keys):
        if key in previous and now_count[_base(key)] == before_count[_base(key)]:
            paired[i] = key
            taken.add(key)

    left_now = [i for i, k in enumerate(paired) if k is None]
    left_before = [k for k in before_keys if k not in taken]
    if left_now and left_before:
        candidates = _fallback_candidates(config, items, left_now, previous, left_before)
        # Greedy, best first: ties on score go to the nearer position, then sheet order, so the
        # result never depends on dictionary order.
        for *_, minus_i, key in sorted(candidates, reverse=True):
            i = -minus_i
            if paired[i] is None and key not in taken:
                paired[i] = key
                taken.add(key)
    gone = tuple(k for k in before_keys if k not in taken)
    return Pairing(previous_keys=tuple(paired), gone=gone)


def _label(item: Item) -> str:
    text = item.workstream + (f" – {item.item}" if item.item else "")
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:79] + "\u2026"


def apply_trends(
    config: Config, items: Sequence[Item], previous: Previous | None
) -> tuple[tuple[Item, ...], list[Finding], tuple[Item, ...]]:
    """Items with previous_rag and trend; stale/moved findings; last period's items now gone.

    With no previous period every item's trend stays None: 'new' would claim that the whole
    plan started this quarter.
    """
    if previous is None:
        return tuple(items), [], ()
    before_items, previous_period = previous.items, previous.period
    rank = {s.key: i for i, s in enumerate(config.rag)}  # worst first: a higher rank is better
    complete = {s.key for s in config.rag if s.complete}
    pairing = pair_items(config, items, before_items)
    out: list[Item] = []
    findings: list[Finding] = []
    for item, key in zip(items, pairing.previous_keys, strict=True):
        if key is None:
            out.append(replace(item, trend="new"))
            continue
        before = before_items[key]
        at = where(item.source.file, item.source.sheet, item.source.cell)
        # A RAG missing on either side cannot be compared: no trend rather than a false 'same'.
        trend = None if item.rag not in rank or before.rag not in rank else "same"
        if trend and item.rag != before.rag:
            trend = "improved" if rank[item.rag] > rank[before.rag] else "deteriorated"
            was, now = config.rag_status(before.rag), config.rag_status(item.rag)
            findings.append(finding(
                f"rag-{trend}",
                f"{at}: '{_label(item)}' moved from {was.label if was else before.rag} in "
                f"{previous_period} to {now.label if now else item.rag}",
                source=item.source, priority=item.priority, workstream=item.workstream,
                organisation=item.organisation,
            ))
        # A completed item may rightly say "Complete." quarter after quarter.
        finished = item.rag in complete and before.rag in complete
        if item.update and not finished and item.update.split() == before.update.split():
            findings.append(finding(
                "stale-update",
                f"{at}: the update for '{_label(item)}' is word for word the same as in "
                f"{previous_period}",
                source=item.source, priority=item.priority, workstream=item.workstream,
                organisation=item.organisation,
            ))
        out.append(replace(item, previous_rag=before.rag, trend=trend))  # type: ignore[arg-type]
    gone = tuple(before_items[k] for k in pairing.gone)
    return tuple(out), findings, gone
