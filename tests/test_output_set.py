"""One build's outputs are one set: never mixed, never stale, nothing left behind when killed.

Real things only: `planreports build` as a subprocess, a real immutable file (chattr +i), two
real concurrent builds, a real SIGKILL and SIGTERM, a real SMTP server."""

from __future__ import annotations

import email
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import ROOT
from smtp_server import RecordingHandler, free_port, start_server

from planreports.outputs import OutputSet, build_lock

NHS = "943 476 5919"
TAILS = ("4765919", "476 5919")
SLUG = "fy18-q2"
has_chattr = shutil.which("chattr") is not None and os.geteuid() == 0


def _cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planreports", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file's hash; the lock file says who last held it, so it is left out."""
    return {p.relative_to(folder).as_posix(): _sha(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix != ".lock"}


def _nhs_tracker(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Returns"
    ws.append(["Priority", "RAG", "Project Title", "Progress Update", "Lead"])
    ws.append(["1.", "Red", "Deliver the carers strategy", f"Patient {NHS} complained.",
               "Head of PX"])
    wb.save(path)


@pytest.fixture
def work(sample_folder: Path) -> Path:
    return sample_folder


@contextmanager
def _immutable(path: Path) -> Iterator[None]:
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _consistent(out: Path) -> dict:
    """run.json's word on every file holds on disk; return run.json."""
    run = json.loads((out / "run.json").read_text("utf-8"))
    assert {o["path"]: o["sha256"] for o in run["outputs"]} == {
        o["path"]: _sha(out / o["path"]) for o in run["outputs"]
    }
    return run


@pytest.mark.skipif(not has_chattr, reason="needs chattr and root for an immutable file")
@pytest.mark.parametrize("locked", ["run.json", "board.pptx", "quality-committee.xlsx"])
def test_a_file_that_cannot_be_replaced_fails_the_build_and_keeps_the_set(
    work: Path, locked: str
) -> None:
    config = str(work / "config.yaml")
    assert _cli("build", "-c", config).returncode == 0
    out = work / "outputs" / SLUG
    before = _snapshot(work / "outputs")
    _nhs_tracker(work / "inputs" / "Ward.xlsx")
    with _immutable(out / locked):
        done = _cli("build", "-c", config)
        after = _snapshot(work / "outputs")
    assert done.returncode == 1
    assert f"{out / locked} cannot be replaced" in done.stderr
    assert "the previous outputs are kept" in done.stderr
    assert after == before  # every file, run.json and the history database, byte for byte
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not has_chattr, reason="needs chattr and root for an immutable file")
def test_a_stale_run_json_never_sends_a_new_pack(work: Path) -> None:
    port = free_port()
    handler = RecordingHandler()
    controller = start_server(handler, port)
    try:
        raw = yaml.safe_load((work / "config.yaml").read_text("utf-8"))
        raw["email"] = {"smtp": {"host": "127.0.0.1", "port": port, "starttls": False},
                        "from": "pmo@example.nhs.uk",
                        "send": [{"pack": "board", "to": ["sec@example.nhs.uk"],
                                  "attach": ["xlsx", "pptx"]}]}
        (work / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
        config = str(work / "config.yaml")
        assert _cli("build", "-c", config).returncode == 0
        out = work / "outputs" / SLUG
        _nhs_tracker(work / "inputs" / "Ward.xlsx")
        with _immutable(out / "run.json"):
            assert _cli("build", "-c", config).returncode == 1
        sent = _cli("send", "-c", config)
    finally:
        controller.stop()
    assert sent.returncode == 0, sent.stderr
    (message,) = handler.messages
    attached = [part.get_payload(decode=True) for part in
                email.message_from_bytes(message.content).walk() if part.get_filename()]
    assert len(attached) == 2
    # What went is the previous, clean set: the very files its run.json describes.
    assert sorted(hashlib.sha256(a).hexdigest() for a in attached) == sorted(
        _sha(out / n) for n in ("board.xlsx", "board.pptx"))
    assert not any(t.encode() in a for a in attached for t in TAILS)


def test_two_builds_at_once_leave_one_whole_set(work: Path) -> None:
    clean, marked = work / "inputs", work / "inputs-marked"
    shutil.copytree(clean, marked)
    _nhs_tracker(marked / "Ward.xlsx")
    config = str(work / "config.yaml")
    out = work / "outputs" / SLUG
    for _round in range(3):
        procs = [subprocess.Popen(
            [sys.executable, "-m", "planreports", "build", "-c", config, "--inputs", str(f)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ) for f in (clean, marked)]
        results = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [e for _, e in results]
        run = _consistent(out)
        marked_run = any(i["source"]["file"] == "Ward.xlsx" for i in run["items"])
        board = next(p for p in run["packs"] if p["name"] == "board")
        assert board["emailable"] is not marked_run
        with sqlite3.connect(work / "outputs" / "history.sqlite") as db:
            (recorded,) = db.execute(
                "select count(*) from snapshot_items where period = 'FY18 Q2'").fetchone()
        assert recorded == len(run["items"])  # the history is the same build's as the files


def test_a_second_build_waits_for_the_first_and_says_so(work: Path) -> None:
    out = work / "outputs" / SLUG
    with build_lock(out):
        proc = subprocess.Popen(
            [sys.executable, "-m", "planreports", "build", "-c", str(work / "config.yaml")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(4)
        assert proc.poll() is None  # still waiting
        assert not (out / "run.json").exists()
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert f"waiting for another planreports (pid {os.getpid()} on " in stderr
    _consistent(out)


def test_outputs_get_the_mode_a_plain_open_gives(work: Path) -> None:
    done = subprocess.run(
        f"umask 002 && {sys.executable} -m planreports build -c {work / 'config.yaml'}",
        shell=True, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in (work / "outputs" / SLUG).iterdir()
             if p.is_file()}
    listed = json.loads((work / "outputs" / SLUG / "run.json").read_text("utf-8"))["outputs"]
    assert len(modes) == len(listed) + 1 >= 7  # every pack's files and run.json
    assert set(modes.values()) == {"0o664"}


def test_build_of_one_pack_keeps_the_other_packs_in_run_json(work: Path) -> None:
    config = str(work / "config.yaml")
    assert _cli("build", "-c", config).returncode == 0
    out = work / "outputs" / SLUG
    full = json.loads((out / "run.json").read_text("utf-8"))
    assert _cli("build", "-c", config, "--pack", "finance-committee").returncode == 0
    again = _consistent(out)
    assert sorted((o["pack"], o["kind"]) for o in again["outputs"]) == sorted(
        (o["pack"], o["kind"]) for o in full["outputs"])
    assert [p["name"] for p in again["packs"]] == [p["name"] for p in full["packs"]]


# --- killed builds ------------------------------------------------------------------------

def _tagged(tag: str) -> list[int]:
    """Processes whose environment carries the tag: the build and any worker it forked."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PLANREPORTS_TEST_TAG={tag}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample returns twenty times over, so a build spends a while reading."""
    folder = tmp_path_factory.mktemp("big") / "inputs"
    for n in range(20):
        shutil.copytree(ROOT / "inputs", folder / f"copy-{n:02}")
    return folder


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize(("sig", "delay"), [
    (signal.SIGKILL, 1.0), (signal.SIGKILL, 2.0), (signal.SIGKILL, 3.5), (signal.SIGKILL, 6.0),
    (signal.SIGTERM, 1.5), (signal.SIGTERM, 4.0),
])
def test_a_killed_build_leaves_no_process_and_no_file(
    work: Path, big_inputs: Path, tmp_path: Path, sig: int, delay: float
) -> None:
    config = str(work / "config.yaml")
    assert _cli("build", "-c", config, "--inputs", str(big_inputs)).returncode == 0
    before = _snapshot(work / "outputs")
    tag = uuid.uuid4().hex
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "PLANREPORTS_TEST_TAG": tag, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "planreports", "build", "-c", config, "--inputs", str(big_inputs),
         "--as-of", "2017-09-29"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _tagged(tag) == []
    assert list(scratch.iterdir()) == []
    out = work / "outputs" / SLUG
    after = _snapshot(work / "outputs")
    if after != before:  # it got as far as committing: then the new set is whole
        run = _consistent(out)
        assert run["as_of"] == "2017-09-29"
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    # A kill inside the commit's few milliseconds leaves the journal for the next build.
    assert set(leftovers) <= {".commit.json"} | {n for n in leftovers if n.endswith(".bak")}
    again = _cli("build", "-c", config, "--inputs", str(big_inputs))
    assert again.returncode == 0, again.stderr
    _consistent(out)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_json_is_written_as_json_dumps_would_write_it(tmp_path: Path) -> None:
    import datetime as dt

    data = {"when": dt.date(2017, 9, 30), "at": dt.datetime(2017, 9, 30, 12, 5),
            "text": "Ré-audit — “quoted”\ttab", 3: [1.5, None, True], "empty": [], "none": {}}
    with OutputSet(tmp_path / "out") as files:
        files.add_json("run.json", data)
        files.commit()
        files.finish()
    expected = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    assert (tmp_path / "out" / "run.json").read_bytes() == expected.encode("utf-8")
