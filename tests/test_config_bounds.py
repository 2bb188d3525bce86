"""config.yaml is bounded before it is walked, and a missing password variable is named."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from msoffcrypto.format.ooxml import OOXMLFile

import planreports
from planreports.config import load_config


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines) + "\norganisation: *a8\n"


def _check(config: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "planreports", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - started


def test_a_yaml_bomb_is_refused_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(_bomb(), "utf-8")
    assert config.stat().st_size < 1500
    done, took = _check(config)
    assert done.returncode == 2
    assert "config.yaml line " in done.stderr and "expand to more than 100,000" in done.stderr
    assert took < 5  # a whole process; the bound itself is milliseconds


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# padding\n" * 200_000 + "organisation: X\n", "utf-8")
    done, _ = _check(config)
    assert done.returncode == 2
    assert "over the 1,000,000-byte limit" in done.stderr


def test_ordinary_aliases_still_work(tmp_path: Path) -> None:
    text = (ROOT / "config.yaml").read_text("utf-8")
    assert text.count("committee: Quality") >= 2
    text = text.replace("committee: Quality", "committee: &quality Quality", 1)
    text = text.replace("committee: Quality\n", "committee: *quality\n", 1)
    config = tmp_path / "config.yaml"
    config.write_text(text, "utf-8")
    loaded = load_config(config)
    assert sum(p.committee == "Quality" for p in loaded.priorities) >= 2


def test_password_env_set_but_variable_missing_names_the_variable(
    sample_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = sample_folder / "config.yaml"
    text = config.read_text("utf-8").replace(
        "inputs:\n", "inputs:\n  password_env: PR_TEST_PW\n", 1)
    config.write_text(text, "utf-8")
    source = sample_folder / "inputs" / "Workforce - FY18 Q2 return.xlsx"
    with source.open("rb") as src, (sample_folder / "inputs" / "Locked.xlsx").open("wb") as dst:
        OOXMLFile(src).encrypt("Password1", dst)
    monkeypatch.delenv("PR_TEST_PW", raising=False)
    run = planreports.check(config)
    (f,) = [f for f in run.findings if f.code == "encrypted-file"]
    assert "PR_TEST_PW, which is not set here" in f.message
    assert "set inputs.password_env" not in f.message
    monkeypatch.setenv("PR_TEST_PW", "Password1")
    assert not [f for f in planreports.check(config).findings if f.code == "encrypted-file"]
