"""History against a real SQLite file: two periods of the sample folder, built in and out of order.

Q3 is built first (nothing earlier: no trends), then Q2 (still nothing earlier than Q2), then
Q3 again (trends against Q2); a second folder builds Q2 then Q3 and must agree. What the board
sees is checked where it sees it: run.json, the workbook's register and dashboard, the deck.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from two_periods import (
    DETERIORATED,
    EXPECTED_TREND_FINDINGS,
    IMPROVED,
    ITEMS,
    MOVED,
    Q3,
    REMOVED_UPDATE,
    STALE,
    TREND_FINDINGS,
    build,
    working_folder,
)

from planreports import history


def manifest(folder: Path, period_slug: str) -> dict:
    return json.loads((folder / "outputs" / period_slug / "run.json").read_text("utf-8"))


def db_counts(folder: Path) -> dict[str, tuple[int, int]]:
    """period -> (items, findings) in the history file, read with plain sqlite3."""
    with sqlite3.connect(folder / "outputs" / "history.sqlite") as db:
        items = dict(db.execute("select period, count(*) from snapshot_items group by period"))
        found = dict(db.execute("select period, count(*) from snapshot_findings group by period"))
        periods = [p for (p,) in db.execute("select period from snapshots")]
    return {p: (items.get(p, 0), found.get(p, 0)) for p in periods}


def snapshot_rows(folder: Path, period: str) -> list[tuple]:
    with sqlite3.connect(folder / "outputs" / "history.sqlite") as db:
        built = db.execute("select built_at from snapshots where period = ?", (period,)).fetchall()
        return built + db.execute(
            "select seq, match_key, rag, update_text, source from snapshot_items "
            "where period = ? order by seq", (period,)
        ).fetchall()


def where(item: dict) -> tuple[str, str, str]:
    return (item["source"]["file"], item["source"]["sheet"], item["source"]["cell"])


@pytest.fixture(scope="module")
def out_of_order(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Q3, then Q2, then Q3 again; what each step left behind."""
    folder = working_folder(tmp_path_factory.mktemp("history") / "work")
    steps: dict[str, dict] = {}
    for step, period in (("q3-first", "FY18 Q3"), ("q2", "FY18 Q2"), ("q3-again", "FY18 Q3")):
        run = build(folder, period)
        slug = "fy18-q3" if period == "FY18 Q3" else "fy18-q2"
        keep = folder / "kept" / step
        shutil.copytree(folder / "outputs" / slug, keep)
        steps[step] = {
            "run": run, "manifest": manifest(folder, slug), "db": db_counts(folder),
            "q2_rows": snapshot_rows(folder, "FY18 Q2"), "outputs": keep,
        }
    return {"folder": folder, "steps": steps}


@pytest.fixture(scope="module")
def in_order(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = working_folder(tmp_path_factory.mktemp("history-in-order") / "work")
    build(folder, "FY18 Q2")
    build(folder, "FY18 Q3")
    return {"folder": folder, "manifest": manifest(folder, "fy18-q3")}


def test_with_nothing_earlier_there_are_no_trends(out_of_order: dict) -> None:
    for step in ("q3-first", "q2"):
        data = out_of_order["steps"][step]["manifest"]
        assert data["previous_period"] is None
        assert {(i["previous_rag"], i["trend"]) for i in data["items"]} == {(None, None)}
        assert not TREND_FINDINGS & {f["code"] for f in data["findings"]}
        assert data["no_longer_reported"] == []


def test_rebuilt_q3_has_trends_against_q2(out_of_order: dict) -> None:
    data = out_of_order["steps"]["q3-again"]["manifest"]
    assert data["previous_period"] == "FY18 Q2"
    moved = {where(i): (i["previous_rag"], i["rag"], i["trend"])
             for i in data["items"] if i["trend"] != "same"}
    assert moved == MOVED
    # every other item: the same RAG as in Q2, paired with its Q2 row
    same = [i for i in data["items"] if i["trend"] == "same"]
    assert len(same) == len(data["items"]) - 2 == 35
    assert all(i["previous_rag"] == i["rag"] for i in same)


def test_trend_findings_are_at_the_rows_that_moved(out_of_order: dict) -> None:
    data = out_of_order["steps"]["q3-again"]["manifest"]
    found = sorted((f["code"], f["file"], f["sheet"], f["cell"]) for f in data["findings"]
                   if f["code"] in TREND_FINDINGS)
    assert found == EXPECTED_TREND_FINDINGS
    by_code = {f["code"]: f for f in data["findings"]}
    assert by_code["rag-deteriorated"]["severity"] == "info"
    assert by_code["stale-update"]["severity"] == "warning"
    assert "moved from Green in FY18 Q2 to Red" in by_code["rag-deteriorated"]["message"]
    assert by_code["stale-update"]["workstream"] == "Deliver the carers strategy"


def test_a_deleted_continuation_row_is_no_longer_reported_and_the_rows_below_still_pair(
    out_of_order: dict,
) -> None:
    data = out_of_order["steps"]["q3-again"]["manifest"]
    gone = data["no_longer_reported"]
    assert [(g["priority"], g["workstream"], g["source"]["cell"]) for g in gone] == [
        ("P2", "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)",
         "A6"),
    ]
    # The Red row under the same workstream moved up from row 8 to row 7 and is still 'same',
    # not 'new' (and not paired with the deleted row by its position).
    (hospitals,) = [i for i in data["items"] if i["update"].startswith("Community Hospitals")]
    assert (hospitals["source"]["cell"], hospitals["previous_rag"], hospitals["trend"]) == (
        "A7", "R", "same")
    assert not any(i["update"].startswith(REMOVED_UPDATE) for i in data["items"])


def test_in_order_and_out_of_order_agree(out_of_order: dict, in_order: dict) -> None:
    def trends(data: dict) -> list[tuple]:
        return [(*where(i), i["previous_rag"], i["trend"]) for i in data["items"]]

    def codes(data: dict) -> list[tuple]:
        return sorted((f["code"], f["file"], f["cell"]) for f in data["findings"])

    rebuilt = out_of_order["steps"]["q3-again"]["manifest"]
    assert trends(in_order["manifest"]) == trends(rebuilt)
    assert codes(in_order["manifest"]) == codes(rebuilt)
    assert in_order["manifest"]["no_longer_reported"] == rebuilt["no_longer_reported"]


def test_rebuilding_a_period_replaces_only_its_snapshot(out_of_order: dict) -> None:
    steps = out_of_order["steps"]
    q3_items, q2_items = ITEMS["FY18 Q3"], ITEMS["FY18 Q2"]
    assert set(steps["q3-first"]["db"]) == {"FY18 Q3"}
    assert steps["q3-first"]["db"]["FY18 Q3"][0] == q3_items
    assert set(steps["q2"]["db"]) == set(steps["q3-again"]["db"]) == {"FY18 Q2", "FY18 Q3"}
    assert steps["q2"]["db"]["FY18 Q2"][0] == steps["q3-again"]["db"]["FY18 Q2"][0] == q2_items
    assert steps["q3-again"]["db"]["FY18 Q3"][0] == q3_items
    # Q3's findings now include the three trend findings; Q2's snapshot is untouched
    q3_findings = [steps[s]["db"]["FY18 Q3"][1] for s in ("q3-first", "q3-again")]
    assert q3_findings[1] == q3_findings[0] + 3
    assert steps["q3-again"]["q2_rows"] == steps["q2"]["q2_rows"]
    with sqlite3.connect(out_of_order["folder"] / "outputs" / "history.sqlite") as db:
        assert db.execute("select version from planreports_schema").fetchall() == [
            (history.SCHEMA_VERSION,)]


def test_summaries_feed_rag_over_time(out_of_order: dict) -> None:
    folder = out_of_order["folder"]
    engine = history.engine_for("sqlite:///" + str(folder / "outputs" / "history.sqlite"))
    try:
        board = history.summaries(engine, *Q3)
        quality = history.summaries(engine, *Q3, committees=[" quality "])
        assert history.summaries(engine, "FY18 Q2", board[0].as_of) == []
    finally:
        engine.dispose()
    q2 = out_of_order["steps"]["q2"]["manifest"]
    totals: dict[str | None, int] = {}
    for by_rag in q2["counts"].values():
        for rag, n in by_rag.items():
            totals[rag] = totals.get(rag, 0) + n
    assert [(s.period, dict(s.counts)) for s in board] == [("FY18 Q2", totals)]
    in_quality = [i for i in q2["items"] if i["committee"] == "Quality"]
    assert sum(quality[0].counts.values()) == len(in_quality) < sum(totals.values())


def _register_trends(xlsx: Path) -> dict[str, str]:
    """Register sheet: source -> the trend cell's text."""
    ws = openpyxl.load_workbook(xlsx, read_only=True)["Register"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    source = header.index("Source")
    if "Trend" not in header:  # no item has a trend: the column is left out
        return {r[source]: "" for r in rows[1:] if r[source]}
    trend = header.index("Trend")
    return {r[source]: r[trend] or "" for r in rows[1:] if r[source]}


def test_workbook_register_shows_trend_words(out_of_order: dict) -> None:
    first = _register_trends(out_of_order["steps"]["q3-first"]["outputs"] / "board.xlsx")
    assert set(first.values()) == {""}
    shown = _register_trends(out_of_order["steps"]["q3-again"]["outputs"] / "board.xlsx")
    assert shown["!".join(DETERIORATED)] == "▼ deteriorated"
    assert shown["!".join(IMPROVED)] == "▲ improved"
    assert shown["!".join(STALE)] == "► same"
    assert len(shown) == 37


def _charts(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        return sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))


def test_dashboard_has_rag_over_time_chart_only_with_history(out_of_order: dict) -> None:
    steps = out_of_order["steps"]
    assert _charts(steps["q2"]["outputs"] / "board.xlsx") == ["xl/charts/chart1.xml"]
    rebuilt = steps["q3-again"]["outputs"] / "board.xlsx"
    assert _charts(rebuilt) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    with zipfile.ZipFile(rebuilt) as z:
        assert "RAG status over time" in z.read("xl/charts/chart2.xml").decode("utf-8")
    cells = [c for row in openpyxl.load_workbook(rebuilt, read_only=True)["Dashboard"]
             .iter_rows(values_only=True) for c in row if c is not None]
    assert "FY18 Q2" in cells and "FY18 Q3" in cells


def _deck_rows(pptx: Path, title: str, project: str) -> list[list[str]]:
    """Table rows naming `project` on the slides whose title starts with `title`."""
    rows = []
    for slide in Presentation(str(pptx)).slides:
        if not slide.shapes.title or not slide.shapes.title.text.startswith(title):
            continue
        for shape in slide.shapes:
            if shape.has_table:
                for row in list(shape.table.rows)[1:]:
                    texts = [cell.text for cell in row.cells]
                    if any(t.startswith(project) for t in texts):
                        rows.append(texts)
    return rows


def test_deck_progress_tables_show_trend_words(out_of_order: dict) -> None:
    deck = out_of_order["steps"]["q3-again"]["outputs"] / "board.pptx"

    def rag_of(project: str, title: str = "Progress updates: ") -> list[str]:
        return [texts[1] for texts in _deck_rows(deck, title, project)]  # columns: Priority, RAG

    assert rag_of("Deliver New Data Warehouse") == ["Red\n▼\u00a0deteriorated"]
    assert rag_of("Refine and enhance existing EHR") == ["Green\n▲\u00a0improved"]
    assert rag_of("Deliver the carers strategy") == ["Green\n►\u00a0same"]
    # Exceptions: Priority, Project, RAG (with last period's), Why it is here, ...
    exception = _deck_rows(deck, "Exceptions", "Deliver New Data Warehouse")
    assert [(r[2], r[3]) for r in exception] == [("Red\nwas Green", "Red: Milestones delayed\n"
                                                  "Deteriorated")]
    first = out_of_order["steps"]["q3-first"]["outputs"] / "board.pptx"
    # One row per item (a row continued on the next slide shows its RAG again there).
    rows = _deck_rows(first, "Progress updates: ", "")
    rags = [texts[1] for texts in rows if not texts[3].startswith("(continued)")]
    assert len(rags) == 37 and all("\n" not in rag for texts in rows for rag in texts[1:2])
