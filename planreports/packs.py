"""Packs: which items and findings each configured pack (board, committees) holds."""

from __future__ import annotations

from collections.abc import Sequence

from planreports.config import Config, Pack, Priority, Workstream
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
    """A member's pack holds its organisations' items; a committee pack the items whose
    committee is one of its committees."""
    if pack.organisations and item.organisation not in pack.organisations:
        return False
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

    A committee pack keeps the findings about its own items' priorities and workstreams, and
    file-level findings about the files its items came from or that gave no items at all (an
    unreadable file may hold anyone's rows); never those about other committees' trackers.
    """
    chosen = order_items(config, [i for i in items if in_pack(pack, i)])
    if pack.organisations:
        findings, inputs = _members_share(config, pack, findings, inputs)
    if pack.committees:
        keys = {(i.priority, i.workstream) for i in chosen}
        priorities = {i.priority for i in chosen}
        own_files = {i.source.file for i in chosen}
        feeding = {i.source.file for i in items}
        kept = [
            f
            for f in findings
            if (f.priority is None and f.workstream is None
                and (f.file is None or f.file in own_files or f.file not in feeding))
            or (f.priority, f.workstream) in keys
            or (f.workstream is None and f.priority in priorities)
            or _missing_in_pack(config, pack, f)
        ]
    else:
        kept = list(findings)
    gone = [i for i in no_longer_reported if in_pack(pack, i)]
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


def _members_share(
    config: Config, pack: Pack, findings: Sequence[Finding], inputs: Sequence[InputFile]
) -> tuple[list[Finding], list[InputFile]]:
    """A member's pack: findings about its organisations, their trackers or the whole plan,
    and the trackers filed under its organisations."""
    from planreports.reconcile.organisations import OrganisationFinder

    finder = OrganisationFinder(config.organisations)
    wanted = set(pack.organisations)
    kept = [
        f for f in findings
        if f.organisation in wanted
        or (f.organisation is None
            and (f.file is None or finder.filed(f.file).organisation in wanted))
    ]
    return kept, [i for i in inputs if finder.filed(i.path).organisation in wanted]


def _missing_in_pack(config: Config, pack: Pack, f: Finding) -> bool:
    """A missing return belongs to the committee that oversees that workstream."""
    if f.code != "missing-return":
        return False
    priority = config.priority(f.priority)
    if priority is None:
        return False
    ws = next((w for w in priority.workstreams if w.title == f.workstream), None)
    return _oversees(pack, priority, ws)


def _oversees(pack: Pack, priority: Priority, ws: Workstream | None) -> bool:
    """Whether the pack's committees oversee a workstream (or, for None, the priority)."""
    committee = (ws.committee if ws and ws.committee else None) or priority.committee or ""
    return committee.strip().lower() in {c.strip().lower() for c in pack.committees}


def pack_of(view: PackView) -> Pack:
    """The configured pack a view was made for (a bare board pack for a view made by hand)."""
    found = view.config.pack(view.name)  # type: ignore[attr-defined]
    return found if found is not None else Pack(name=view.name, title=view.title)


PlanRow = tuple[int, Priority, tuple[tuple[int, Workstream], ...]]


def plan_of(view: PackView) -> tuple[PlanRow, ...]:
    """The plan a pack reports on: (number, priority, ((number, workstream), ...)).

    A board pack shows the whole plan; a committee pack the priorities and workstreams its
    committees oversee or its items report on, numbered as in the whole plan so that "5.2"
    means the same in every pack.
    """
    config: Config = view.config  # type: ignore[assignment]
    pack = pack_of(view)
    reported = {(i.priority, i.workstream) for i in view.items}
    out: list[PlanRow] = []
    for n, priority in enumerate(config.priorities, start=1):
        streams = tuple(
            (j, w) for j, w in enumerate(priority.workstreams, start=1)
            if not pack.committees or _oversees(pack, priority, w)
            or (priority.id, w.title) in reported
        )
        if (not pack.committees or streams or _oversees(pack, priority, None)
                or any(pid == priority.id for pid, _ in reported)):
            out.append((n, priority, streams))
    return tuple(out)
