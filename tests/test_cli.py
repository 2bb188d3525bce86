"""The command line as a user runs it: init, template-check, locked outputs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import planreports


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planreports", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )


def test_init_makes_a_working_folder_that_builds(tmp_path: Path) -> None:
    folder = tmp_path / "trust"
    done = _cli("init", str(folder))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.yaml", "inputs", "outputs", "templates"
    ]
    templates = sorted(p.name for p in (folder / "templates").iterdir())
    assert "deck.pptx" in templates and "narrative.txt.j2" in templates
    assert "# planreports configuration" in (folder / "config.yaml").read_text("utf-8")
    # an empty inputs folder still builds: every workstream is a missing return
    done = _cli("build", "-c", str(folder / "config.yaml"))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folder / "outputs" / "fy25-q1" / "run.json").read_text("utf-8"))
    assert manifest["items"] == []
    assert [f["code"] for f in manifest["findings"]] == ["missing-return", "missing-return"]
    # and init refuses to overwrite a config
    done = _cli("init", str(folder))
    assert done.returncode == 2
    assert "already exists" in done.stderr


def test_template_check_on_the_shipped_template(sample_folder: Path) -> None:
    done = _cli("template-check", "-c", str(sample_folder / "config.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    (sample_folder / "templates" / "deck.pptx").write_bytes(b"not a deck")
    done = _cli("template-check", "-c", str(sample_folder / "config.yaml"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_missing_inputs_folder_is_a_clear_error(sample_folder: Path) -> None:
    done = _cli("build", "-c", str(sample_folder / "config.yaml"), "--inputs",
                str(sample_folder / "nope"))
    assert done.returncode == 2  # bad usage, as the README says
    expected = f"error: the inputs folder {sample_folder / 'nope'} does not exist"
    assert done.stderr.strip() == expected


def test_bad_as_of_is_usage_error(sample_folder: Path) -> None:
    done = _cli("build", "-c", str(sample_folder / "config.yaml"), "--as-of", "30/09/2017")
    assert done.returncode == 2
    assert "expected a date as YYYY-MM-DD" in done.stderr


def test_library_build_returns_the_run(sample_folder: Path) -> None:
    run = planreports.build(sample_folder / "config.yaml", pack="board")
    assert {(o.pack, o.kind) for o in run.outputs} == {
        ("board", "xlsx"), ("board", "pptx"), ("board", "docx")}
    assert len(run.items) == 38
    assert all(f.code != "row-unaccounted" for f in run.findings)
