"""A CSV field longer than a cell holds is cut for that cell alone; the rest of the file is read
(issue 15, item 6: one field over the csv module's 131,072-character limit lost the file)."""

from __future__ import annotations

from pathlib import Path

from planreports.read import read_inputs

HEADER = "Priority,RAG,Project Title,Progress Update,Lead\r\n"


def test_a_field_over_the_csv_limit_is_cut_there_and_the_rows_around_it_are_read(
    tmp_path: Path,
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    long_update = "Estates options appraisal under way. " * 6_000  # 222,000 characters
    (inputs / "returns.csv").write_text(
        HEADER
        + "5.,Green,Cost Improvement Programme,On plan.,Director of Finance\r\n"
        + f'5.,Amber,Estates strategy,"{long_update}",Director of Estates\r\n'
        + "6.,Green,Clinical Research Facility (CRF),Studies approved.,Director of Research\r\n",
        encoding="utf-8",
    )
    result = read_inputs(inputs)
    assert [(i.path, i.status) for i in result.inputs] == [("returns.csv", "read")]
    assert [(r.text("workstream"), len(r.text("update"))) for r in result.rows] == [
        ("Cost Improvement Programme", 8),
        ("Estates strategy", 32_767),
        ("Clinical Research Facility (CRF)", 17),
    ]
    assert result.rows[1].text("update") == long_update[:32_767]
    assert [(f.code, f.file, f.sheet, f.cell) for f in result.findings] == [
        ("text-truncated", "returns.csv", "returns", "D3"),
    ]
    assert "222,000 characters" in result.findings[0].message


def test_a_quote_left_open_runs_to_the_end_and_is_cut_not_the_file_refused(
    tmp_path: Path,
) -> None:
    """The usual way a field gets that long: a quote never closed swallows the rows below."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    rows = "".join(f"5.,Green,Project {i},Update {i}.,Lead {i}\r\n" for i in range(8_000))
    (inputs / "open-quote.csv").write_text(
        HEADER + '5.,Red,Cost Improvement Programme,"Behind plan,Director of Finance\r\n' + rows,
        encoding="utf-8",
    )
    result = read_inputs(inputs)
    assert [(i.path, i.status) for i in result.inputs] == [("open-quote.csv", "read")]
    (row,) = result.rows
    # The swallowed rows are the field's text (their line breaks as a reader shows them).
    assert row.text("update").startswith("Behind plan,Director of Finance\n5.,Green,Project 0,")
    assert [(f.code, f.cell) for f in result.findings] == [("text-truncated", "D2")]
