"""Packs: which items and findings each configured pack (board, committees) holds."""

from __future__ import annotations

from collections.abc import Sequence

from planreports.config import Config, Pack
from planreports.model import SEVERITY_ORDER, Finding, InputFile, Item, PackView, PeriodSummary


def order_items(config: Config, items: Sequence[Item]) -> tuple[Item, ...]:
    """Priority order of config (unknown last), then workstream order, then source order."""
    p_rank = {p.id: i for i, p in enumerate(config.priorities)}
    w_rank = {
        (p.id, w.title): j for p in config.priorities for j, w in enumerate(p.workstreams)
    }
    indexed = list(enumerate(items))
    indexed.sort(
        key=lambda pair: (
            p_rank.get(pair[1].priority, len(p_rank)),
            w_rank.get((pair[1].priority, pair[1].workstream), 10_000),
            pair[0],
        )
    )
    return tuple(item for _, item in indexed)


def sort_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by file and cell, so the list reads like a to-do list."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (SEVERITY_ORDER[f.severity], f.file or "~", f.sheet or "", f.code),
        )
    )


def in_pack(pack: Pack, item: Item) -> bool:
    """A committee pack holds the items whose committee is one of its committees."""
    if not pack.committees:
        return True
    wanted = {c.strip().lower() for c in pack.committees}
    return item.committee.strip().lower() in wanted


def view_for(
    config: Config,
    pack: Pack,
    items: Sequence[Item],
    findings: Sequence[Finding],
    inputs: Sequence[InputFile],
    history: Sequence[PeriodSummary] = (),
    no_longer_reported: Sequence[Item] = (),
) -> PackView:
    """The slice of the run one pack shows.

    A committee pack keeps the findings about its own items' priorities and workstreams,
    and file-level findings (unreadable files concern every reader of the pack).
    """
    chosen = order_items(config, [i for i in items if in_pack(pack, i)])
    if pack.committees:
        keys = {(i.priority, i.workstream) for i in chosen}
        priorities = {i.priority for i in chosen}
        kept = [
            f
            for f in findings
            if (f.priority is None and f.workstream is None)
            or (f.priority, f.workstream) in keys
            or (f.workstream is None and f.priority in priorities)
            or _missing_in_pack(config, pack, f)
        ]
        gone = [i for i in no_longer_reported if in_pack(pack, i)]
    else:
        kept = list(findings)
        gone = list(no_longer_reported)
    return PackView(
        config=config,
        name=pack.name,
        title=pack.title,
        items=chosen,
        findings=sort_findings(kept),
        inputs=tuple(inputs),
        history=tuple(history),
        no_longer_reported=tuple(gone),
    )


def _missing_in_pack(config: Config, pack: Pack, f: Finding) -> bool:
    """A missing return belongs to the committee that oversees that workstream."""
    if f.code != "missing-return":
        return False
    priority = config.priority(f.priority)
    if priority is None:
        return False
    ws = next((w for w in priority.workstreams if w.title == f.workstream), None)
    committee = (ws.committee if ws and ws.committee else None) or priority.committee or ""
    return committee.lower() in {c.lower() for c in pack.committees}
