"""The render host (planreports.forked.Host): jobs pickled to a process forked early, files
passed as descriptors, results and failures back; and it never outlives the build."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_config

import planreports
from planreports.errors import RenderError
from planreports.forked import Host
from planreports.outputs import OutputSet

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and /proc")


def write_text(text: str, path: Path) -> int:
    path.write_text(text, "utf-8")
    return os.getpid()


def fail(path: Path) -> None:
    raise RenderError(f"could not write {path.name}: planted")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in (
        Path(f"/proc/{pid}/stat").read_text().split()[2])


def test_staged_files_written_by_the_host_hold_what_each_job_wrote(tmp_path: Path) -> None:
    loaded = tmp_path / "loaded"
    host = Host(lambda: loaded.write_text("yes"))
    pid = host.pid
    with OutputSet(tmp_path / "out") as files:
        jobs = [(f"f{n}.txt", functools.partial(write_text, f"file {n}")) for n in range(30)]
        written = files.add_all(jobs, host=host)
        pids = {pid for _, pid in written}
        assert os.getpid() not in pids  # written in the host's workers, not here
        for n, (file, _) in enumerate(written):
            assert files.read(f"f{n}.txt") == f"file {n}".encode()
            assert file.sha256 == hashlib.sha256(f"file {n}".encode()).hexdigest()
        files.commit()
        files.finish()
    assert (tmp_path / "out" / "f29.txt").read_text() == "file 29"
    assert loaded.read_text() == "yes"  # prepare ran in the host
    assert not _alive(pid)  # one batch of jobs, then it ends


def test_a_failing_job_raises_its_own_error_and_stages_nothing(tmp_path: Path) -> None:
    host = Host(lambda: None)
    pid = host.pid
    out = tmp_path / "out"
    with OutputSet(out) as files, pytest.raises(RenderError, match="could not write .*planted"):
        files.add_all([("a.txt", functools.partial(write_text, "fine")), ("b.txt", fail)],
                      host=host)
    assert not _alive(pid)
    assert [p.name for p in out.iterdir()] == []


def test_a_host_given_no_jobs_ends_when_closed() -> None:
    host = Host(lambda: None)
    pid = host.pid
    assert _alive(pid)
    host.close()
    assert not _alive(pid)


def test_a_build_leaves_the_collector_and_no_process_behind(tmp_path: Path) -> None:
    """build() collects less often while it runs and writes through a render host; an
    in-process caller (watch, a notebook) gets its collector back as it was, and no child."""
    folder = tmp_path / "work"
    folder.mkdir()
    copy_config(folder / "config.yaml")
    for name in ("inputs", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    run = planreports.build(folder / "config.yaml")
    assert {o.kind for o in run.outputs} >= {"xlsx", "pptx", "docx"}
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    assert [c for c in children if _alive(int(c))] == []


def test_a_job_that_cannot_be_pickled_is_a_render_error_and_ends_the_host() -> None:
    host = Host(lambda: None)
    pid = host.pid
    with pytest.raises(RenderError, match="could not be handed to the render process"):
        host.run_all([lambda path: path], ["/dev/null"], [])
    assert not _alive(pid)
