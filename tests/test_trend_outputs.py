"""RAG over time and no-longer-reported items where the board sees them, from two real builds.

The sample folder builds FY18 Q2, then FY18 Q3 (tests/two_periods.py edits Q2's trackers as
leads would and deletes one continuation row). Q3's deck must chart both periods' counts and
list the deleted row in its Exceptions, as must Q3's workbook; Q2's deck has no history to chart.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from two_periods import REMOVED_UPDATE, build, working_folder


def _counts(manifest: dict, labels: dict[str | None, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in manifest["items"]:
        label = labels[item["rag"]]
        counts[label] = counts.get(label, 0) + 1
    return counts


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = working_folder(tmp_path_factory.mktemp("trend-outputs") / "work")
    out: dict = {"folder": folder}
    for period, slug in (("FY18 Q2", "fy18-q2"), ("FY18 Q3", "fy18-q3")):
        run = build(folder, period)
        kept = folder / "kept" / slug
        shutil.copytree(folder / "outputs" / slug, kept)
        manifest = json.loads((kept / "run.json").read_text("utf-8"))
        out[period] = {"outputs": kept, "manifest": manifest}
        labels = {s.key: s.label for s in run.config.rag} | {None: "No RAG"}
    out["labels"] = labels
    return out


def _slide(pptx: Path, title: str):
    return next((s for s in Presentation(str(pptx)).slides if s.shapes.title.text == title),
                None)


def test_first_period_has_no_rag_over_time_slide(two_builds: dict) -> None:
    deck = two_builds["FY18 Q2"]["outputs"] / "board.pptx"
    assert _slide(deck, "Summary") is not None
    assert _slide(deck, "RAG over time") is None


def test_second_period_charts_both_periods_counts(two_builds: dict) -> None:
    deck = Presentation(str(two_builds["FY18 Q3"]["outputs"] / "board.pptx"))
    titles = [s.shapes.title.text for s in deck.slides]
    assert len(titles) == len(set(titles))
    # The summary (key messages and the RAG chart), the plan, then the RAG over time.
    assert titles[titles.index("Summary") + 2] == "RAG over time"
    slide = deck.slides[titles.index("RAG over time")]
    frame = next(shape for shape in slide.shapes if shape.has_chart)
    plot = frame.chart.plots[0]
    assert list(plot.categories) == ["FY18 Q2", "FY18 Q3"]
    labels = two_builds["labels"]
    expected = [_counts(two_builds[p]["manifest"], labels) for p in ("FY18 Q2", "FY18 Q3")]
    charted = {s.name: tuple(int(v or 0) for v in s.values) for s in plot.series}
    assert charted == {
        name: tuple(c.get(name, 0) for c in expected)
        for name in labels.values() if any(c.get(name) for c in expected)
    }
    descr = frame._element.nvGraphicFramePr.cNvPr.get("descr")
    assert "FY18 Q2: " in descr and "FY18 Q3 (this period): " in descr
    caption = next(sh for sh in slide.shapes if sh.name == "Movement").text_frame.text
    red = [expected[0].get("Red", 0), expected[1].get("Red", 0)]
    assert caption.startswith(f"Since FY18 Q2: Red {red[0]} → {red[1]}, ")


def test_deleted_row_is_an_exception_in_deck_and_workbook(two_builds: dict) -> None:
    q2_items = two_builds["FY18 Q2"]["manifest"]["items"]
    (removed,) = [i for i in q2_items if i["update"].startswith(REMOVED_UPDATE)]
    was = two_builds["labels"][removed["rag"]]
    why = f"No longer reported (was {was} in FY18 Q2)"

    deck = Presentation(str(two_builds["FY18 Q3"]["outputs"] / "board.pptx"))
    rows = []
    for slide in deck.slides:
        if slide.shapes.title.text.startswith("Exceptions"):
            for shape in slide.shapes:
                if shape.has_table:
                    t = shape.table
                    rows += [tuple(t.cell(r, c).text for c in range(4))
                             for r in range(1, len(t.rows))]
    # Exceptions: Priority, Project, RAG (last period's, for these), Why it is here, ...
    gone = [r for r in rows if r[3].startswith("No longer reported")]
    assert [(r[2], r[3]) for r in gone] == [(was, why)]
    assert gone[0][1].startswith(removed["workstream"])

    book = openpyxl.load_workbook(two_builds["FY18 Q3"]["outputs"] / "board.xlsx")
    ws = book["Exceptions"]
    header = [c.value for c in ws[1]]  # columns no row uses are left out: find them by name
    at = {name: header.index(name) for name in ("Why", "Workstream", "RAG")}
    sheet = [r for r in ws.iter_rows(min_row=2, values_only=True)
             if r[0] and str(r[0]).startswith("No longer reported")]
    assert [(r[at["Why"]], r[at["Workstream"]], r[at["RAG"]]) for r in sheet] == [
        (why, removed["workstream"], was)]
