"""Docs stay honest by test: every command has help and is in the README; findings agree."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from planreports.cli import app
from planreports.findings import CATALOGUE

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_every_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    names = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
    assert {"build", "check", "send", "chase", "templates", "template-check", "watch",
            "init"} <= set(names)
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert len(result.output.strip()) > 40, name
        assert f"planreports {name}" in README, f"{name} is not in the README"


def test_readme_findings_table_is_the_catalogue() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \| (.+?) \|$", README, re.M)
    assert [(code, sev, when) for code, sev, when in rows] == [
        (c.code, c.severity, c.when) for c in CATALOGUE.values()
    ]


def test_every_group_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:
            words = [group.name, command.name or command.callback.__name__]
            result = runner.invoke(app, [*words, "--help"])
            assert result.exit_code == 0, words
            assert f"planreports {' '.join(words)}" in README, words
