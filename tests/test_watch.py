"""`planreports watch` with its real watchdog observer on a real folder: one change, one build.

The command runs as a user runs it (a process, stopped with Ctrl+C); the test changes the
inputs folder the ways a PMO's week does (a return saved over, Excel's lock file, a touch, a
return saved the way Excel saves: a temporary file renamed over the old one) and counts builds.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SETTLE = 0.4
QUIET = 2.0  # long enough for a build and its own reads of every tracker to have been seen
CSV = "Finance - FY18 Q2 return.csv"


class Watcher:
    """The `watch` process and the lines it prints, as they come."""

    def __init__(self, folder: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FORCE_COLOR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "planreports", "watch", "-c", "config.yaml",
             "--settle", str(SETTLE)],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, pattern: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}")

    def builds_within(self, seconds: float) -> list[str]:
        """The build lines printed over the next `seconds`."""
        end = time.monotonic() + seconds
        got = []
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if " built " in line:
                got.append(line)
        return got

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@pytest.fixture
def watcher(sample_folder: Path):  # noqa: ANN201
    w = Watcher(sample_folder)
    yield w
    if w.process.poll() is None:
        w.process.kill()
        w.process.wait()


def test_one_real_change_is_one_build(sample_folder: Path, watcher: Watcher) -> None:
    inputs, out = sample_folder / "inputs", sample_folder / "outputs" / "fy18-q2"
    first = watcher.until("^Watching ")
    assert first == (f"Watching {inputs} (6 trackers) and config.yaml; writing to {out}.")
    # nothing built yet, so it builds once at start, with build's own count of files
    line = watcher.until(" built ")
    assert re.search(r"\d\d:\d\d:\d\d built FY18 Q2: 38 items from 6 trackers, 9 findings "
                     rf"\(no errors\); wrote 13 files to {re.escape(str(out))}$", line), line
    # its own reads of every tracker, and its own outputs, build nothing
    assert watcher.builds_within(QUIET) == []

    # a return saved over with new content: one build, saying what changed
    tracker = inputs / CSV
    tracker.write_text(tracker.read_text("cp1252") + "\n", "cp1252")
    watcher.until(f"changed {re.escape(CSV)}")
    assert len(watcher.builds_within(QUIET + 1)) == 1

    # touched, opened in Excel (its lock file), our lock and temporary files: no build
    os.utime(tracker)
    (inputs / f"~${CSV}").write_bytes(b"\x00lock")
    (out / ".planreports.lock").write_text("1234", "utf-8")
    (out / ".board.xlsx.abc123.tmp").write_bytes(b"partial")
    (inputs / ".~lock.Operations - FY18 Q2 return.xlsx#").write_text("x", "utf-8")
    assert watcher.builds_within(QUIET) == []

    # saved the way Excel saves: a temporary file written, then renamed over the old one
    workbook = inputs / "Workforce - FY18 Q2 return.xlsx"
    data = (sample_folder / "inputs" / "Informatics - FY18 Q2 return.xlsx").read_bytes()
    temp = inputs / "A1B2C3D4.tmp"
    for chunk in range(0, len(data), 4096):  # in pieces, as a slow share delivers it
        with temp.open("ab") as handle:
            handle.write(data[chunk:chunk + 4096])
    os.replace(temp, workbook)
    builds = watcher.builds_within(QUIET + 1)
    assert len(builds) == 1, watcher.seen

    # a new tracker landing: one build
    (inputs / "late.csv").write_text(
        "Priority,Project,RAG,Progress update,Lead\nP7,Deliver New Data Warehouse,Green,"
        "Live,Head of Business Intelligence\n", "utf-8")
    watcher.until("added late.csv")
    assert len(watcher.builds_within(QUIET + 1)) == 1

    code, err = watcher.stop()
    assert code == 0, err
    assert "Traceback" not in err
    assert watcher.process.stdout is not None


def test_up_to_date_outputs_are_not_rebuilt_at_start(sample_folder: Path) -> None:
    import planreports

    planreports.build(sample_folder / "config.yaml")
    w = Watcher(sample_folder)
    try:
        w.until("^Watching ")
        w.until("^The outputs are up to date with these trackers.")
        assert w.builds_within(QUIET) == []
        # config.yaml edited (a period's reporting date): a rebuild, as for a tracker
        config = sample_folder / "config.yaml"
        config.write_text(config.read_text("utf-8").replace("as_of: 2017-09-30",
                                                            "as_of: 2017-10-01"), "utf-8")
        w.until("changed config.yaml")
        assert len(w.builds_within(QUIET + 1)) == 1
    finally:
        w.stop()
