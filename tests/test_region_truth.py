"""A region built from the benchmark generator, checked against what the generator wrote.

`benchmarks/generate.py --organisations` knows every row it wrote: each organisation's counts
by priority and RAG, its exceptions, the member with no tracker, the workstream one member
never reports. A real build of a small such region must agree with all of it, in run.json
(`benchmarks/check_truth.py`), in the roll-up workbook's Organisations sheet and in each
member's own pack.
"""

from __future__ import annotations

import json
import sys

import openpyxl
import pytest
from conftest import ROOT
from pptx import Presentation

import planreports

sys.path.insert(0, str(ROOT / "benchmarks"))
import check_truth  # noqa: E402 - the benchmarks are scripts beside the repo, not a package
import generate  # noqa: E402
import region  # noqa: E402

TRACKERS, ROWS, ORGANISATIONS = 30, 20, 10


@pytest.fixture(scope="module")
def built_region(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("region-truth")
    flat = generate.ensure(TRACKERS, ROWS, out=tmp / "flat")
    folder = region.ensure_region(flat, tmp / "region", count=ORGANISATIONS)
    run = planreports.build(folder / region.CONFIG_WITH)
    manifest = json.loads((run.out_dir / "run.json").read_text("utf-8"))
    truth = json.loads((folder / region.TRUTH).read_text("utf-8"))
    return {"run": run, "manifest": manifest, "truth": truth, "out": run.out_dir}


def test_run_json_agrees_with_the_generator_on_every_check(built_region: dict) -> None:
    checks = check_truth.checks(built_region["manifest"], built_region["truth"])
    assert len(checks) >= 20
    wrong = [(what, got, want) for what, got, want in checks if got != want]
    assert not wrong


def test_the_roll_up_matrix_is_the_generators_counts(built_region: dict) -> None:
    truth, config = built_region["truth"], built_region["run"].config
    by_org = truth["counts_by_organisation"]
    ws = openpyxl.load_workbook(built_region["out"] / "board.xlsx")["Organisations"]
    header = [c.value for c in ws[1]]
    labels = {p.label: p.id for p in config.priorities}
    names = {o.name: o.id for o in config.organisations}
    seen = 0
    for row in ws.iter_rows(min_row=2, max_row=len(names) + 1):
        oid = names[row[0].value]
        for col, title in enumerate(header[1:-1], start=1):
            counts = by_org.get(oid, {}).get(labels[title], {})
            want = " ".join(f"{counts[s.key]}{s.key}" for s in config.rag if counts.get(s.key))
            assert (row[col].value if row[col].value != "\u2013" else "") == want, (oid, title)
            seen += 1
    assert seen == len(names) * (len(header) - 2)
    silent = truth["organisations_without_trackers"]
    assert silent and all(
        next(r for r in ws.iter_rows(min_row=2) if names.get(r[0].value) == oid)[-1].value
        == "no return" for oid in silent)


def test_each_pack_holds_the_generators_items_and_exceptions(built_region: dict) -> None:
    from planreports.render.exception_rows import select_exceptions

    truth = built_region["truth"]["packs"]
    views = {p.view.name: p.view for p in built_region["run"].packs}
    packs = {p["name"]: p for p in built_region["manifest"]["packs"]}
    assert {"board", "nbt"} <= set(truth)
    for name, want in truth.items():
        view = views[name]
        if "organisations" in want:  # a member's pack, or the roll-up
            assert packs[name]["organisations"] == want["organisations"], name
        assert len(view.items) == want["items"], name
        got = {pid: {k: n for k, n in by_rag.items() if n}
               for pid, by_rag in view.counts.items()}
        assert got == {pid: c for pid, c in want["counts"].items() if c}, name
        assert len(select_exceptions(view)) == want["exceptions"], name


def test_the_roll_up_deck_is_a_board_paper_at_this_size(built_region: dict) -> None:
    prs = Presentation(str(built_region["out"] / "board.pptx"))
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) <= 15
    assert "Where each organisation stands" in titles
    assert not any(t.startswith("Progress") for t in titles)
