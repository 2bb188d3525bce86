"""YAML slips in config.yaml said in plain words, with the line and a caret under the place.

Each case is a slip a PMO analyst makes in Notepad on the real sample config.yaml; PyYAML's own
words for them ("expected <block end>, but found '?'") name a character the file does not hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from planreports.cli import app
from planreports.config import load_config
from planreports.errors import ConfigError

BASE = (ROOT / "config.yaml").read_text(encoding="utf-8")
LINES = BASE.splitlines()


def _line_of(text: str) -> int:
    return next(i for i, line in enumerate(LINES, start=1) if line.startswith(text))


TITLE = "  title: Business Plan"


WS = "    workstreams:"
P1_LEAD = "    lead: Director of Nursing"
CASES = [
    ("tab", (TITLE, "\ttitle: Business Plan"), _line_of(TITLE),
     "a tab indents this line; YAML allows only spaces for indentation: replace the tab with "
     "spaces", "→title: Business Plan", 0),
    # the slip: a list entry's key pulled back two spaces
    ("key-dedented", (P1_LEAD, "  lead: Director of Nursing"), _line_of(P1_LEAD),
     "this line is indented 2 spaces, the line above it 4: indent it with spaces as the other "
     "keys of its block (a list entry's keys line up after its '- ')",
     "  lead: Director of Nursing", 2),
    ("key-indented-too-far", ("  period: FY18 Q2", "   period: FY18 Q2"),
     _line_of("  period: FY18 Q2"),
     "this line is indented more than the line above it, so it reads as part of that line's "
     "value: indent it as the line above, with spaces",
     "   period: FY18 Q2            # label shown on every output", 9),
    ("colon-in-text", ("  title: Business Plan", "  title: Business Plan: 2017/18"),
     _line_of("  title: Business Plan"),
     "a second ':' on this line: text holding ': ' must be in quotes, e.g. "
     "title: \"Business Plan: 2017/18\"", "  title: Business Plan: 2017/18", 22),
    ("colon-missing", ("  title: Business Plan", "  title Business Plan"),
     _line_of("  title: Business Plan"),
     "this line has no ':' ('title Business Plan'): expected 'key: value'",
     "  title Business Plan", 2),
    ("quote-not-closed", ("  title: Business Plan", "  title: 'Business Plan"),
     _line_of("  title: Business Plan"),
     "a quote opened here is never closed: end the text with the same quote",
     "  title: 'Business Plan", 9),
]


@pytest.mark.parametrize(("change", "line", "words", "shown", "caret"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_yaml_slip_is_said_in_plain_words_with_a_caret(
    tmp_path: Path, change: tuple[str, str], line: int, words: str, shown: str, caret: int,
) -> None:
    old, new = change
    assert old in BASE
    path = tmp_path / "config.yaml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value).splitlines()
    assert message[0] == f"config.yaml line {line}: {words}"
    assert "<block end>" not in str(caught.value) and "scalar" not in str(caught.value)
    excerpt = message[1:]
    width = len(str(line))
    assert excerpt[-2] == f"  {line:>{width}} | {shown}"
    assert excerpt[-1] == f"  {'':>{width}} | " + " " * caret + "^"


def test_the_cli_prints_the_excerpt_under_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BASE.replace(P1_LEAD, "  lead: Director of Nursing", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "-c", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.rstrip("\n").splitlines()
    assert lines[0].startswith(f"error: config.yaml line {_line_of(P1_LEAD)}: this line is ")
    assert [line.startswith("  ") for line in lines[1:]] == [True, True, True]
    assert lines[-1].endswith("|   ^")
