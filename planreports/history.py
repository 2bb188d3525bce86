"""History: each build's items by period in a database, and trends against the previous period.

SQLite file by default, any SQLAlchemy URL (e.g. postgresql://...) for a PMO that shares
history. The schema is created and versioned by the tool. The previous period is the snapshot
with the latest `as_of` before this one; rebuilding a period replaces that period only. The
pairing of items across periods is pure logic and lives in `planreports.trends`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from planreports.config import Config
from planreports.errors import PlanreportsError
from planreports.identifiers import IdentifierScanner
from planreports.model import Finding, Item, PeriodSummary, Source
from planreports.trends import Previous, apply_trends, match_keys

__all__ = [
    "Previous", "apply_trends", "engine_for", "latest_snapshot", "load_previous", "match_keys",
    "record", "record_in", "summaries",
]

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


def _driver_url(url: str) -> sa.URL:
    """The URL with a driver that is installed: `postgresql://` means psycopg2 to SQLAlchemy,
    but psycopg (v3) is the one a PMO is likelier to have, so it stands in when it is alone."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise PlanreportsError(f"the history database URL {url!r} is not a database URL") from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        has = importlib.util.find_spec
        if has("psycopg2") is None and has("psycopg") is not None:
            parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def engine_for(url: str) -> sa.Engine:
    """An engine with the schema in place (created, or checked against this version)."""
    parsed = _driver_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed)
    except ModuleNotFoundError as exc:
        raise PlanreportsError(
            f"the history database {shown} needs the Python driver '{exc.name}': "
            f"pip install it beside planreports"
        ) from exc
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            version = conn.execute(sa.select(schema_table.c.version)).scalar()
            if version is None:
                conn.execute(schema_table.insert().values(version=SCHEMA_VERSION))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise PlanreportsError(f"cannot open the history database {shown}: {reason}") from exc
    if version is not None and version > SCHEMA_VERSION:
        engine.dispose()
        raise PlanreportsError(
            f"the history database is schema version {version}, newer than this "
            f"planreports ({SCHEMA_VERSION}); upgrade planreports"
        )
    return engine


def _items_of(conn: sa.Connection, period: str) -> dict[str, Item]:
    items = {}
    for r in conn.execute(
        sa.select(snapshot_items)
        .where(snapshot_items.c.period == period)
        .order_by(snapshot_items.c.seq)
    ):
        file, _, rest = _MASK.mask(r.source).text.partition("!")
        sheet, _, cell = rest.rpartition("!")
        items[r.match_key] = Item(
            priority=r.priority, workstream=_masked(r.workstream), item=_masked(r.item),
            rag=r.rag, update=_masked(r.update_text), lead=_masked(r.lead),
            committee=r.committee, directorate="",
            due=None, milestone="", source=Source(file, sheet, cell),
        )
    return items


# A history written before planreports masked identifiers may still hold one: what is read
# back (into returns, trends and stale-update checks) is masked too.
_MASK = IdentifierScanner()


def _masked(text: str) -> str:
    return _MASK.mask(text).text


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


def latest_snapshot(engine: sa.Engine, period: str, as_of: dt.date) -> list[Item]:
    """The items of the previous period to `period` (what a return shows as 'last')."""
    previous = load_previous(engine, period, as_of)
    return list(previous.items.values()) if previous else []


def summaries(
    engine: sa.Engine,
    period: str,
    as_of: dt.date,
    limit: int = 8,
    committees: Sequence[str] = (),
) -> list[PeriodSummary]:
    """RAG counts of up to `limit` earlier periods, oldest first, for RAG-over-time charts.

    A committee pack counts only its committees' items, as its own current counts do
    (compared as `planreports.packs.in_pack` compares them: trimmed, case-insensitive).
    """
    item_filter = [snapshot_items.c.period == sa.bindparam("p")]
    if committees:
        wanted = sorted({c.strip().lower() for c in committees})
        item_filter.append(sa.func.lower(sa.func.trim(snapshot_items.c.committee)).in_(wanted))
    counting = (
        sa.select(snapshot_items.c.rag, sa.func.count())
        .where(*item_filter)
        .group_by(snapshot_items.c.rag)
    )
    with engine.connect() as conn:
        periods = conn.execute(
            sa.select(snapshots.c.period, snapshots.c.as_of)
            .where(snapshots.c.as_of < as_of, snapshots.c.period != period)
            .order_by(snapshots.c.as_of.desc())
            .limit(limit)
        ).all()
        out = []
        for p in reversed(periods):
            counts: dict[str | None, int] = {
                rag: n for rag, n in conn.execute(counting, {"p": p.period})
            }
            out.append(PeriodSummary(period=p.period, as_of=p.as_of, counts=counts))
    return out


def record(
    engine: sa.Engine,
    period: str,
    as_of: dt.date,
    items: Sequence[Item],
    findings: Sequence[Finding],
    config: Config | None = None,
) -> None:
    """Replace this period's snapshot with these items and findings, in one transaction."""
    with engine.begin() as conn:
        record_in(conn, period, as_of, items, findings, config)


def record_in(
    conn: sa.Connection,
    period: str,
    as_of: dt.date,
    items: Sequence[Item],
    findings: Sequence[Finding],
    config: Config | None = None,
) -> None:
    """`record` inside the caller's transaction, so a build commits it with its output files.

    Pass the run's config so configured workstreams are keyed by their stable id."""
    keys = match_keys(items, config)
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
