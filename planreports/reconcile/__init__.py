"""Reconcile: Rows -> Items under configured priorities and workstreams, plus Findings.

Nothing is lost: every Row becomes an Item, or is named by a finding that says why not
(only exact duplicates are dropped, each with a `duplicate-item` finding).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from planreports.config import Config, Priority, Workstream
from planreports.findings import finding, from_row, where
from planreports.model import Finding, Item, Row, Source
from planreports.read.colour import nearest_rag
from planreports.read.dates import parse_due
from planreports.reconcile import checks
from planreports.reconcile.masking import Flag
from planreports.reconcile.match import (
    Match,
    best_match,
    priority_candidates,
    workstream_by_id,
    workstream_candidates,
)
from planreports.reconcile.organisations import OrganisationFinder

TEXT_FIELDS = ("priority", "workstream", "item", "update", "lead", "milestone", "metric")


@dataclass(frozen=True)
class Reconciled:
    items: tuple[Item, ...]
    findings: tuple[Finding, ...]
    dropped: int  # rows not turned into items (duplicates), each named by a finding


def _workstream(priority: Priority | None, key: str | None) -> Workstream | None:
    if priority is None or key is None:
        return None
    return next((w for w in priority.workstreams if (w.id or w.title) == key), None)


class _Reconciler:
    def __init__(self, config: Config, flags: Mapping[Source, tuple[Flag, ...]]):
        self.config = config
        self.flags = flags
        self.as_of = config.report.as_of
        self.rag_table = checks.rag_lookup(config.rag)
        self.complete = {s.key for s in config.rag if s.complete}
        self.worst = config.rag[0].key
        self.best_open = [s.key for s in config.rag if not s.complete][-1:]  # e.g. Green
        self.priorities = priority_candidates(config)
        self.findings: list[Finding] = []
        self._priority_cache: dict[str, Match] = {}
        self._ws_cache: dict[tuple[str, str], Match] = {}
        self._ws_candidates: dict[str, list] = {}
        self.finder = OrganisationFinder(config.organisations) if config.organisations else None
        self._said: set[tuple[str, ...]] = set()  # per-file organisation findings, said once

    def _workstream_match(self, priority: Priority, project: str) -> Match:
        """Cached: a roll-up repeats the same project titles thousands of times."""
        key = (priority.id, project)
        if key not in self._ws_cache:
            if priority.id not in self._ws_candidates:
                self._ws_candidates[priority.id] = workstream_candidates(priority)
            self._ws_cache[key] = best_match(project, self._ws_candidates[priority.id])
        return self._ws_cache[key]

    def add(self, f: Finding) -> None:
        self.findings.append(f)

    def once(self, key: tuple[str, ...], make) -> None:  # noqa: ANN001 - () -> Finding
        if key not in self._said:
            self._said.add(key)
            self.add(make())

    # --- whose row ------------------------------------------------------------------------
    def organisation(self, row: Row) -> str | None:
        """The row's organisation: its column's, else its file's (see organisations.py)."""
        if self.finder is None:
            return None
        file = row.source.file
        filed = self.finder.filed(file)
        text = row.text("organisation")
        if text:
            named = self.finder.named(text)
            if named is None:
                fallback = (f"counted under {filed.organisation}, whose tracker it is"
                            if filed.organisation else "counted under no organisation")
                self.once(("unknown", file, text), lambda: from_row(
                    "unknown-organisation", row,
                    f"{where(file, row.source.sheet, row.cell_of('organisation'))}: "
                    f"'{_short(text, 40)}' is not an organisation in config.yaml (first such "
                    f"row); {fallback}",
                    field="organisation"))
            elif filed.how in {"folder", "pattern"} and named != filed.organisation:
                self.once(("mismatch", file, named), lambda: from_row(
                    "organisation-mismatch", row,
                    f"{where(file, row.source.sheet, row.cell_of('organisation'))}: the row "
                    f"names {named} but the tracker is {filed.organisation}'s (by its "
                    f"{filed.how}); counted under {named}, as the row says",
                    field="organisation"))
            if named is not None:
                return named
        if filed.organisation is None:
            rows_say = ("rows that name no configured organisation are"
                        if "organisation" in row.columns
                        else "it has no Organisation column, so its items are")
            self.once(("unassigned", file), lambda: finding(
                "unassigned-tracker",
                f"{where(file)}: no organisation's folder or pattern in config.yaml holds this "
                f"tracker; {rows_say} counted under no organisation",
                file=file))
        return filed.organisation

    # --- placing a row ------------------------------------------------------------------
    def place(self, row: Row) -> tuple[Priority | None, Workstream | None, str, Match | None]:
        """(priority, configured workstream, workstream text, workstream match) for a row."""
        text = row.text("priority")
        project = row.text("workstream")
        sid = row.text("id")
        if sid:
            found = workstream_by_id(self.config, sid)
            if found:  # a returned template: placed exactly by its hidden id
                return found[0], found[1], found[1].title, Match(found[1].title, "id", 100.0)
        priority: Priority | None = None
        if text:
            match = self._priority_cache.get(text)
            if match is None:
                match = self._priority_cache[text] = best_match(text, self.priorities)
            priority = self.config.priority(match.key)
            if priority is None:
                self.add(from_row(
                    "unknown-priority", row,
                    f"{where(row.source.file, row.source.sheet, row.cell_of('priority'))}: "
                    f"priority '{_short(text)}' matches no priority in config.yaml; the row is "
                    "kept with no priority",
                    field="priority", workstream=project or None,
                ))
                return None, None, project, None
            if match.weak and "priority" not in row.inherited:
                self.add(from_row(
                    "weak-match", row,
                    f"{where(row.source.file, row.source.sheet, row.cell_of('priority'))}: "
                    f"'{_short(text)}' taken as {priority.id} '{_short(priority.title)}' on a "
                    f"loose match (score {match.score:.0f}); check it",
                    field="priority", priority=priority.id,
                ))
        if priority is None and project:
            # No priority column (or blank): find the workstream across the whole plan.
            for p in self.config.priorities:
                m = best_match(project, workstream_candidates(p), use_number=False)
                if m.key and m.how != "fuzzy":
                    return p, _workstream(p, m.key), project, m
        if priority is None:
            if not project:
                return None, None, "", None
            self.add(from_row(
                "unknown-priority", row,
                f"{where(row.source.file, row.source.sheet, row.source.cell)}: "
                f"'{_short(project)}' names no priority and matches no configured workstream; "
                "the row is kept with no priority",
                workstream=project,
            ))
            return None, None, project, None
        if not project:
            return priority, None, "", None
        m = self._workstream_match(priority, project)
        ws = _workstream(priority, m.key)
        at = where(row.source.file, row.source.sheet, row.cell_of("workstream"))
        inherited = "workstream" in row.inherited
        if ws is None and not inherited:
            if m.how == "ambiguous":
                self.add(from_row(
                    "ambiguous-match", row,
                    f"{at}: '{_short(project)}' matches '{_short(m.tied[0])}' and "
                    f"'{_short(m.tied[1])}' equally; name the workstream exactly or add an alias",
                    field="workstream", priority=priority.id, workstream=project,
                ))
            else:
                self.add(from_row(
                    "unmatched-workstream", row,
                    f"{at}: '{_short(project)}' is not a workstream of {priority.id} in "
                    "config.yaml; shown under its priority as reported",
                    field="workstream", priority=priority.id, workstream=project,
                ))
        elif ws is not None and m.weak and not inherited:
            self.add(from_row(
                "weak-match", row,
                f"{at}: '{_short(project)}' taken as '{_short(ws.title)}' on a loose match "
                f"(score {m.score:.0f}); check it or add an alias",
                field="workstream", priority=priority.id, workstream=ws.title,
            ))
        return priority, ws, project, m

    # --- one row -> one item ----------------------------------------------------------------
    def item(self, row: Row) -> Item:
        priority, ws, project, match = self.place(row)
        pid = priority.id if priority else None
        ws_title = ws.title if ws else project
        at_row = (row.source.file, row.source.sheet)

        def note(code: str, message: str, field: str | None = None) -> None:
            cell = row.cell_of(field) if field else row.source.cell
            self.add(from_row(
                code, row, f"{where(*at_row, cell)}: {message}",
                field=field, priority=pid, workstream=ws_title or None,
            ))

        label = f"'{_short(ws_title or row.text('item') or 'row')}'"
        rag = self.rag(row, note, label)
        update = row.text("update")
        if not update:
            note("missing-update", f"{label} has no progress update", "update")
        lead = row.text("lead")
        if "lead" in row.columns and checks.is_missing_lead(lead):
            shown = f" ('{lead}')" if lead else ""
            note("missing-lead", f"{label} has no named lead{shown}", "lead")
            lead = ""
        elif "lead" not in row.columns:
            # No lead column at all: the plan's own lead for this work stands in.
            lead = (ws.lead if ws and ws.lead else None) or (priority.lead if priority else "")
            lead = lead or ""
        due, milestone = self.due(row, rag, note, label)
        if rag is not None and rag in self.best_open and update:
            word = checks.says_slipping(update)
            if word:
                status = self.config.rag_status(rag)
                note(
                    "rag-text-mismatch",
                    f"{label} is {status.label if status else rag} but its update says "
                    f"'{word}'",
                    "rag",
                )
        for flag in self.flags.get(row.source, ()):
            if flag.field is not None:
                note("patient-identifier", f"the {flag.field} text holds {flag.kinds}; it is "
                     "masked in every output. Board papers must hold none: remove it at source. "
                     "Packs holding it will not be emailed", flag.field)
            else:
                note("patient-identifier", f"column '{flag.header}' holds {flag.kinds}; it is "
                     "masked in every output. Board papers must hold none: remove it at source. "
                     "Packs holding it will not be emailed")
        for name in TEXT_FIELDS:
            value = row.values.get(name)
            if isinstance(value, str) and value and checks.looks_like_formula(value):
                note("formula-text", f"text starting '{value[:12]}' would run as a "
                     "formula in a spreadsheet; written as text", name)
        committee = row.text("committee") or (ws.committee if ws and ws.committee else None) or (
            priority.committee if priority and priority.committee else ""
        )
        extras = row.extras
        if self.finder is None and row.text("organisation"):
            # A trust's tracker may name the trust: kept as written, as any other column is.
            extras = (("Organisation", row.text("organisation")), *extras)
        return Item(
            priority=pid,
            workstream=ws_title,
            item=row.text("item"),
            rag=rag,
            update=update,
            lead=lead,
            committee=committee or "",
            directorate=row.text("directorate"),
            due=due,
            milestone=milestone,
            source=row.source,
            workstream_matched=ws is not None,
            match_score=match.score if match and ws is not None else None,
            extras=extras,
            project=row.text("workstream"),
            organisation=self.organisation(row),
        )

    def rag(self, row: Row, note, label: str) -> str | None:  # noqa: ANN001
        text = row.text("rag")
        word = checks.rag_from_text(text, self.rag_table)
        fill = nearest_rag(row.rag_fill, self.config.rag) if row.rag_fill else None
        if text and not word.known:
            note("invalid-rag", f"RAG '{_short(text, 20)}' for {label} is not a status in "
                 f"config.yaml ({', '.join(s.label for s in self.config.rag)})", "rag")
            return None
        if word.key is not None:
            if fill is not None and fill.key is not None and fill.key != word.key:
                said = self.config.rag_status(word.key)
                shown = self.config.rag_status(fill.key)
                note("rag-colour-mismatch", f"RAG text says {said.label if said else word.key} "
                     f"but the cell is coloured {shown.label if shown else fill.key}; the text "
                     "is used", "rag")
            return word.key
        if fill is not None:
            if fill.key is not None:
                return fill.key
            note("unrecognised-colour", f"{label} has no RAG text and its colour "
                 f"{row.rag_fill} is not a RAG colour in config.yaml", "rag")
            return None
        note("missing-rag", f"{label} has no RAG status (no text and no colour)", "rag")
        return None

    def due(self, row: Row, rag: str | None, note, label: str) -> tuple[dt.date | None, str]:  # noqa: ANN001
        value = row.values.get("due")
        milestone = row.text("milestone")
        if value is None or value == "":
            return None, milestone
        parsed = parse_due(value, self.as_of)
        text = value if isinstance(value, str) else ""
        if parsed.kind == "unparsed":
            note("unparsed-date", f"milestone date '{_short(text or str(value), 40)}' for "
                 f"{label} is not a date; kept as text", "due")
            return None, milestone or text
        if parsed.kind == "date" and parsed.date is not None:
            if parsed.date < self.as_of and rag not in self.complete:
                note("overdue", f"{label} was due {parsed.date:%d %b %Y}, before the reporting "
                     f"date {self.as_of:%d %b %Y}, and is not complete", "due")
            keep = text if text and text.strip() != parsed.date.isoformat() else ""
            return parsed.date, milestone or keep
        return None, milestone or text


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def reconcile(
    rows: Sequence[Row],
    config: Config,
    flags: Mapping[Source, tuple[Flag, ...]] | None = None,
) -> Reconciled:
    """Place every row; then the checks across rows: duplicates, conflicts, missing returns.

    `rows` are expected masked (`masking.mask_read`); `flags` say which cells were, so each
    becomes a `patient-identifier` finding at its cell, under its item's priority."""
    r = _Reconciler(config, flags or {})
    items: list[Item] = []
    seen: dict[tuple, Item] = {}
    dropped = 0
    for row in rows:
        before = len(r.findings)
        item = r.item(row)
        if item.organisation is not None:
            oid = item.organisation
            r.findings[before:] = [f if f.organisation else replace(f, organisation=oid)
                                   for f in r.findings[before:]]
        key = (item.organisation, item.priority, item.workstream.lower(), item.item.lower(),
               item.rag, " ".join(item.update.lower().split()))
        first = seen.get(key)
        if first is not None and item.update:
            dropped += 1
            del r.findings[before:]  # the copy's own findings would only repeat the first's
            r.add(finding(
                "duplicate-item",
                f"{where(row.source.file, row.source.sheet, row.source.cell)}: "
                f"'{_short(item.workstream)}' appears twice with the same update (first at "
                f"{first.source}); counted once",
                source=row.source, priority=item.priority, workstream=item.workstream,
                organisation=item.organisation,
            ))
            continue
        seen[key] = item
        items.append(item)

    # The same workstream given different RAGs by different files of one organisation (each
    # member of a system reports its own part): both kept, both named.
    by_ws: dict[tuple[str | None, str | None, str], list[Item]] = defaultdict(list)
    for item in items:
        if item.workstream_matched and not item.item:
            by_ws[(item.organisation, item.priority, item.workstream)].append(item)
    for (oid, pid, title), group in by_ws.items():
        files = {i.source.file for i in group}
        rags = {i.rag for i in group if i.rag}
        if len(files) > 1 and len(rags) > 1:
            named = _conflict_summary(config, group)
            for i in group:
                r.add(finding(
                    "conflicting-rag",
                    f"'{_short(title)}' is reported with different RAGs: {named}",
                    source=i.source, priority=pid, workstream=title, organisation=oid,
                ))

    r.findings.extend(missing_returns(config, items))
    return Reconciled(items=tuple(items), findings=tuple(r.findings), dropped=dropped)


def missing_returns(config: Config, items: Sequence[Item]) -> list[Finding]:
    """Configured workstreams no tracker reports on: across the plan for one trust, per
    organisation for a system (one finding for a member that reported nothing at all)."""
    reported = {(i.organisation, i.priority, i.workstream) for i in items if i.workstream_matched}
    out: list[Finding] = []
    if not config.organisations:
        members: list[tuple[str | None, str]] = [(None, "")]
    else:
        active = {i.organisation for i in items}
        members = []
        for org in config.organisations:
            if org.id in active:
                members.append((org.id, f"{org.id}: "))
                continue
            where_from = (f" (nothing in inputs/{org.folder}/)" if org.folder
                          else f" (no file matches '{org.pattern}')" if org.pattern else "")
            owed = sum(1 for p in config.priorities for w in p.workstreams
                       if org.id in (w.organisations or p.organisations or (org.id,)))
            out.append(finding(
                "missing-organisation",
                f"{org.id} {org.name}: no tracker reports any item{where_from}; none of its "
                f"{owed} workstreams is reported",
                organisation=org.id,
            ))
    for oid, prefix in members:
        for p in config.priorities:
            for w in p.workstreams:
                owed_by = w.organisations or p.organisations
                if oid is not None and owed_by and oid not in owed_by:
                    continue  # another member's work: no return is owed on it
                if (oid, p.id, w.title) not in reported:
                    out.append(finding(
                        "missing-return",
                        f"{prefix}{p.id} '{_short(w.title)}': no tracker "
                        + (f"from {oid} " if oid else "") + "reports on this workstream"
                        + (f" (lead: {w.lead or p.lead})" if (w.lead or p.lead) else ""),
                        priority=p.id, workstream=w.title, organisation=oid,
                    ))
    return out


def _conflict_summary(config: Config, group: list[Item], limit: int = 4) -> str:
    """'Red at a.xlsx!P1!A5; Green at b.xlsx!S!A7 and 2 more': bounded, so a workstream that
    300 trackers report on does not make 300 messages of 300 names each."""
    by_rag: dict[str | None, list[Item]] = defaultdict(list)
    for item in group:
        by_rag[item.rag].append(item)
    parts = []
    for rag, members in by_rag.items():
        shown = ", ".join(str(i.source) for i in members[:limit])
        more = f" and {len(members) - limit} more" if len(members) > limit else ""
        parts.append(f"{_label(config, rag)} at {shown}{more}")
    return "; ".join(parts)


def _label(config: Config, key: str | None) -> str:
    status = config.rag_status(key)
    return status.label if status else "no RAG"
