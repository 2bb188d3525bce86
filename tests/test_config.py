"""config.yaml: the contract loads into frozen models; every fault names file, line and key."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from planreports.config import load_config, slugify
from planreports.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "config.yaml").read_text(encoding="utf-8")


def test_sample_config_loads_as_frozen_models() -> None:
    config = load_config(ROOT / "config.yaml")
    assert config.organisation == "Oxford Health NHS Foundation Trust"
    assert config.report.as_of == dt.date(2017, 9, 30)
    assert [p.id for p in config.priorities] == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    assert [len(p.workstreams) for p in config.priorities] == [2, 6, 3, 4, 3, 3, 4]
    assert [s.key for s in config.rag] == ["R", "A", "G", "B"]
    assert config.inputs_dir == ROOT / "inputs"
    assert config.period_slug == "fy18-q2"
    assert config.warnings == ()
    with pytest.raises(ValidationError):
        config.organisation = "changed"  # type: ignore[misc]


CASES = [
    (
        "yaml-syntax",
        ("  title: Business Plan", "  title: [Business Plan"),
        ["bad.yaml line 6: the [ opened here is not closed with ] before line 7 (or a ',' is "
         "missing between its entries)",
         "  6 |   title: [Business Plan",
         "    |          ^"],
    ),
    (
        "missing-key",
        ("organisation: Oxford Health NHS Foundation Trust\n", ""),
        ["bad.yaml line 4: organisation: required key is missing"],
    ),
    (
        "wrong-type-workstream",
        (
            "    workstreams:\n      - Deliver Quality Account priorities",
            "    workstreams:\n      - 42\n      - Deliver Quality Account priorities",
        ),
        ["bad.yaml line 63: priorities[2].workstreams[0]: expected a title"],
    ),
    (
        "unknown-key",
        ("  period: FY18 Q2", "  period: FY18 Q2\n  perod: FY18 Q3"),
        ["bad.yaml line 8: report.perod: unknown key (did you mean 'period'?)"],
    ),
    (
        "duplicate-priority-id",
        ("  - id: P2", "  - id: P1"),
        ["bad.yaml line 44: priorities[1].id: duplicate priority id 'P1' (also priorities[0])"],
    ),
    (
        "rag-key-twice",
        ("  - key: B\n", "  - key: G\n"),
        ["bad.yaml line 25: rag[3].key: RAG key 'G' used twice (also rag[2])",
         "bad.yaml line 29: rag[3].aliases: alias 'g' is claimed by both Green and Blue"],
    ),
    (
        "alias-claimed-twice",
        ("aliases: [green, g]", "aliases: [green, g, yellow]"),
        ["bad.yaml line 24: rag[2].aliases: alias 'yellow' is claimed by both Amber and Green"],
    ),
    (
        "bad-date",
        ("as_of: 2017-09-30", "as_of: 2017-09-31"),
        ["bad.yaml line 8: report.as_of: expected a date as YYYY-MM-DD"],
    ),
    (
        "inline-secret",
        ("password_env: PLANREPORTS_SMTP_PASSWORD", "password: hunter2"),
        ["bad.yaml line 161: email.smtp.password: secrets never live in config.yaml: put it in "
         "an environment variable and name the variable in password_env"],
    ),
    (
        "secret-in-env-name",
        ("password_env: PLANREPORTS_SMTP_PASSWORD", 'password_env: "hunter2 pass"'),
        ["bad.yaml line 161: email.smtp.password_env: expected the name of an environment "
         "variable (e.g. PLANREPORTS_SMTP_PASSWORD), not the secret itself"],
    ),
    (
        "bad-colour",
        ('colour: "#D5281B"', "colour: red"),
        ['bad.yaml line 12: rag[0].colour: expected a colour as "#RRGGBB"'],
    ),
    (
        "key-given-twice",
        ("  period: FY18 Q2", "  period: FY18 Q2\n  period: FY18 Q3"),
        ["bad.yaml line 8: YAML syntax error: key 'period' given twice (first on line 7)"],
    ),
    (
        "send-to-unknown-pack",
        ("    - pack: quality-committee\n      to:", "    - pack: quality\n      to:"),
        ["bad.yaml line 167: email.send[1].pack: unknown pack 'quality': expected one of board, "
         "quality-committee, finance-committee, pmo"],
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_is_refused_with_line_and_key(
    tmp_path: Path, name: str, change: tuple[str, str], expected: list[str]
) -> None:
    old, new = change
    assert old in BASE, f"the case {name} no longer applies to config.yaml"
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).splitlines() == expected


def test_pack_naming_unknown_committee_is_allowed_but_warned(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BASE.replace("committees: [Quality]", "committees: [Qualty]"), "utf-8")
    config = load_config(path)
    assert config.warnings == (
        "config.yaml line 148: packs[1].committees[0]: committee 'Qualty' is not the committee "
        "of any priority or workstream; the pack will hold only items whose tracker names it",
    )


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "config.yaml"
    path.write_text(BASE.replace("  folder: inputs", "  folder: ../trackers"), "utf-8")
    config = load_config(path)
    assert config.inputs_dir.resolve() == (tmp_path / "trackers").resolve()
    assert config.history_url == "sqlite:///" + str(tmp_path / "sub/outputs/history.sqlite")


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("period", "slug"), [("FY18 Q2", "fy18-q2"), ("2019/20 Q3", "2019-20-q3"), ("???", "period")]
)
def test_period_slug(period: str, slug: str) -> None:
    assert slugify(period) == slug


def test_cli_refuses_bad_config_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BASE.replace("  - id: P2", "  - id: P1"), "utf-8")
    (tmp_path / "inputs").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "planreports", "build", "-c", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "error: config.yaml line 44: priorities[1].id: duplicate priority id 'P1' "
        "(also priorities[0])"
    )
    assert not (tmp_path / "outputs").exists()


def test_pack_audience_decides_the_data_quality_appendix(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.yaml")
    shown = {p.name: (p.reader, p.carries_data_quality, p.font_size) for p in config.packs}
    assert shown == {
        "board": ("board", False, 12.0),
        "quality-committee": ("committee", False, 12.0),
        "finance-committee": ("committee", False, 12.0),
        "pmo": ("pmo", True, 12.0),
    }
    text = BASE.replace("    title: Trust Board\n",
                        "    title: Trust Board\n    data_quality: true\n    font_size: 9\n")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "bad.yaml")
    assert str(caught.value).startswith("bad.yaml line 121: packs[0].font_size: ")
    assert "10" in str(caught.value)
