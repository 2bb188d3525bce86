"""Nothing lost, as a property: on generated trackers every non-empty row is accounted for."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import openpyxl
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planreports.config import load_config
from planreports.read import ReadOptions, read_file
from planreports.reconcile import reconcile
from planreports.reconcile.accounting import account

CONFIG = load_config(ROOT / "config.yaml")
PRIORITIES = ["", "", "1.", "2. To improve the quality of care by transforming services",
              "7", "9. Something new", "P4"]
PROJECTS = ["", "", "Deliver the carers strategy", "New Care Models", "Estates Redevelopment",
            "Reporting Presentation Layer", "An unplanned project", "Deliver New Data Warehouse"]
RAGS = ["", "Red", "Amber", "Yellow", "Green", "G", "Purple", "complete"]
WORDS = st.text(alphabet="abcdefghij £-=+@\n.", min_size=0, max_size=30)

row_strategy = st.tuples(
    st.sampled_from(PRIORITIES), st.sampled_from(RAGS), st.sampled_from(PROJECTS), WORDS,
    st.sampled_from(["", "?", "Chief Nurse", "TBC"]), st.sampled_from(["", "", "note"]),
)


def _cells(values: tuple) -> list[str]:
    return [str(v).strip() for v in values]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title_rows=st.integers(min_value=0, max_value=3),
    rows=st.lists(row_strategy, min_size=1, max_size=25),
    merge=st.booleans(),
)
def test_every_nonempty_row_is_an_item_a_heading_or_named(
    title_rows: int, rows: list[tuple], merge: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wb = openpyxl.Workbook()
        ws = wb.active
        for i in range(title_rows):
            ws.cell(i + 1, 1, f"Business Plan return {i}")
        header = title_rows + 1
        for col, name in enumerate(["Priority", "RAG", "Project Title", "Progress Update",
                                    "Lead"], start=1):
            ws.cell(header, col, name)
        for offset, values in enumerate(rows, start=1):
            for col, value in enumerate(values, start=1):
                if value:
                    cell = ws.cell(header + offset, col, value)
                    cell.data_type = "s"  # text as a lead typed it, even "=..."
        if merge and len(rows) >= 2 and rows[0][0]:
            ws.merge_cells(start_row=header + 1, start_column=1, end_row=header + 2,
                           end_column=1)
        wb.save(root / "t.xlsx")

        result = read_file(root / "t.xlsx", ReadOptions(root=root))
        rec = reconcile(result.rows, CONFIG)
        accounts, problems = account((result.input,), rec.items, rec.findings)
        assert problems == []
        assert all(a.unaccounted == 0 for a in accounts)

        # And each kept row's text is in its item: nothing silently dropped within a row.
        by_row: dict[int, list] = {}
        for item in rec.items:
            by_row.setdefault(int(re.sub(r"\D", "", item.source.cell)), []).append(item)
        for offset, values in enumerate(rows, start=1):
            number = header + offset
            if number not in by_row:
                continue
            text = " ".join(
                " ".join([i.workstream, i.item, i.update, i.lead, *(v for _, v in i.extras)])
                for i in by_row[number]
            )
            update = values[3].strip()
            if update:
                assert " ".join(update.split()) in " ".join(text.split())
            if values[5]:
                assert "note" in text
