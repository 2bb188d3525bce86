"""History against a real PostgreSQL server started on 127.0.0.1 by the suite (else skipped).

The same two periods as test_history.py, built out of order (Q3, Q2, Q3 again), with the
history database a `postgresql+psycopg://` URL in config.yaml.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from postgres_server import Server, Unavailable, running_server
from two_periods import (
    EXPECTED_TREND_FINDINGS,
    ITEMS,
    MOVED,
    TREND_FINDINGS,
    build,
    working_folder,
)

from planreports import PlanreportsError, history

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    try:
        with running_server() as server:
            yield server
    except Unavailable as why:
        pytest.skip(f"no PostgreSQL server for the history tests: {why}")


@pytest.fixture
def database(postgres: Server) -> str:
    """A fresh, empty database on the session's server: its URL."""
    return postgres.create_database(f"planreports_{next(_names)}")


def _set_history(folder: Path, url: str) -> None:
    config = folder / "config.yaml"
    raw = yaml.safe_load(config.read_text("utf-8"))
    raw["outputs"]["history"] = url
    config.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.select(
                history.snapshot_items.c.period, sa.func.count()
            ).group_by(history.snapshot_items.c.period)).all())
    finally:
        engine.dispose()


def test_two_periods_out_of_order_on_postgresql(tmp_path: Path, database: str) -> None:
    folder = working_folder(tmp_path / "work")
    _set_history(folder, database)
    first = build(folder, "FY18 Q3")
    assert first.previous_period is None and {i.trend for i in first.items} == {None}
    assert _counts(database) == {"FY18 Q3": ITEMS["FY18 Q3"]}
    q2 = build(folder, "FY18 Q2")
    assert q2.previous_period is None and {i.trend for i in q2.items} == {None}
    build(folder, "FY18 Q3")
    assert _counts(database) == ITEMS
    assert not (folder / "outputs" / "history.sqlite").exists()

    data = json.loads((folder / "outputs" / "fy18-q3" / "run.json").read_text("utf-8"))
    assert data["previous_period"] == "FY18 Q2"
    moved = {(i["source"]["file"], i["source"]["sheet"], i["source"]["cell"]):
             (i["previous_rag"], i["rag"], i["trend"])
             for i in data["items"] if i["trend"] != "same"}
    assert moved == MOVED
    found = sorted((f["code"], f["file"], f["sheet"], f["cell"]) for f in data["findings"]
                   if f["code"] in TREND_FINDINGS)
    assert found == EXPECTED_TREND_FINDINGS
    assert [g["source"]["cell"] for g in data["no_longer_reported"]] == ["A6"]

    engine = history.engine_for(database)
    try:
        (summary,) = history.summaries(engine, "FY18 Q3", q2.config.report.as_of.replace(year=2018))
        assert summary.period == "FY18 Q2" and sum(summary.counts.values()) == ITEMS["FY18 Q2"]
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_uses_whichever_driver_is_installed(database: str) -> None:
    plain = database.replace("postgresql+psycopg://", "postgresql://")
    engine = history.engine_for(plain)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(history.schema_table.c.version)).scalar() == (
                history.SCHEMA_VERSION)
    finally:
        engine.dispose()


def test_an_unreachable_server_is_one_plain_error(postgres: Server) -> None:
    url = f"postgresql+psycopg://{postgres.host}:1/nowhere?connect_timeout=2"
    with pytest.raises(PlanreportsError, match=r"cannot open the history database "
                                               r"postgresql\+psycopg://127\.0\.0\.1:1/nowhere"):
        history.engine_for(url)


def test_a_tabled_period_is_refused_on_postgresql(tmp_path: Path, database: str) -> None:
    from planreports import api
    from planreports.errors import TabledError

    folder = working_folder(tmp_path / "work")
    _set_history(folder, database)
    build(folder, "FY18 Q2")
    done = api.table(folder / "config.yaml", "FY18 Q2")
    assert done.action == "tabled" and {f.path for f in done.files} >= {"board.docx", "run.json"}
    before = {p.name: p.read_bytes() for p in (folder / "outputs" / "fy18-q2").iterdir()}
    with pytest.raises(TabledError, match=r"FY18 Q2 was tabled on .* --reopen"):
        build(folder, "FY18 Q2")
    assert {p.name: p.read_bytes() for p in (folder / "outputs" / "fy18-q2").iterdir()} == before
    assert _counts(database) == {"FY18 Q2": ITEMS["FY18 Q2"]}
    assert api.table(folder / "config.yaml", "FY18 Q2", reopen=True).action == "reopened"
    build(folder, "FY18 Q2")
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(history.tablings.c.action).order_by(
                history.tablings.c.id)).scalars().all() == ["tabled", "reopened"]
    finally:
        engine.dispose()
