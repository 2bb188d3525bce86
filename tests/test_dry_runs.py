"""Dry runs preview without SMTP: no `email:` section for `send`, no leads.yaml for `chase`."""

from __future__ import annotations

import email
import email.policy
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import planreports
from planreports.cli import app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _without_email(folder: Path) -> str:
    path = folder / "config.yaml"
    raw = yaml.safe_load(path.read_text("utf-8"))
    del raw["email"]
    path.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    return str(path)


def _read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _send_log_rows(folder: Path) -> int:
    with sqlite3.connect(folder / "outputs" / "history.sqlite") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        return db.execute("SELECT count(*) FROM send_log").fetchone()[0] if (
            "send_log" in tables) else 0


def test_send_dry_run_previews_every_pack_without_an_email_section(sample_folder: Path) -> None:
    config = _without_email(sample_folder)
    planreports.build(config)
    result = CliRunner().invoke(app, ["send", "-c", config, "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "preview only: config.yaml has no email: section" in result.stderr
    folder = sample_folder / "outputs" / "fy18-q2" / "email"
    assert sorted(p.name for p in folder.iterdir()) == [
        "send-board.eml", "send-finance-committee.eml", "send-pmo.eml",
        "send-quality-committee.eml"]
    board = _read_eml(folder / "send-board.eml")
    assert board["To"] == "board.recipients@example.invalid"
    assert "Trust Board" in board["Subject"]
    assert [p.get_content_type() for p in board.iter_attachments()] == [XLSX, PPTX]
    assert _send_log_rows(sample_folder) == 0
    # a real send still needs the section, and says how to preview without it
    real = CliRunner().invoke(app, ["send", "-c", config])
    assert real.exit_code == 2
    assert "--dry-run previews the messages without it" in real.stderr


@pytest.fixture
def research_missing(sample_folder: Path) -> Path:
    (sample_folder / "inputs" / "Research and Development - FY18 Q2 return.xlsx").unlink()
    planreports.build(sample_folder / "config.yaml")
    return sample_folder


def test_chase_dry_run_without_leads_yaml_previews_to_placeholders(research_missing: Path) -> None:
    config = str(research_missing / "config.yaml")
    result = CliRunner().invoke(app, ["chase", "-c", config, "--dry-run"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no address" not in result.stdout + result.stderr
    assert "preview only: no leads.yaml beside config.yaml" in result.stderr
    eml = research_missing / "outputs" / "fy18-q2" / "email" / "chase-director-of-research.eml"
    message = _read_eml(eml)
    assert message["To"] == "director-of-research@example.invalid"
    body = message.get_body(("plain",)).get_content()
    assert "Deliver Case Records Interactive Search" in body
    assert _send_log_rows(research_missing) == 0
    # the real chase refuses before sending anything, naming the file to make
    real = CliRunner().invoke(app, ["chase", "-c", config])
    assert real.exit_code == 2
    assert "no leads.yaml beside config.yaml" in real.stderr
    assert "Director of Nursing: jane.smith@nhs.net" in real.stderr


def test_chase_with_nothing_to_chase_says_so(sample_folder: Path) -> None:
    config = str(sample_folder / "config.yaml")
    planreports.build(config)  # every workstream of the sample has its return
    result = CliRunner().invoke(app, ["chase", "-c", config, "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "Nothing to chase for FY18 Q2: every workstream has a return and no update is stale.")
