"""The sample directorate returns in inputs/: reproducible, committed as generated, and with
the quirks (merged priorities, a fill-only RAG, a cp1252 CSV) that the reader must meet."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import make_sample_inputs as samples  # noqa: E402

INPUTS = REPO / "inputs"
XLSX = [f.name for f in samples.FILES if f.name.endswith(".xlsx")]
CSV = [f.name for f in samples.FILES if f.name.endswith(".csv")]


def _snapshot(path: Path) -> dict[str, object]:
    """What a reader can see in a workbook: values, merges and fills, sheet by sheet."""
    wb = openpyxl.load_workbook(path)
    sheets: dict[str, object] = {}
    for ws in wb.worksheets:
        sheets[ws.title] = {
            "values": [tuple(row) for row in ws.iter_rows(values_only=True)],
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "fills": sorted(
                (c.coordinate, c.fill.fgColor.rgb)
                for row in ws.iter_rows()
                for c in row
                if c.fill.fill_type == "solid"
            ),
        }
    return sheets


def _compare_folders(left: Path, right: Path) -> None:
    for name in XLSX:
        assert _snapshot(left / name) == _snapshot(right / name), name
    for name in CSV:
        assert (left / name).read_bytes() == (right / name).read_bytes(), name


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first = samples.main(tmp_path / "a")
    second = samples.main(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second] == [f.name for f in samples.FILES]
    _compare_folders(tmp_path / "a", tmp_path / "b")
    # Fixed timestamps make even the bytes identical, so a re-run never shows up in git.
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    props = openpyxl.load_workbook(first[0]).properties
    assert props.created == props.modified == samples.FIXED_TIMESTAMP


def test_committed_inputs_match_a_fresh_generation(tmp_path: Path) -> None:
    samples.main(tmp_path)
    _compare_folders(INPUTS, tmp_path)


def test_shape_of_the_sample_set() -> None:
    assert len(XLSX) >= 4 and len(CSV) == 1
    assert {r.priority_id for r in samples.SAMPLE_ROWS} == {f"P{n}" for n in range(1, 8)}
    # Every seed row is written once; nothing added, nothing dropped.
    assert len(samples.SAMPLE_ROWS) == len(samples.SEED_TABLE) == 38
    counts = samples.expected_counts()
    assert sum(n for by_rag in counts.values() for n in by_rag.values()) == 38
    assert counts["P5"] == {"R": 4, "G": 2}
    assert counts["P2"] == {"R": 1, "A": 2, "G": 8}


def test_sample_rows_describe_the_cells() -> None:
    books = {name: openpyxl.load_workbook(INPUTS / name) for name in XLSX}
    for row in samples.SAMPLE_ROWS:
        if row.file not in books:
            continue
        ws = books[row.file][row.sheet]
        assert ws[row.cell("Project Title")].value == (row.project or None)
        assert ws[row.cell("RAG")].value == (row.rag_word or None)
        assert ws[row.cell("Progress Update")].value == row.update
        assert ws[row.cell("Lead")].value == row.lead
        due = ws[row.cell("Due date")].value
        if isinstance(row.due, dt.date):
            assert isinstance(due, dt.datetime) and due.date() == row.due
        else:
            assert due == row.due


def test_seed_html_became_paragraphs() -> None:
    updates = [r.update for r in samples.SAMPLE_ROWS]
    assert not any("<p>" in u or "</p>" in u for u in updates)
    mazars = next(r for r in samples.SAMPLE_ROWS if r.project.startswith("Implement the rec"))
    assert mazars.update.count("\n\n") == 2
    assert samples.paragraphs("<p>a</p> <p>b</p>") == "a\n\nb"


@pytest.mark.skipif(not samples.SEED_FILE.exists(), reason="seed papers not beside the repo")
def test_embedded_table_is_the_seed_table() -> None:
    seed = samples.parse_seed_table(samples.SEED_FILE.read_text(encoding="utf-8"))
    assert seed == samples.SEED_TABLE


def test_csv_is_windows_1252_with_crlf() -> None:
    (name,) = CSV
    raw = (INPUTS / name).read_bytes()
    assert b"\xa3" in raw  # the pound sign as cp1252 encodes it
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "£582,164" in text
    assert text.startswith("Priority,RAG,Project Title,Progress Update,Lead,Due date\r\n")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare line feeds: every line ends CRLF


def test_priority_cells_are_merged_down_their_groups() -> None:
    merged_files = set()
    for name in XLSX:
        wb = openpyxl.load_workbook(INPUTS / name)
        for ws in wb.worksheets:
            rows = [r for r in samples.SAMPLE_ROWS if r.file == name and r.sheet == ws.title]
            for merged in ws.merged_cells.ranges:
                merged_files.add(name)
                first = rows[0]
                assert str(merged) == f"{first.cell('Priority')}:{rows[-1].cell('Priority')}"
                assert ws[first.cell("Priority")].value == first.priority_text
    assert len(merged_files) >= 2


def test_exactly_one_rag_is_given_only_by_fill() -> None:
    fill_only = []
    for name in XLSX:
        wb = openpyxl.load_workbook(INPUTS / name)
        for row in (r for r in samples.SAMPLE_ROWS if r.file == name):
            cell = wb[row.sheet][row.cell("RAG")]
            assert cell.fill.fill_type == "solid"
            assert cell.fill.fgColor.rgb == samples.RAG_FILLS[row.rag_key]
            if cell.value is None:
                fill_only.append((name, row.sheet, cell.coordinate))
    assert fill_only == [("Research and Development - FY18 Q2 return.xlsx", "Priority 6", "B6")]
    assert [r for r in samples.SAMPLE_ROWS if not r.rag_word] == [
        r for r in samples.SAMPLE_ROWS if r.project == samples.FILL_ONLY_PROJECT
    ]


def test_every_workbook_has_a_rag_key_sheet_and_overdue_rows_are_few() -> None:
    for name in XLSX:
        wb = openpyxl.load_workbook(INPUTS / name)
        assert wb.sheetnames[-1] == "RAG Key"
        assert [c.value for c in wb["RAG Key"][1]] == ["RAG", "Milestone status"]
    overdue = [r.project or r.update[:19] for r in samples.SAMPLE_ROWS if r.overdue]
    assert overdue == [
        "Deliver Oxford Centre for Quality Improvement",
        "Community Hospitals",
        "Deliver workforce strategy to attract and retain staff",
    ]
