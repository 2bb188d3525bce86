"""What the terminal shows: findings without their place said twice, grouped past a few dozen,
--quiet, and a progress bar that counts trackers. Run as a user runs it, in a real process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_config

from planreports.findings import local_message
from planreports.model import Finding

WORKFORCE = "Workforce - FY18 Q2 return.xlsx"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "COLUMNS"}}
    return subprocess.run([sys.executable, "-m", "planreports", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env={**environ, **env})


@pytest.mark.parametrize(("finding", "expected"), [
    (Finding("overdue", "warning", "A.xlsx, sheet 'P3', cell F6: 'X' was due 01 Sep 2017",
             "A.xlsx", "P3", "F6"), "'X' was due 01 Sep 2017"),
    (Finding("sheet-skipped", "info", "A.xlsx, sheet 'RAG Key': skipped, no tracker header",
             "A.xlsx", "RAG Key"), "skipped, no tracker header"),
    (Finding("unreadable-file", "error", "A.xlsx: the file is empty", "A.xlsx"),
     "the file is empty"),
    # a message about another cell than the finding's keeps that cell
    (Finding("invalid-rag", "error", "A.xlsx, sheet 'P3', cell B7: 'Purple' is no RAG",
             "A.xlsx", "P3", "A7"), "cell B7: 'Purple' is no RAG"),
    # a message about another file keeps it whole
    (Finding("conflicting-rag", "warning", "B.xlsx, sheet 'P3', cell C2: Red here",
             "A.xlsx", "P3", "C2"), "B.xlsx, sheet 'P3', cell C2: Red here"),
    (Finding("missing-return", "warning", "no tracker reports on 'Carers'"),
     "no tracker reports on 'Carers'"),
])
def test_a_message_does_not_repeat_its_own_place(finding: Finding, expected: str) -> None:
    assert local_message(finding) == expected


def test_at_80_columns_findings_fit_and_do_not_repeat_their_place(sample_folder: Path) -> None:
    done = _cli("check", "-c", "config.yaml", cwd=sample_folder, COLUMNS="80")
    assert done.returncode == 0, done.stderr
    findings = done.stdout.split("9 findings: 3 warnings, 6 info")[0].splitlines()
    assert findings and all(len(line) <= 80 for line in findings), findings
    # the place is each group's heading, said once: never again inside a message
    assert sum(WORKFORCE in line for line in findings) == 2  # its two sheets' headings
    assert f"{WORKFORCE}, sheet 'Progress Updates'" in findings
    rows = [line for line in findings if re.match(r"  [A-Z]+\d+ |  - ", line)]
    assert len(rows) == 9
    # each finding takes at most three lines at 80 columns (it took 5-8 in a framed table)
    starts = [i for i, line in enumerate(findings) if line in rows or not line.startswith(" ")]
    assert max(b - a for a, b in zip(starts, [*starts[1:], len(findings)], strict=True)) <= 3


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """240 trackers: the sample's six returns from forty copies of the trust (1,686 findings)."""
    folder = tmp_path_factory.mktemp("region") / "work"
    (folder / "inputs").mkdir(parents=True)
    copy_config(folder / "config.yaml")
    shutil.copytree(ROOT / "templates", folder / "templates")
    for n in range(1, 41):
        shutil.copytree(ROOT / "inputs", folder / "inputs" / f"trust-{n:02d}")
    return folder


def test_past_a_few_dozen_findings_are_grouped_by_code(region: Path) -> None:
    done = _cli("check", "-c", "config.yaml", cwd=region)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) < 40 and len(done.stdout) < 6_000, done.stdout  # 1,686 findings
    codes = {m.group(2): int(m.group(1).replace(",", "")) for m in re.finditer(
        r"^ *([\d,]+) +(?:warning|info|error) +([a-z-]+) ", done.stdout, re.M)}
    assert codes == {"duplicate-item": 1482, "overdue": 3, "rag-text-mismatch": 1,
                     "sheet-skipped": 200}
    assert "1,686 findings: 1,485 warnings, 201 info" in done.stdout
    assert "--format json" in done.stdout and "--all" in done.stdout
    every = _cli("check", "-c", "config.yaml", "--all", cwd=region)
    assert every.stdout.count("duplicate-item") == 1482


def test_quiet_prints_only_errors_and_warnings(sample_folder: Path) -> None:
    done = _cli("build", "-c", "config.yaml", "--quiet", cwd=sample_folder)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "sheet-skipped" not in done.stdout and "rag-text-mismatch" not in done.stdout
    assert "RAG by priority" not in done.stdout and "Wrote" not in done.stdout
    assert done.stdout.count(" warning overdue ") == 3
    assert done.stdout.strip().endswith("3 findings: 3 warnings")
    assert (sample_folder / "outputs" / "fy18-q2" / "board.pptx").exists()
    again = _cli("-q", "templates", "-c", "config.yaml", cwd=sample_folder)
    assert again.returncode == 0 and again.stdout == ""


def test_a_long_read_shows_n_of_n_trackers_on_a_terminal(region: Path) -> None:
    done = _cli("check", "-c", "config.yaml", cwd=region, FORCE_COLOR="1")
    assert done.returncode == 0
    frames = set(re.findall(r"(\d+) of 240 trackers", done.stderr))
    assert {"0", "240"} <= frames and len(frames) >= 3, frames
    piped = _cli("check", "-c", "config.yaml", cwd=region)
    assert "trackers" not in piped.stderr  # a log gets no progress bar
    quiet = _cli("check", "-c", "config.yaml", "-q", cwd=region, FORCE_COLOR="1")
    assert "of 240 trackers" not in quiet.stderr
