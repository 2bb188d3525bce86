"""The Run as a library user meets it: a short repr for it and its parts, attributes only."""

from __future__ import annotations

from pathlib import Path

import pytest

import planreports
from planreports.run import Run


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Run:
    import shutil

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("run-object") / "work"
    folder.mkdir()
    for name in ("config.yaml",):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    return planreports.build(folder / "config.yaml", pack="board")


def test_run_repr_is_one_short_line(built: Run) -> None:
    text = repr(built)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith("<Run FY18 Q2: 38 items from 6 trackers, ")
    assert str(built) == text


def test_parts_have_short_reprs(built: Run) -> None:
    parts = [built.config, built.packs[0], built.packs[0].view, built.items[0],
             built.findings[0], built.inputs[0], built.outputs[0]]
    for part in parts:
        text = repr(part)
        assert "\n" not in text and len(text) <= 160, (type(part).__name__, len(text), text)
    assert repr(built.config) == "<Config Oxford Health NHS Foundation Trust, FY18 Q2, config.yaml>"
    assert repr(built.packs[0]).startswith("<Pack board: 38 items")
    # a list of them stays readable too
    assert len(repr(built.items)) < 160 * len(built.items)


def test_counts_is_an_attribute_like_the_rest(built: Run) -> None:
    counts = built.counts
    assert counts["P2"] == {"R": 1, "A": 2, "G": 8}
    assert built.counts() == counts  # callers written for the method keep working
    view = built.packs[0].view
    assert view.counts["P2"] == {"R": 1, "A": 2, "G": 8}
    assert view.counts() == view.counts


def test_items_and_findings_still_compare_and_print_their_text(built: Run) -> None:
    item = built.items[0]
    assert item.workstream[:20] in repr(item)
    finding = built.findings[0]
    assert finding.code in repr(finding) and finding.severity in repr(finding)


def test_repr_of_a_check_run(tmp_path: Path) -> None:
    from conftest import ROOT

    run = planreports.check(ROOT / "config.yaml")
    assert repr(run).startswith("<Run FY18 Q2 (check): 38 items from 6 trackers, ")
