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
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from planreports.config import Config, slugify
from planreports.errors import ConfigError, PlanreportsError, UsageError
from planreports.identifiers import IdentifierScanner
from planreports.model import Finding, Item, PeriodSummary, Source
from planreports.trends import (
    ORG_MARK,
    Previous,
    apply_trends,
    match_keys,
    organisation_of_key,
)

__all__ = [
    "Period", "Previous", "Tabling", "apply_trends", "check_label", "engine_for",
    "latest_snapshot", "load_previous", "match_keys", "periods", "record", "record_in", "remove",
    "summaries", "tabled",
]

# 2: tabled periods (tablings, tabled_files). A database is marked 2 when a period is first
# tabled, so that a planreports older than tabling refuses it rather than rebuild a tabled period.
SCHEMA_VERSION = 2
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


tablings = sa.Table(
    "tablings",  # every tabling and reopening, kept: the audit of a period's board papers
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(100), nullable=False, index=True),
    sa.Column("action", sa.String(10), nullable=False),  # tabled | reopened
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("by", sa.Text, nullable=False),  # user@host
)
tabled_files = sa.Table(
    "tabled_files",  # what was tabled: each output file of the period and its hash
    metadata,
    sa.Column("tabling", sa.Integer, sa.ForeignKey("tablings.id"), index=True, nullable=False),
    sa.Column("pack", sa.String(100)),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
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
            organisation=organisation_of_key(r.match_key),
        )
    return items


# A history written before planreports masked identifiers may still hold one: what is read
# back (into returns, trends and stale-update checks) is masked too.
_MASK = IdentifierScanner()


def _masked(text: str) -> str:
    return _MASK.mask(text).text


@dataclass(frozen=True, slots=True)
class Period:
    """One period in the history: its label, reporting date, when it was built, and sizes."""

    period: str
    as_of: dt.date
    built_at: dt.datetime
    items: int
    findings: int
    tabled_at: dt.datetime | None = None  # when its packs were tabled, while they stand

    @property
    def slug(self) -> str:
        """The output folder the period was built into (outputs/<slug>/)."""
        return slugify(self.period)


@dataclass(frozen=True, slots=True)
class Tabling:
    """A period's tabling (or reopening): when, by whom, and (tabled) the files' hashes."""

    period: str
    action: str  # tabled | reopened
    at: dt.datetime
    by: str


def tabled(conn: sa.Connection, period: str) -> Tabling | None:
    """The period's tabling when it stands (its latest entry is not a reopening), else None."""
    row = conn.execute(
        sa.select(tablings).where(tablings.c.period == period)
        .order_by(tablings.c.id.desc()).limit(1)
    ).first()
    if row is None or row.action != "tabled":
        return None
    return Tabling(row.period, row.action, row.at, row.by)


def periods(engine: sa.Engine) -> list[Period]:
    """Every period recorded, oldest reporting date first."""
    with engine.connect() as conn:
        return periods_in(conn)


def _find(conn: sa.Connection, label: str) -> str | None:
    """The recorded period named `label` exactly, else the one whose folder name it is."""
    names = list(conn.execute(sa.select(snapshots.c.period)).scalars())
    if label in names:
        return label
    return next((n for n in names if slugify(n) == slugify(label)), None)


def check_label(conn: sa.Connection, period: str) -> None:
    """Refuse a label that is another recorded period's but for case or punctuation.

    'FY18 Q2', 'fy18 q2' and 'FY18-Q2' write one output folder (fy18-q2): as three periods they
    would overwrite each other's packs while the history kept three snapshots for trends.
    """
    slug = slugify(period)
    for other in conn.execute(sa.select(snapshots.c.period)).scalars():
        if other != period and slugify(other) == slug:
            raise ConfigError(
                f"period {period!r} is period {other!r} of the history under another spelling "
                f"(both write outputs/{slug}/): use {other!r}, or remove it first with "
                f"`planreports history remove '{other}'`"
            )


def remove(engine: sa.Engine, label: str) -> Period:
    """Delete one period's snapshot (items and findings); what was removed.

    `label` is the period as recorded or its folder name (fy18-q2). The output folder and
    the send log are left as they are: they record what was written and sent.
    """
    with engine.begin() as conn:
        period = _find(conn, label)
        if period is None:
            known = ", ".join(repr(p) for p in conn.execute(
                sa.select(snapshots.c.period).order_by(snapshots.c.as_of)).scalars())
            raise UsageError(
                f"no period {label!r} in the history"
                + (f" (it holds {known})" if known else " (it is empty)")
            )
        found = next(p for p in periods_in(conn) if p.period == period)
        standing = tabled(conn, period)
        if standing is not None:
            raise UsageError(
                f"{period} was tabled on {standing.at.day} {standing.at:%B %Y at %H:%M}: its "
                f"snapshot is the record of what the board saw, so it is kept; reopen it "
                f"first with `planreports table '{period}' --reopen`"
            )
        for table in (snapshot_items, snapshot_findings):
            conn.execute(table.delete().where(table.c.period == period))
        conn.execute(snapshots.delete().where(snapshots.c.period == period))
    return found


def periods_in(conn: sa.Connection) -> list[Period]:
    """`periods` on an open connection (inside the caller's transaction)."""
    out = []
    for row in conn.execute(sa.select(snapshots).order_by(snapshots.c.as_of)):
        n_items = conn.execute(sa.select(sa.func.count()).where(
            snapshot_items.c.period == row.period)).scalar() or 0
        n_findings = conn.execute(sa.select(sa.func.count()).where(
            snapshot_findings.c.period == row.period)).scalar() or 0
        standing = tabled(conn, row.period)
        out.append(Period(row.period, row.as_of, row.built_at, n_items, n_findings,
                          standing.at if standing else None))
    return out


def load_previous(
    engine: sa.Engine, period: str, as_of: dt.date, *, inclusive: bool = False
) -> Previous | None:
    """The snapshot with the latest as_of before this period's (or on it, when `inclusive`:
    another period of the same reporting date, e.g. the one a return template follows).

    Also where a run first meets the history, so a label that another period already has
    under another spelling is refused here, before anything is written."""
    with engine.connect() as conn:
        check_label(conn, period)
        row = conn.execute(
            sa.select(snapshots.c.period, snapshots.c.as_of)
            .where(snapshots.c.as_of <= as_of if inclusive else snapshots.c.as_of < as_of,
                   snapshots.c.period != period)
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
    organisations: Sequence[str] = (),
) -> list[PeriodSummary]:
    """RAG counts of up to `limit` earlier periods, oldest first, for RAG-over-time charts.

    A committee pack counts only its committees' items, as its own current counts do
    (compared as `planreports.packs.in_pack` compares them: trimmed, case-insensitive); a
    member's pack only its organisations' (by the prefix of their keys, see trends.py).
    """
    item_filter = [snapshot_items.c.period == sa.bindparam("p")]
    if organisations:
        item_filter.append(sa.or_(*(
            snapshot_items.c.match_key.startswith(f"{ORG_MARK}{oid}|", autoescape=True)
            for oid in organisations)))
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
    check_label(conn, period)
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


def find_period(conn: sa.Connection, label: str) -> str | None:
    """The recorded period named `label`, or whose output folder it names (fy18-q2)."""
    return _find(conn, label)
