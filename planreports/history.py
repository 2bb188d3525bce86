"""History: each build's items by period in a database, and trends against the previous period.

SQLite file by default, any SQLAlchemy URL (e.g. postgresql://...) for a PMO that shares
history. The schema is created and versioned by the tool. The previous period is the snapshot
with the latest `as_of` before this one; rebuilding a period replaces that period only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from planreports.config import Config
from planreports.findings import finding
from planreports.model import Finding, Item, PeriodSummary, Source

SCHEMA_VERSION = 1
metadata = sa.MetaData()
schema_table = sa.Table("planreports_schema", metadata, sa.Column("version", sa.Integer))
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("period", sa.String(100), primary_key=True),
    sa.Column("as_of", sa.Date, nullable=False, index=True),
    sa.Column("built_at", sa.DateTime, nullable=False),
)
snapshot_items = sa.Table(
    "snapshot_items",
    metadata,
    sa.Column("period", sa.String(100), sa.ForeignKey("snapshots.period"), index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("match_key", sa.Text, nullable=False),
    sa.Column("priority", sa.String(100)),
    sa.Column("workstream", sa.Text, nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("rag", sa.String(20)),
    sa.Column("update_text", sa.Text, nullable=False),
    sa.Column("lead", sa.Text, nullable=False),
    sa.Column("committee", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
)
snapshot_findings = sa.Table(
    "snapshot_findings",
    metadata,
    sa.Column("period", sa.String(100), sa.ForeignKey("snapshots.period"), index=True),
    sa.Column("code", sa.String(50), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("file", sa.Text),
    sa.Column("sheet", sa.Text),
    sa.Column("cell", sa.String(20)),
    sa.Column("priority", sa.String(100)),
    sa.Column("workstream", sa.Text),
)


@dataclass(frozen=True)
class Previous:
    """The previous period's snapshot: its label, date and items keyed for matching."""

    period: str
    as_of: dt.date
    items: dict[str, Item]


def engine_for(url: str) -> sa.Engine:
    """An engine with the schema in place (created, or checked against this version)."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        version = conn.execute(sa.select(schema_table.c.version)).scalar()
        if version is None:
            conn.execute(schema_table.insert().values(version=SCHEMA_VERSION))
        elif version > SCHEMA_VERSION:
            from planreports.errors import PlanreportsError

            raise PlanreportsError(
                f"the history database is schema version {version}, newer than this "
                f"planreports ({SCHEMA_VERSION}); upgrade planreports"
            )
    return engine


def match_keys(items: Sequence[Item]) -> list[str]:
    """Keys that pair an item with last period's: stable id, else priority/workstream/item.

    Several rows under one workstream (continuation rows) are told apart by their order.
    """
    seen: dict[str, int] = defaultdict(int)
    keys = []
    for item in items:
        stable = dict(item.extras).get("planreports id") or dict(item.extras).get("id")
        base = (
            f"id:{stable}"
            if stable
            else "|".join(
                (item.priority or "-", " ".join(item.workstream.lower().split()),
                 " ".join(item.item.lower().split()))
            )
        )
        keys.append(f"{base}#{seen[base]}")
        seen[base] += 1
    return keys


def _items_of(conn: sa.Connection, period: str) -> dict[str, Item]:
    items = {}
    for r in conn.execute(
        sa.select(snapshot_items)
        .where(snapshot_items.c.period == period)
        .order_by(snapshot_items.c.seq)
    ):
        file, _, rest = r.source.partition("!")
        sheet, _, cell = rest.rpartition("!")
        items[r.match_key] = Item(
            priority=r.priority, workstream=r.workstream, item=r.item, rag=r.rag,
            update=r.update_text, lead=r.lead, committee=r.committee, directorate="",
            due=None, milestone="", source=Source(file, sheet, cell),
        )
    return items


def load_previous(engine: sa.Engine, period: str, as_of: dt.date) -> Previous | None:
    """The snapshot with the latest as_of before this period's."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(snapshots.c.period, snapshots.c.as_of)
            .where(snapshots.c.as_of < as_of, snapshots.c.period != period)
            .order_by(snapshots.c.as_of.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return Previous(period=row.period, as_of=row.as_of, items=_items_of(conn, row.period))


def latest_snapshot(engine: sa.Engine, as_of: dt.date) -> list[Item]:
    """The items of the latest snapshot on or before `as_of` (what a return shows as 'last')."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(snapshots.c.period)
            .where(snapshots.c.as_of <= as_of)
            .order_by(snapshots.c.as_of.desc())
            .limit(1)
        ).first()
        return list(_items_of(conn, row.period).values()) if row else []


def summaries(
    engine: sa.Engine, period: str, as_of: dt.date, limit: int = 8
) -> list[PeriodSummary]:
    """RAG counts of up to `limit` earlier periods, oldest first, for RAG-over-time charts."""
    with engine.connect() as conn:
        periods = conn.execute(
            sa.select(snapshots.c.period, snapshots.c.as_of)
            .where(snapshots.c.as_of < as_of, snapshots.c.period != period)
            .order_by(snapshots.c.as_of.desc())
            .limit(limit)
        ).all()
        out = []
        for p in reversed(periods):
            counts: dict[str | None, int] = {}
            for rag, n in conn.execute(
                sa.select(snapshot_items.c.rag, sa.func.count())
                .where(snapshot_items.c.period == p.period)
                .group_by(snapshot_items.c.rag)
            ):
                counts[rag] = n
            out.append(PeriodSummary(period=p.period, as_of=p.as_of, counts=counts))
    return out


def apply_trends(
    config: Config, items: Sequence[Item], previous: Previous | None
) -> tuple[tuple[Item, ...], list[Finding], tuple[Item, ...]]:
    """Items with previous_rag and trend; stale/moved findings; last period's items now gone."""
    if previous is None:
        return tuple(items), [], ()
    rank = {s.key: i for i, s in enumerate(config.rag)}  # worst first: higher is better
    out: list[Item] = []
    findings: list[Finding] = []
    keys = match_keys(items)
    for key, item in zip(keys, items, strict=True):
        before = previous.items.get(key)
        if before is None:
            out.append(replace(item, trend="new"))
            continue
        trend = "same"
        if item.rag in rank and before.rag in rank and item.rag != before.rag:
            trend = "improved" if rank[item.rag] > rank[before.rag] else "deteriorated"
            was = config.rag_status(before.rag)
            now = config.rag_status(item.rag)
            findings.append(finding(
                f"rag-{trend}",
                f"{item.source}: '{item.workstream}' moved from {was.label if was else before.rag}"
                f" in {previous.period} to {now.label if now else item.rag}",
                source=item.source, priority=item.priority, workstream=item.workstream,
            ))
        if item.update and " ".join(item.update.split()) == " ".join(before.update.split()):
            findings.append(finding(
                "stale-update",
                f"{item.source}: the update for '{item.workstream}' is word for word the same "
                f"as in {previous.period}",
                source=item.source, priority=item.priority, workstream=item.workstream,
            ))
        out.append(replace(item, previous_rag=before.rag, trend=trend))
    gone = tuple(v for k, v in previous.items.items() if k not in set(keys))
    return tuple(out), findings, gone


def record(
    engine: sa.Engine,
    period: str,
    as_of: dt.date,
    items: Sequence[Item],
    findings: Sequence[Finding],
) -> None:
    """Replace this period's snapshot with these items and findings, in one transaction."""
    keys = match_keys(items)
    with engine.begin() as conn:
        for table in (snapshot_items, snapshot_findings):
            conn.execute(table.delete().where(table.c.period == period))
        conn.execute(snapshots.delete().where(snapshots.c.period == period))
        conn.execute(
            snapshots.insert().values(period=period, as_of=as_of, built_at=dt.datetime.now())
        )
        if items:
            conn.execute(
                snapshot_items.insert(),
                [
                    {
                        "period": period, "seq": i, "match_key": key, "priority": it.priority,
                        "workstream": it.workstream, "item": it.item, "rag": it.rag,
                        "update_text": it.update, "lead": it.lead, "committee": it.committee,
                        "source": str(it.source),
                    }
                    for i, (key, it) in enumerate(zip(keys, items, strict=True))
                ],
            )
        if findings:
            conn.execute(
                snapshot_findings.insert(),
                [
                    {
                        "period": period, "code": f.code, "severity": f.severity,
                        "message": f.message, "file": f.file, "sheet": f.sheet, "cell": f.cell,
                        "priority": f.priority, "workstream": f.workstream,
                    }
                    for f in findings
                ],
            )
