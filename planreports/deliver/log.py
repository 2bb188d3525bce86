"""The send log: every email planreports sends, per period and recipient, in the history database.

One row per (period, kind, name, round, recipient), where kind is "send" (name = pack) or
"chase" (name = lead title) and round counts `chase --again`. A row moves
queued -> sending -> sent | failed; a row still "sending" when a run starts was cut off between
handing the message to the relay and hearing back, so nobody knows whether it went. The
Message-ID is made once, when a message's first row is queued, and reused by every retry, so a
recipient's mail client can drop a duplicate even if one ever slips through.

The tables (`send_log`, and `deliver_schema` holding one schema version row) live beside the
history tables in the same database (SQLite file or a PostgreSQL URL) and are created here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from planreports.errors import DeliveryError

SCHEMA_VERSION = 1

LogState = Literal["queued", "sending", "sent", "failed"]
Kind = Literal["send", "chase"]

metadata = MetaData()

send_log = Table(
    "send_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(200), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("name", String(300), nullable=False),
    Column("round", Integer, nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("message_id", String(300), nullable=False),
    Column("subject", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("period", "kind", "name", "round", "recipient", name="uq_send_log_delivery"),
)

deliver_schema = Table(
    "deliver_schema",
    metadata,
    Column("version", Integer, nullable=False),
)


@dataclass(frozen=True, slots=True)
class MessageKey:
    """Which message a row belongs to: the same key for every recipient of one email."""

    period: str
    kind: Kind
    name: str
    round: int = 1


@dataclass(frozen=True, slots=True)
class LogRow:
    """One recipient's row as stored."""

    recipient: str
    message_id: str
    state: LogState
    attempts: int
    reason: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SendLog:
    """The send log in one database; open with `SendLog.open`, close when done."""

    def __init__(self, engine: Engine, where: str) -> None:
        self._engine = engine
        self._where = where

    @classmethod
    def open(cls, url: str, *, create: bool) -> SendLog | None:
        """Open (and create or migrate) the log; with create=False, None when there is none yet.

        A dry run must leave no trace, not even an empty database file, hence create=False.
        """
        parsed = make_url(url)
        where = parsed.render_as_string(hide_password=True)
        if (
            not create
            and parsed.get_backend_name() == "sqlite"
            and parsed.database not in (None, "", ":memory:")
            and not Path(parsed.database).exists()
        ):
            return None
        try:
            engine = create_engine(url)
            if not create:
                if not inspect(engine).has_table("send_log"):
                    engine.dispose()
                    return None
                return cls(engine, where)
            if parsed.get_backend_name() == "sqlite" and parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            with engine.begin() as conn:
                metadata.create_all(conn)
                _check_version(conn, where)
        except SQLAlchemyError as exc:
            raise DeliveryError(f"send log in {where} cannot be used: {exc}") from exc
        return cls(engine, where)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise DeliveryError(f"send log in {self._where} cannot be written: {exc}") from exc

    def latest_round(self, period: str, kind: Kind, name: str) -> int:
        """The newest round for this pack or lead; 1 when nothing was logged yet."""
        with self._begin() as conn:
            found = conn.execute(
                select(func.max(send_log.c.round)).where(
                    send_log.c.period == period, send_log.c.kind == kind, send_log.c.name == name
                )
            ).scalar()
        return int(found or 1)

    def rows(self, key: MessageKey) -> dict[str, LogRow]:
        """recipient -> row, for one message key."""
        with self._begin() as conn:
            result = conn.execute(select(send_log).where(*_match(key)))
            return {
                r.recipient: LogRow(r.recipient, r.message_id, r.state, r.attempts, r.reason)
                for r in result
            }

    def queue(
        self, key: MessageKey, recipients: Iterable[str], message_id: str, subject: str
    ) -> None:
        """Record recipients not yet in the log as queued, under this message's Message-ID."""
        with self._begin() as conn:
            have = set(conn.execute(select(send_log.c.recipient).where(*_match(key))).scalars())
            now = _now()
            rows = [
                {
                    "period": key.period, "kind": key.kind, "name": key.name,
                    "round": key.round, "recipient": r, "message_id": message_id,
                    "subject": subject, "state": "queued", "attempts": 0, "reason": "",
                    "created_at": now, "updated_at": now,
                }
                for r in recipients
                if r not in have
            ]
            if rows:
                conn.execute(send_log.insert(), rows)

    def claim(
        self, key: MessageKey, recipients: Iterable[str], *, include_unknown: bool
    ) -> list[str]:
        """Mark recipients "sending" before the SMTP transaction; return those claimed.

        The conditional update is what keeps two runs started at once from both sending: only
        one of them sees its row change.
        """
        states = ["queued", "failed", *(["sending"] if include_unknown else [])]
        claimed = []
        with self._begin() as conn:
            for recipient in recipients:
                result = conn.execute(
                    update(send_log)
                    .where(
                        *_match(key),
                        send_log.c.recipient == recipient,
                        send_log.c.state.in_(states),
                    )
                    .values(
                        state="sending", attempts=send_log.c.attempts + 1, updated_at=_now()
                    )
                )
                if result.rowcount == 1:
                    claimed.append(recipient)
        return claimed

    def finish(self, key: MessageKey, recipient: str, state: LogState, reason: str = "") -> None:
        """Record how one recipient's attempt ended."""
        with self._begin() as conn:
            conn.execute(
                update(send_log)
                .where(*_match(key), send_log.c.recipient == recipient)
                .values(state=state, reason=reason, updated_at=_now())
            )


def _match(key: MessageKey) -> tuple:
    return (
        send_log.c.period == key.period,
        send_log.c.kind == key.kind,
        send_log.c.name == key.name,
        send_log.c.round == key.round,
    )


def _check_version(conn: Connection, where: str) -> None:
    version = conn.execute(select(deliver_schema.c.version)).scalar()
    if version is None:
        conn.execute(deliver_schema.insert().values(version=SCHEMA_VERSION))
    elif version > SCHEMA_VERSION:
        raise DeliveryError(
            f"send log in {where} has schema version {version}, newer than this planreports "
            f"understands ({SCHEMA_VERSION}): upgrade planreports"
        )
    # Older versions would be migrated here, one step at a time, before the version row moves.
