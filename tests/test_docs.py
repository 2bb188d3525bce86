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


def _block_after(heading: str) -> list[str]:
    """The lines of the first ``` block under `heading` in the README."""
    rest = README.split(heading, 1)[1]
    block = rest.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_says_how_to_run_planreports_after_make_run() -> None:
    section = README.split("## Running `planreports` yourself", 1)[1].split("\n## ", 1)[0]
    assert "command not found" in section and ".venv/bin/planreports" in section
    assert ". .venv/bin/activate" in section
    windows = _block_after("### On Windows")
    assert windows[:3] == ["py -m venv .venv", ".venv\\Scripts\\activate", "pip install ."]
    assert "pipx install ." in README and "uv tool install ." in README


def test_the_readme_walk_through_works_as_written(sample_folder: Path) -> None:
    """Each command of 'A quarter, step by step', run as written after `make run` (whose
    command is the Makefile's), in a copy of the repository's working folder."""
    import shlex
    import subprocess
    import sys

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text("utf-8")
    make_run = makefile.split("\nrun:", 1)[1].splitlines()[1].strip()
    steps = [make_run.replace("$(BIN)/", ".venv/bin/")]
    steps += [line.split("  #")[0].strip() for line in _block_after("### A quarter, step by step")]
    assert len(steps) >= 5
    for step in steps:
        words = shlex.split(step)
        assert words[0] == ".venv/bin/planreports", step
        done = subprocess.run([sys.executable, "-m", "planreports", *words[1:]],
                              capture_output=True, text=True, cwd=sample_folder, timeout=300)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
        assert "error" not in done.stderr, (step, done.stderr)
    returns = sample_folder / "outputs" / "fy18-q3" / "returns"
    assert len(list(returns.glob("Return - *.xlsx"))) == 8
