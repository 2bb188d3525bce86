"""Pairing items across periods and the trends that follow: pure logic, tables of cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from planreports.config import Config, load_config
from planreports.model import Item, Source
from planreports.trends import Previous, apply_trends, match_keys, pair_items

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config.yaml"
CONFIG = load_config(CONFIG_FILE)
PATHWAY = "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)"
CIP = "Deliver the Cost Improvement Programme"


def item(priority: str | None, workstream: str, text: str = "", update: str = "",
         rag: str | None = "G", row: int = 5) -> Item:
    return Item(priority=priority, workstream=workstream, item=text, rag=rag, update=update,
                lead="", committee="", directorate="", due=None, milestone="",
                source=Source("t.xlsx", "S", f"A{row}"))


def pairs(before: list[Item], now: list[Item], config: Config = CONFIG) -> list[int | None]:
    """For each of `now`, the index in `before` it is paired with (None: new)."""
    keys = match_keys(before, config)
    pairing = pair_items(config, now, dict(zip(keys, before, strict=True)))
    return [None if k is None else keys.index(k) for k in pairing.previous_keys]


# Updates from the sample Q2 trackers, and how a lead moves them on in Q3.
CIP_Q2 = [
    "Adults Directorate In Q2 delivered £582,164 Vs plan of £511,203 (+14%)",
    "Children & Young People Directorate In Q2 delivered £314,500 Vs target of £314,500",
    "Older Adults Directorates In Q2 delivered £1,009,617 Vs plan of £1,094,215",
    "Support Services In Q2 delivered £270,932 Vs target of £480,000",
]
CIP_Q3 = [u.replace("In Q2", "In Q3").replace("£", "£1") for u in CIP_Q2]

CASES = {
    "same text, same place": (
        [item("P1", "Deliver the carers strategy")],
        [item("P1", "Deliver the carers strategy")],
        [0],
    ),
    "item title with a typo fixed": (
        [item("P4", "Deliver workforce strategy to attract and retain staff", "Recruit 10 nruses")],
        [item("P4", "Deliver workforce strategy to attract and retain staff", "Recruit 10 nurses")],
        [0],
    ),
    "a different item under the same workstream is new": (
        [item("P4", "Deliver workforce strategy to attract and retain staff", "Recruit nurses")],
        [item("P4", "Deliver workforce strategy to attract and retain staff", "Staff survey")],
        [None],
    ),
    "a sub-item title appearing is a different row": (
        [item("P7", "Deliver New Data Warehouse")],
        [item("P7", "Deliver New Data Warehouse", "Phase 2 go-live")],
        [None],
    ),
    "continuation rows whose updates all changed pair by position": (
        [item("P5", CIP, update=f"Q2 text {n}") for n in "abcd"],
        [item("P5", CIP, update=f"entirely rewritten {n}") for n in "wxyz"],
        [0, 1, 2, 3],
    ),
    "a continuation row deleted: the rest pair by their updates, not their places": (
        [item("P5", CIP, update=u) for u in CIP_Q2],
        [item("P5", CIP, update=u) for u in (CIP_Q3[0], CIP_Q3[2], CIP_Q3[3])],
        [0, 2, 3],
    ),
    "a continuation row added at the top": (
        [item("P5", CIP, update=u) for u in CIP_Q2[1:]],
        [item("P5", CIP, update=u) for u in CIP_Q3],
        [None, 0, 1, 2],
    ),
    "the tracker's own project title (not in config) with a typo fixed": (
        [item("P2", "Warneford redevelopmnet master plan")],
        [item("P2", "Warneford redevelopment master plan")],
        [0],
    ),
    "the same workstream under another priority is another item": (
        [item("P2", "Estates Redevelopment")],
        [item("P5", "Estates Redevelopment")],
        [None],
    ),
    "no priority on either side: paired by workstream text": (
        [item(None, "Reduce agency spend")],
        [item(None, "Reduce agency spend")],
        [0],
    ),
    "the best pair wins, not the first one seen": (
        [item("P4", "Deliver workforce strategy to attract and retain staff", t)
         for t in ("Retention plan phase 1", "Retention plan phase 2")],
        [item("P4", "Deliver workforce strategy to attract and retain staff", t)
         for t in ("Retention plan - phase 2", "Retention plan - phase 1")],
        [1, 0],
    ),
}


@pytest.mark.parametrize(("before", "now", "expected"), CASES.values(), ids=CASES.keys())
def test_pairing(before: list[Item], now: list[Item], expected: list[int | None]) -> None:
    assert pairs(before, now) == expected


def test_two_configured_workstreams_are_never_one_however_alike() -> None:
    raw = yaml.safe_load(CONFIG_FILE.read_text("utf-8"))
    raw["priorities"][1]["workstreams"][-1] = "Estates Redevelopment Phase 1"
    raw["priorities"][1]["workstreams"].append("Estates Redevelopment Phase 2")
    config = Config.model_validate(raw)
    phase_1 = [item("P2", "Estates Redevelopment Phase 1")]
    phase_2 = [item("P2", "Estates Redevelopment Phase 2")]
    assert pairs(phase_1, phase_2, config) == [None]
    # Neither configured: the fuzzy fallback takes them as one project (its known limit).
    assert pairs(phase_1, phase_2) == [0]


def test_a_renamed_workstream_keeps_its_history_by_configured_id() -> None:
    raw = yaml.safe_load(CONFIG_FILE.read_text("utf-8"))
    raw["priorities"][6]["workstreams"][1] = {"title": "Deliver New Data Warehouse", "id": "DW"}
    old = Config.model_validate(raw)
    raw["priorities"][6]["workstreams"][1] = {"title": "Data Warehouse go-live", "id": "DW"}
    new = Config.model_validate(raw)
    before = [item("P7", "Deliver New Data Warehouse", rag="G")]
    now = [item("P7", "Data Warehouse go-live", rag="R")]
    keys = match_keys(before, old)
    assert keys == match_keys(now, new) == ["P7|id:P7/DW|#0"]
    previous = Previous("FY18 Q2", dt.date(2017, 9, 30), dict(zip(keys, before, strict=True)))
    (moved,), findings, gone = apply_trends(new, now, previous)
    assert (moved.previous_rag, moved.trend, gone) == ("G", "deteriorated", ())
    assert [f.code for f in findings] == ["rag-deteriorated"]


def _trend(before: Item, now: Item) -> tuple:
    previous = Previous("FY18 Q2", dt.date(2017, 9, 30), {match_keys([before], CONFIG)[0]: before})
    (got,), findings, _ = apply_trends(CONFIG, [now], previous)
    return got.previous_rag, got.trend, sorted(f.code for f in findings)


@pytest.mark.parametrize(
    ("rags", "updates", "expected"),
    [
        (("G", "R"), ("a", "b"), ("G", "deteriorated", ["rag-deteriorated"])),
        (("A", "G"), ("a", "b"), ("A", "improved", ["rag-improved"])),
        (("G", "B"), ("a", "b"), ("G", "improved", ["rag-improved"])),
        (("A", "A"), ("On plan.\n", "  On   plan. "), ("A", "same", ["stale-update"])),
        (("A", "A"), ("On plan.", "On plan, Q3."), ("A", "same", [])),
        (("A", "A"), ("", ""), ("A", "same", [])),  # no update: missing-update says so
        (("B", "B"), ("Complete.", "Complete."), ("B", "same", [])),  # done stays done
        (("G", None), ("a", "b"), ("G", None, [])),  # no RAG now: nothing to compare
        ((None, "G"), ("a", "b"), (None, None, [])),
    ],
)
def test_trend_and_findings(rags: tuple, updates: tuple, expected: tuple) -> None:
    before = item("P1", "Deliver the carers strategy", rag=rags[0], update=updates[0])
    now = item("P1", "Deliver the carers strategy", rag=rags[1], update=updates[1])
    assert _trend(before, now) == expected


def test_no_previous_period_means_no_trends() -> None:
    now = [item("P1", "Deliver the carers strategy")]
    assert apply_trends(CONFIG, now, None) == (tuple(now), [], ())


def test_items_of_last_period_that_nothing_continues_are_gone_in_their_order() -> None:
    before = [item("P1", "Deliver the carers strategy", row=5),
              item("P2", PATHWAY, update="Developing neighbourhood working", row=6),
              item("P3", "Deliver Quality Account priorities", row=7)]
    previous = Previous("FY18 Q2", dt.date(2017, 9, 30),
                        dict(zip(match_keys(before, CONFIG), before, strict=True)))
    items, _, gone = apply_trends(CONFIG, [before[2]], previous)
    assert [i.trend for i in items] == ["same"]
    assert [g.source.cell for g in gone] == ["A5", "A6"]


def test_keys_recorded_without_stable_ids_still_pair() -> None:
    """A history written before keys carried stable ids: every row falls to the fallback."""
    warehouse = item("P7", "Deliver New Data Warehouse")
    before = [item("P5", CIP, update=u) for u in CIP_Q2] + [warehouse]
    keys = match_keys(before)  # no config: the older text keys
    assert keys[-1] == "P7|deliver new data warehouse|#0"
    now = [item("P5", CIP, update=u) for u in CIP_Q3] + [warehouse]
    pairing = pair_items(CONFIG, now, dict(zip(keys, before, strict=True)))
    assert [keys.index(k) for k in pairing.previous_keys] == [0, 1, 2, 3, 4]
