"""Tabling a period: once the board has seen a period's packs, their figures must not change.

`planreports table PERIOD` records, in the history database, when the period was tabled, by
whom, and the hash of every file its run.json lists (each checked on disk first); a build of
a tabled period then refuses before it touches anything. `--reopen` is recorded beside it, so
the history keeps the whole story: what was tabled, when it was reopened, what replaced it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import socket
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from planreports import history
from planreports.config import Config, slugify
from planreports.errors import TabledError, UsageError
from planreports.outputs import build_lock


@dataclass(frozen=True, slots=True)
class TabledFile:
    pack: str | None
    kind: str
    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class TablingDone:
    """What `table` recorded: the period, tabled or reopened, when, by whom, which files."""

    period: str
    action: str  # tabled | reopened
    at: dt.datetime
    by: str
    files: tuple[TabledFile, ...] = ()


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def refusal(standing: history.Tabling) -> str:
    """Why a build of a tabled period changes nothing, and what to do."""
    return (f"{standing.period} was tabled on {standing.at.day} {standing.at:%B %Y at %H:%M} "
            f"(by {standing.by}): its packs are what the board saw, so this build changed "
            f"nothing. To change them, reopen the period first: "
            f"planreports table '{standing.period}' --reopen")


def _history(config: Config, create: bool) -> sa.Engine | None:
    url = config.history_url
    if (not create and url.startswith("sqlite:///")
            and not Path(url.removeprefix("sqlite:///")).exists()):
        return None
    return history.engine_for(url)


def refuse_if_tabled(config: Config) -> None:
    """Raise TabledError when the config's period is tabled; read only, writes nothing."""
    engine = _history(config, create=False)
    if engine is None:
        return
    try:
        with engine.connect() as conn:
            standing = history.tabled(conn, config.report.period)
    finally:
        engine.dispose()
    if standing is not None:
        raise TabledError(refusal(standing))


def check_not_tabled(conn: sa.Connection, period: str) -> None:
    """refuse_if_tabled inside a build's own commit transaction (a `table` may have run
    between the build's first look and its commit)."""
    standing = history.tabled(conn, period)
    if standing is not None:
        raise TabledError(refusal(standing))


def _files(folder: Path, period: str) -> tuple[TabledFile, ...]:
    """Every file run.json lists, and run.json, each as it is on disk and as run.json says."""
    manifest = folder / "run.json"
    try:
        data = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{manifest} cannot be read ({exc}): build {period!r} before "
                         "tabling it") from None
    if not isinstance(data, dict) or data.get("period") != period:
        raise UsageError(f"{manifest} is not {period}'s: build {period!r} before tabling it")
    out = []
    changed = []
    for output in data.get("outputs") or []:
        path = folder / str(output.get("path", ""))
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            changed.append(f"{path.name} is missing")
            continue
        if digest != output.get("sha256"):
            changed.append(f"{path.name} is not the file run.json describes")
            continue
        out.append(TabledFile(output.get("pack"), str(output.get("kind")), path.name, digest))
    if changed:
        raise UsageError(f"{period} cannot be tabled: {'; '.join(changed)} (changed after the "
                         f"build?). Build {period!r} again, check the packs, then table them")
    out.append(TabledFile(None, "json", "run.json",
                          hashlib.sha256(manifest.read_bytes()).hexdigest()))
    return tuple(out)


def table_period(config: Config, label: str, *, reopen: bool = False) -> TablingDone:
    """Mark `label`'s packs as tabled (or, with reopen, open to rebuilding again)."""
    engine = _history(config, create=False)
    if engine is None:
        raise UsageError(f"no history yet ({config.outputs.history}): build {label!r} first")
    try:
        with engine.connect() as conn:
            period = history.find_period(conn, label)
            if period is None:
                raise UsageError(f"no period {label!r} in the history: build it first")
            _refuse(history.tabled(conn, period), period, reopen)  # before the lock is written
        folder = config.outputs_dir / slugify(period)
        # Under the build lock: a build part-way through cannot swap the files being hashed.
        with build_lock(folder, wait=60.0), engine.begin() as conn:
            return _record(conn, period, folder, reopen)
    finally:
        engine.dispose()


def _refuse(standing: history.Tabling | None, period: str, reopen: bool) -> None:
    if reopen and standing is None:
        raise UsageError(f"{period} is not tabled: nothing to reopen")
    if not reopen and standing is not None:
        raise UsageError(f"{period} was already tabled on {standing.at.day} "
                         f"{standing.at:%B %Y at %H:%M} (by {standing.by})")


def _record(conn: sa.Connection, period: str, folder: Path, reopen: bool) -> TablingDone:
    _refuse(history.tabled(conn, period), period, reopen)
    at, by = dt.datetime.now().replace(microsecond=0), _who()
    if reopen:
        conn.execute(history.tablings.insert().values(
            period=period, action="reopened", at=at, by=by))
        return TablingDone(period, "reopened", at, by)
    files = _files(folder, period)
    tabling = conn.execute(history.tablings.insert().values(
        period=period, action="tabled", at=at, by=by)).inserted_primary_key[0]
    conn.execute(history.tabled_files.insert(), [
        {"tabling": tabling, "pack": f.pack, "kind": f.kind, "path": f.path, "sha256": f.sha256}
        for f in files
    ])
    # An older planreports knows nothing of tabling: the version makes it refuse the database.
    conn.execute(history.schema_table.update().values(version=history.SCHEMA_VERSION))
    return TablingDone(period, "tabled", at, by, files)
