"""The run: what a build or check found and wrote, and its run.json manifest (the contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planreports import __version__
from planreports.config import Config
from planreports.model import Counts, Finding, InputFile, Item, Output, PackView

if TYPE_CHECKING:  # the reconcile package pulls in the readers; not needed to load a Run
    from planreports.reconcile.accounting import SheetAccount


@dataclass(frozen=True)
class PackResult:
    """One pack of a run: its view (items, findings) and whether it may be emailed."""

    view: PackView

    @property
    def blocked_reason(self) -> str:
        cells = [
            f"{f.file}!{f.sheet}!{f.cell}" for f in self.view.findings
            if f.code == "patient-identifier"
        ]
        return f"patient-identifier in {', '.join(cells)}" if cells else ""

    def __repr__(self) -> str:
        view = self.view
        blocked = ", not emailable" if self.blocked_reason else ""
        return (f"<Pack {view.name}: {len(view.items)} items, "
                f"{len(view.findings)} findings{blocked}>")


@dataclass(frozen=True)
class Run:
    """What a build (or check) found and wrote."""

    config: Config
    inputs: tuple[InputFile, ...]
    items: tuple[Item, ...]
    findings: tuple[Finding, ...]
    packs: tuple[PackResult, ...] = ()
    outputs: tuple[Output, ...] = ()
    out_dir: Path | None = None
    previous_period: str | None = None
    no_longer_reported: tuple[Item, ...] = ()  # last period's items that no tracker reports now
    rows_dropped: int = 0
    notes: tuple[str, ...] = field(default=())  # e.g. a file saved beside a locked one
    accounts: tuple[SheetAccount, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def counts(self) -> Counts:
        """priority id -> RAG key -> items; 'unknown' priority and 'none' RAG where so."""
        out = Counts({p.id: {} for p in self.config.priorities})
        for item in self.items:
            by_rag = out.setdefault(item.priority or "unknown", {})
            key = item.rag or "none"
            by_rag[key] = by_rag.get(key, 0) + 1
        return out

    def __repr__(self) -> str:
        kind = "" if self.out_dir is not None else " (check)"
        errors = len(self.errors)
        wrote = f", {len(self.outputs)} files written" if self.out_dir is not None else ""
        return (
            f"<Run {self.config.report.period}{kind}: {len(self.items)} items from "
            f"{len(self.inputs)} trackers, {len(self.findings)} findings "
            f"({errors} error{'s' if errors != 1 else ''}){wrote}>"
        )

    __str__ = __repr__

    def manifest(self) -> dict:
        """run.json: the contract's keys, then additions (packs, accounting)."""
        accounting = {(a.file, a.sheet): a.as_dict() for a in self.accounts}
        return {
            "version": __version__,
            "period": self.config.report.period,
            "as_of": self.config.report.as_of.isoformat(),
            "organisation": self.config.organisation,
            "previous_period": self.previous_period,
            "no_longer_reported": [
                {"priority": it.priority, "workstream": it.workstream, "item": it.item,
                 "rag": it.rag, "source": {"file": it.source.file, "sheet": it.source.sheet,
                                           "cell": it.source.cell}}
                for it in self.no_longer_reported
            ],
            "inputs": [
                {
                    "path": i.path,
                    "sha256": i.sha256,
                    "status": i.status,
                    "format": i.format,
                    "reason": i.reason,
                    "detail": i.detail,
                    "sheets": [
                        {
                            "name": s.name,
                            "header_row": s.header_row,
                            "items": s.items,
                            "status": s.status,
                            "rows": s.rows,
                            "sections": s.sections,
                            "reason": s.reason,
                            "accounting": accounting.get((i.path, s.name)),
                        }
                        for s in i.sheets
                    ],
                }
                for i in self.inputs
            ],
            "items": [
                {
                    "priority": it.priority,
                    "workstream": it.workstream,
                    "item": it.item,
                    "project": it.project,
                    "rag": it.rag,
                    "previous_rag": it.previous_rag,
                    "trend": it.trend,
                    "lead": it.lead,
                    "committee": it.committee,
                    "directorate": it.directorate,
                    "due": it.due.isoformat() if it.due else None,
                    "milestone": it.milestone,
                    "update": it.update,
                    "workstream_matched": it.workstream_matched,
                    "match_score": it.match_score,
                    "extras": dict(it.extras),
                    "organisation": it.organisation,
                    "source": {"file": it.source.file, "sheet": it.source.sheet,
                               "cell": it.source.cell},
                }
                for it in self.items
            ],
            "counts": dict(self.counts),
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "message": f.message,
                    "file": f.file,
                    "sheet": f.sheet,
                    "cell": f.cell,
                    "priority": f.priority,
                    "workstream": f.workstream,
                    "organisation": f.organisation,
                }
                for f in self.findings
            ],
            "outputs": [
                {"pack": o.pack, "kind": o.kind, "path": o.path, "sha256": o.sha256}
                for o in self.outputs
            ],
            "packs": [
                {
                    "name": p.view.name,
                    "title": p.view.title,
                    "items": len(p.view.items),
                    "counts": _rag_counts(p.view),
                    "organisations": list(pack_organisations(p.view)),
                    "emailable": not p.blocked_reason,
                    "blocked_reason": p.blocked_reason,
                }
                for p in self.packs
            ],
            "organisations": organisation_summaries(self.config, self.items),
            "accounting": {
                "rows_read": sum(s.rows for i in self.inputs for s in i.sheets),
                "section_rows": sum(s.sections for i in self.inputs for s in i.sheets),
                "items": len(self.items),
                "duplicates_dropped": self.rows_dropped,
                "unaccounted": sum(a.unaccounted for a in self.accounts),
            },
        }


def organisation_summaries(config: Config, items: tuple[Item, ...]) -> list[dict]:
    """Each configured member's items and counts (priority id -> RAG key -> items)."""
    counts: dict[str | None, dict[str, dict[str, int]]] = {}
    for item in items:
        by_rag = counts.setdefault(item.organisation, {}).setdefault(item.priority or "unknown",
                                                                      {})
        by_rag[item.rag or "none"] = by_rag.get(item.rag or "none", 0) + 1
    return [{"id": o.id, "name": o.name,
             "items": sum(n for by_rag in counts.get(o.id, {}).values() for n in by_rag.values()),
             "counts": counts.get(o.id, {})}
            for o in config.organisations]


def pack_organisations(view: PackView) -> tuple[str, ...]:
    """The organisations a pack holds: its own list, else every configured one."""
    from planreports.packs import pack_of

    config: Config = view.config  # type: ignore[assignment]
    return pack_of(view).organisations or tuple(o.id for o in config.organisations)


def _rag_counts(view: PackView) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in view.items:
        out[item.rag or "none"] = out.get(item.rag or "none", 0) + 1
    return out
