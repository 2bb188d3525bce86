"""Exit codes exactly as the README gives them, for every command, and one style of error.

0 done; 1 error findings under --strict, an output not written, an email refused or blocked, a
deck template that will not do; 2 bad usage or bad config. Each case is run as the user runs it
(typer's runner over the real app; a few as a real `python -m planreports` process).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_config
from typer.testing import CliRunner

import planreports
from planreports.cli import app

Setup = Callable[[Path], list[str]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample working folder, built once (FY18 Q2): history, run.json, packs."""
    folder = tmp_path_factory.mktemp("exit-codes") / "work"
    folder.mkdir()
    copy_config(folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    planreports.build(folder / "config.yaml")
    return folder


def _edit_config(folder: Path, change: Callable[[dict], None]) -> None:
    path = folder / "config.yaml"
    raw = yaml.safe_load(path.read_text("utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")


def _no_email(folder: Path) -> None:
    _edit_config(folder, lambda raw: raw.pop("email"))


def _invalid_rag(folder: Path) -> None:
    (folder / "inputs" / "Extra.csv").write_text(
        "Priority,Project,RAG,Progress update,Lead\n"
        "P1,Deliver the carers strategy,Purple,On track,Head of Patient Experience\n",
        "utf-8",
    )


def _nothing_missing(folder: Path) -> None:
    """A plan whose every workstream has a return: nothing to chase."""
    def keep_reported(raw: dict) -> None:
        raw["priorities"] = [p for p in raw["priorities"] if p["id"] == "P7"]
        raw["packs"] = [{"name": "board", "title": "Trust Board"}]
        raw["email"]["send"] = [s for s in raw["email"]["send"] if s["pack"] == "board"]
    _edit_config(folder, keep_reported)
    planreports.build(folder / "config.yaml")


def _one_return_missing(folder: Path) -> None:
    """Research's return has not come in: its three workstreams are to be chased."""
    (folder / "inputs" / "Research and Development - FY18 Q2 return.xlsx").unlink()
    planreports.build(folder / "config.yaml")


def _unknown_key(folder: Path) -> None:
    text = (folder / "config.yaml").read_text("utf-8")
    (folder / "config.yaml").write_text(text.replace("organisation:", "organisaton:", 1), "utf-8")


def _broken_template(folder: Path) -> None:
    (folder / "templates" / "deck.pptx").write_bytes(b"not a deck")


def _out_is_a_file(folder: Path) -> None:
    (folder / "taken").write_text("a file where the outputs folder would go", "utf-8")


C = "config.yaml"
CASES: list[tuple[str, Callable[[Path], None] | None, list[str], int, str]] = [
    # id, setup, arguments, exit code, text that stderr must hold
    ("build", None, ["build", "-c", C], 0, ""),
    ("build-bad-config", _unknown_key, ["build", "-c", C], 2,
     "error: config.yaml line 4: organisaton: unknown key (did you mean 'organisation'?)"),
    ("build-no-config", None, ["build", "-c", "nope.yaml"], 2, "nope.yaml: no such file"),
    ("build-no-inputs-folder", None, ["build", "-c", C, "--inputs", "nope"], 2,
     "does not exist"),
    ("build-bad-as-of", None, ["build", "-c", C, "--as-of", "30/09/2017"], 2,
     "expected a date as YYYY-MM-DD"),
    ("build-unknown-pack", None, ["build", "-c", C, "--pack", "nope"], 2, "no pack named 'nope'"),
    ("build-unknown-option", None, ["build", "--nope"], 2, "error: No such option: --nope"),
    ("build-bad-period", None, ["build", "-c", C, "--period", "Q3"], 2, "'Q3'"),
    ("build-strict-errors", _invalid_rag, ["build", "-c", C, "--strict"], 1, "--strict"),
    ("build-errors-not-strict", _invalid_rag, ["build", "-c", C], 0, ""),
    ("build-output-not-written", _out_is_a_file, ["build", "-c", C, "--out", "taken"], 1,
     "error: "),
    ("check", None, ["check", "-c", C], 0, ""),
    ("check-strict-errors", _invalid_rag, ["check", "-c", C, "--strict"], 1, ""),
    ("check-bad-format", None, ["check", "-c", C, "--format", "xml"], 2, "expected 'table'"),
    ("check-no-inputs-folder", None, ["check", "-c", C, "--inputs", "nope"], 2,
     "does not exist"),
    ("check-bad-config", _unknown_key, ["check", "-c", C], 2, "unknown key"),
    ("send-dry-run", None, ["send", "-c", C, "--dry-run"], 0, ""),
    ("send-no-email-section", _no_email, ["send", "-c", C], 2, "no email: section"),
    ("send-no-email-section-dry-run", _no_email, ["send", "-c", C, "--dry-run"], 0, ""),
    ("send-not-built", None, ["send", "-c", C, "--dry-run"], 2, "run `planreports build`"),
    ("chase-dry-run-no-leads", _one_return_missing, ["chase", "-c", C, "--dry-run"], 0, ""),
    ("chase-no-leads", _one_return_missing, ["chase", "-c", C], 2, "leads.yaml"),
    ("chase-nothing-to-chase", _nothing_missing, ["chase", "-c", C, "--dry-run"], 0, ""),
    ("templates", None, ["templates", "-c", C], 0, ""),
    ("templates-bad-by", None, ["templates", "-c", C, "--by", "colour"], 2, "--by"),
    ("template-check", None, ["template-check", "-c", C], 0, ""),
    ("template-check-broken", _broken_template, ["template-check", "-c", C], 1, ""),
    ("watch-bad-config", _unknown_key, ["watch", "-c", C], 2, "unknown key"),
    ("watch-no-inputs-folder", lambda f: shutil.rmtree(f / "inputs"), ["watch", "-c", C], 2,
     "does not exist"),
    ("init", None, ["init", "fresh"], 0, ""),
    ("init-over-a-config", None, ["init", "."], 2, "already exists"),
    ("history-list", None, ["history", "list", "-c", C], 0, ""),
    ("history-remove", None, ["history", "remove", "FY18 Q2", "-c", C, "--yes"], 0, ""),
    ("history-remove-unknown", None, ["history", "remove", "FY17 Q4", "-c", C, "--yes"], 2,
     "FY17 Q4"),
    ("history-remove-no-answer", None, ["history", "remove", "FY18 Q2", "-c", C], 2, "--yes"),
    ("version", None, ["--version"], 0, ""),
    ("unknown-command", None, ["biuld"], 2, "error: No such command 'biuld'"),
]
NOT_BUILT = {"send-not-built", "build-no-config"}


@pytest.mark.parametrize(("setup", "args", "code", "says"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_exit_code(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
    setup: Callable[[Path], None] | None, args: list[str], code: int, says: str,
) -> None:
    folder = tmp_path / "work"
    if request.node.callspec.id in NOT_BUILT:
        folder.mkdir()
        copy_config(folder / "config.yaml")
        shutil.copytree(ROOT / "inputs", folder / "inputs")
    else:
        shutil.copytree(built, folder)
    if setup is not None:
        setup(folder)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for line in result.stderr.splitlines():
        assert "╭" not in line and not line.startswith(("Error", "Usage")), result.stderr


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planreports", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_a_real_process_exits_with_the_same_codes(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    shutil.copytree(built, folder)
    assert _cli("build", "--nope", cwd=folder).returncode == 2
    done = _cli("build", "-c", C, "--inputs", "nope", cwd=folder)
    assert (done.returncode, done.stderr.strip()) == (
        2, f"error: the inputs folder {folder / 'nope'} does not exist")
    done = _cli("--version", cwd=folder)
    assert (done.returncode, done.stdout.strip()) == (0, f"planreports {planreports.__version__}")


def test_debug_anywhere_on_the_line_shows_the_traceback(tmp_path: Path) -> None:
    for args in (["--debug", "build", "-c", "nope.yaml"], ["build", "-c", "nope.yaml", "--debug"],
                 ["build", "--debug", "-c", "nope.yaml"]):
        done = _cli(*args, cwd=tmp_path)
        assert done.returncode != 0
        assert "Traceback" in done.stderr and "ConfigError" in done.stderr, args
    done = _cli("build", "-c", "nope.yaml", cwd=tmp_path)
    assert "Traceback" not in done.stderr


def test_several_config_faults_are_one_error_each(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    shutil.copytree(built, folder)

    def two_faults(raw: dict) -> None:
        raw["report"]["as_of"] = "2017-09-31"
        raw["rag"][0]["colour"] = "red"
    _edit_config(folder, two_faults)
    result = CliRunner().invoke(app, ["check", "-c", str(folder / C)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: config.yaml line ") for line in lines)
