"""Tabling a period: a tabled period's build refuses and changes no byte; reopening lets it build.

Run as a user runs it (`python -m planreports ...` in the sample folder) against a real SQLite
history; the audit rows are read back with sqlite3.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import planreports
from planreports.errors import TabledError


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planreports", *args, "-c",
                           str(folder / "config.yaml")],
                          capture_output=True, text=True, timeout=300, cwd=folder,
                          env={**os.environ, "COLUMNS": "200"})


def _every_file(folder: Path) -> dict[str, str]:
    """Every file under outputs/, hidden ones (the lock) and the history included."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "outputs").rglob("*")) if p.is_file()}


def _audit(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "outputs" / "history.sqlite") as db:
        return db.execute("SELECT period, action FROM tablings ORDER BY id").fetchall()


def test_a_tabled_period_is_not_rebuilt_until_reopened(sample_folder: Path) -> None:
    assert _cli(sample_folder, "-q", "build").returncode == 0
    tabled = _cli(sample_folder, "table", "FY18 Q2")
    assert tabled.returncode == 0, tabled.stderr
    manifest = json.loads((sample_folder / "outputs" / "fy18-q2" / "run.json").read_text())
    assert "Tabled FY18 Q2 (" in tabled.stdout
    assert f"{len(manifest['outputs']) + 1} files recorded" in tabled.stdout
    with sqlite3.connect(sample_folder / "outputs" / "history.sqlite") as db:
        recorded = dict(db.execute("SELECT path, sha256 FROM tabled_files").fetchall())
    assert recorded == {**{o["path"]: o["sha256"] for o in manifest["outputs"]},
                        "run.json": hashlib.sha256((sample_folder / "outputs" / "fy18-q2" /
                                                    "run.json").read_bytes()).hexdigest()}

    listed = _cli(sample_folder, "history", "list")
    assert re.search(r"FY18 Q2 .*outputs/fy18-q2\W+\d{4}-\d\d-\d\d \d\d:\d\d", listed.stdout)
    before = _every_file(sample_folder)
    refused = _cli(sample_folder, "build")
    assert refused.returncode == 1
    assert "error: FY18 Q2 was tabled on " in refused.stderr
    assert "this build changed nothing" in refused.stderr
    assert "planreports table 'FY18 Q2' --reopen" in refused.stderr
    assert _every_file(sample_folder) == before  # byte for byte, the history too
    with pytest.raises(TabledError, match="was tabled on"):  # the library says the same
        planreports.build(sample_folder / "config.yaml", pack="board")
    assert _every_file(sample_folder) == before

    again = _cli(sample_folder, "table", "fy18-q2")
    assert again.returncode == 2 and "FY18 Q2 was already tabled on" in again.stderr
    removed = _cli(sample_folder, "history", "remove", "FY18 Q2", "--yes")
    assert removed.returncode == 2 and "reopen it first" in removed.stderr
    assert _every_file(sample_folder) == before

    reopened = _cli(sample_folder, "table", "FY18 Q2", "--reopen")
    assert reopened.returncode == 0 and "Reopened FY18 Q2" in reopened.stdout
    assert _audit(sample_folder) == [("FY18 Q2", "tabled"), ("FY18 Q2", "reopened")]
    rebuilt = _cli(sample_folder, "-q", "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _cli(sample_folder, "table", "FY18 Q2", "--reopen").returncode == 2  # not tabled


def test_tabling_refuses_packs_changed_after_the_build(sample_folder: Path) -> None:
    assert _cli(sample_folder, "-q", "build").returncode == 0
    deck = sample_folder / "outputs" / "fy18-q2" / "board.pptx"
    deck.write_bytes(deck.read_bytes() + b"\0")
    done = _cli(sample_folder, "table", "FY18 Q2")
    assert done.returncode == 2
    assert "board.pptx is not the file run.json describes" in done.stderr
    assert _audit(sample_folder) == []
    unknown = _cli(sample_folder, "table", "FY19 Q1")
    assert unknown.returncode == 2 and "no period 'FY19 Q1' in the history" in unknown.stderr


def test_tabling_marks_the_history_for_older_versions(sample_folder: Path) -> None:
    assert _cli(sample_folder, "-q", "build").returncode == 0
    db = sample_folder / "outputs" / "history.sqlite"
    with sqlite3.connect(db) as conn:  # a history an earlier planreports made
        conn.execute("UPDATE planreports_schema SET version = 1")
    assert _cli(sample_folder, "table", "FY18 Q2").returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM planreports_schema").fetchall() == [(2,)]
