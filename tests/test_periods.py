"""Period labels: validated, one spelling per output folder, and the history listed and pruned."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planreports
from planreports.cli import app
from planreports.config import load_config, period_problem
from planreports.errors import ConfigError, UsageError


@pytest.mark.parametrize("label", ["", "   ", "Q3", "../../etc", "..", "/etc/passwd",
                                   "FY18\\Q2", "Quarter three", "x" * 61])
def test_a_label_that_cannot_name_a_period_is_refused(label: str, sample_folder: Path) -> None:
    assert period_problem(label)
    path = sample_folder / "config.yaml"
    text = path.read_text("utf-8").replace("period: FY18 Q2", f"period: '{label}'")
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml line \d+: report.period: "):
        load_config(path)
    with pytest.raises(UsageError, match="--period: "):
        load_config(_fresh(sample_folder)).with_overrides(period=label)


def _fresh(folder: Path) -> Path:
    path = folder / "config.yaml"
    text = path.read_text("utf-8")
    start = text.index("period:")
    end = text.index("\n", start)
    path.write_text(text[:start] + "period: FY18 Q2" + text[end:], "utf-8")
    return path


@pytest.mark.parametrize("label", ["FY18 Q2", "2019/20 Q3", "2019-20 Q3", "Q3 2019/20",
                                   "September 2017", "M6 2018-19", "2017-09"])
def test_labels_trusts_use_are_accepted(label: str) -> None:
    assert period_problem(label) is None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_second_spelling_of_a_period_is_refused_naming_the_first(sample_folder: Path) -> None:
    config = sample_folder / "config.yaml"
    as_of = dt.date(2019, 12, 31)
    planreports.build(config, period="2019-20 Q3", as_of=as_of, pack="board")
    folder = sample_folder / "outputs" / "2019-20-q3"
    before = {p.name: _digest(p) for p in folder.iterdir()}
    for other in ("2019/20 Q3", "2019/20 q3", "2019-20-Q3"):
        with pytest.raises(ConfigError) as caught:
            planreports.build(config, period=other, as_of=as_of, pack="board")
        message = str(caught.value)
        assert f"period {other!r} is period '2019-20 Q3' of the history" in message
        assert "outputs/2019-20-q3/" in message
        with pytest.raises(ConfigError):
            planreports.check(config, period=other, as_of=as_of)
    assert {p.name: _digest(p) for p in folder.iterdir()} == before  # nothing was rewritten
    # the same spelling rebuilds, as ever
    run = planreports.build(config, period="2019-20 Q3", as_of=as_of, pack="board")
    assert len(run.items) == 38
    periods = [p.period for p in planreports.api.history_periods(config)]
    assert periods == ["2019-20 Q3"]


def test_history_list_and_remove(sample_folder: Path) -> None:
    config = str(sample_folder / "config.yaml")
    runner = CliRunner()
    empty = runner.invoke(app, ["history", "list", "-c", config])
    assert empty.exit_code == 0 and "history is empty" in empty.stdout
    planreports.build(config, period="FY18 Q1", as_of=dt.date(2017, 6, 30), pack="board")
    planreports.build(config, pack="board")
    listed = runner.invoke(app, ["history", "list", "-c", config])
    assert listed.exit_code == 0, listed.stderr
    rows = [line.split("│")[1:-1] for line in listed.stdout.splitlines()
            if "FY18" in line]
    assert [[c.strip() for c in (r[0], r[1], r[3], r[4], r[5])] for r in rows] == [
        ["FY18 Q1", "2017-06-30", "38", "6", "outputs/fy18-q1"],  # none overdue yet
        ["FY18 Q2", "2017-09-30", "38", "47", "outputs/fy18-q2"],  # 38 stale updates
    ]
    kept = runner.invoke(app, ["history", "remove", "FY18 Q1", "-c", config], input="n\n")
    assert kept.exit_code == 0 and "Nothing removed." in kept.stdout
    assert "Remove FY18 Q1 (as of 2017-06-30, 38 items) from the history? [y/N]" in kept.stderr
    assert len(planreports.api.history_periods(config)) == 2
    gone = runner.invoke(app, ["history", "remove", "fy18-q1", "-c", config], input="y\n")
    assert gone.exit_code == 0, gone.stderr
    assert "Removed FY18 Q1 from the history; outputs/fy18-q1/ is left as it is." in gone.stdout
    assert [p.period for p in planreports.api.history_periods(config)] == ["FY18 Q2"]
    assert (sample_folder / "outputs" / "fy18-q1" / "run.json").exists()
    # with Q1 gone, Q2 has no previous period: no trends
    run = planreports.build(config, pack="board")
    assert run.previous_period is None
    unknown = runner.invoke(app, ["history", "remove", "FY18 Q1", "-c", config, "--yes"])
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == (
        "error: no period 'FY18 Q1' in the history (it holds 'FY18 Q2')")
