"""The whole pipeline on the repository's own sample folder, as a PMO analyst runs it."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

import planreports

sys.path.insert(0, str(ROOT / "scripts"))
import make_sample_inputs  # noqa: E402

RUN_JSON_KEYS = {"version", "period", "as_of", "inputs", "items", "counts", "findings", "outputs"}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_counts_per_priority_and_rag_equal_the_sample_trackers(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    expected = make_sample_inputs.expected_counts()
    counts = manifest["counts"]
    got = {pid: {k: n for k, n in by_rag.items() if n} for pid, by_rag in counts.items()}
    assert got == expected
    assert len(manifest["items"]) == len(make_sample_inputs.SAMPLE_ROWS) == 38


def test_every_item_carries_its_source_cell(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    input_paths = {i["path"] for i in manifest["inputs"]}
    for item in manifest["items"]:
        source = item["source"]
        assert source["file"] in input_paths
        assert re.fullmatch(r"[A-Z]{1,3}[0-9]+", source["cell"]), source
    # spot-check against the generator: the fill-only RAG row is Green, at its own cell
    (fill_only,) = [i for i in manifest["items"]
                    if i["workstream"].startswith("Research partnerships")
                    and i["update"].startswith("Ongoing discussions with partners")]
    assert fill_only["rag"] == "G"
    assert fill_only["source"]["file"] == "Research and Development - FY18 Q2 return.xlsx"


def test_run_json_has_every_contract_key(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    assert manifest.keys() >= RUN_JSON_KEYS
    assert (manifest["period"], manifest["as_of"]) == ("FY18 Q2", "2017-09-30")
    sheet = manifest["inputs"][0]["sheets"][0]
    assert {"name", "header_row", "items", "status"} <= sheet.keys()
    item = manifest["items"][0]
    assert {"priority", "workstream", "item", "rag", "previous_rag", "trend", "lead",
            "committee", "due", "milestone", "update", "source"} <= item.keys()
    finding = manifest["findings"][0]
    assert {"code", "severity", "message", "file", "sheet", "cell", "priority",
            "workstream"} <= finding.keys()
    kinds = {(o["pack"], o["kind"]) for o in manifest["outputs"]}
    assert ("board", "xlsx") in kinds and ("board", "pptx") in kinds
    for o in manifest["outputs"]:
        data = (built["out_dir"] / o["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == o["sha256"]


def test_yellow_is_amber_and_overdue_rows_are_found(built: dict) -> None:
    run = built["run"]
    pei = next(i for i in run.items if i.workstream.startswith("Deliver patient involvement"))
    assert pei.rag == "A"
    overdue = sorted((f.file, f.cell) for f in run.findings if f.code == "overdue")
    expected = sorted(
        (r.file, r.cell("Due date")) for r in make_sample_inputs.SAMPLE_ROWS if r.overdue
    )
    assert overdue == expected


def test_inputs_are_never_modified(built: dict) -> None:
    assert _hashes(built["folder"] / "inputs") == built["before"]


def test_register_sheet_lists_every_item(built: dict) -> None:
    wb = openpyxl.load_workbook(built["out_dir"] / "board.xlsx", read_only=True)
    assert "Register" in wb.sheetnames
    text = " ".join(
        str(v) for row in wb["Register"].iter_rows(values_only=True) for v in row if v
    )
    for item in built["run"].items:
        assert item.update[:60] in text


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_both_outputs(built: dict) -> None:
    for name in ("board.xlsx", "board.pptx"):
        pdf = built["pdfs"][name]
        assert pdf.stat().st_size > 10_000
        assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_deck_text_contains_every_progress_update(built: dict) -> None:
    text = subprocess.run(
        ["pdftotext", str(built["pdfs"]["board.pptx"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    # LibreOffice may break a line after a hyphen ("re-" / "procure"), and pdftotext joins
    # such a word without its hyphen: compare words with hyphens taken out on both sides.
    words_in_pdf = set(re.findall(r"\w+", re.sub(r"(?<=\w)-(?=\w)", "", text.lower())))
    for item in built["run"].items:
        update = re.sub(r"(?<=\w)-(?=\w)", "", item.update.lower())
        missing = set(re.findall(r"\w+", update)) - words_in_pdf
        assert not missing, (item.workstream, sorted(missing)[:10])


def test_cli_build_exit_codes_and_strict(sample_folder: Path) -> None:
    cmd = [sys.executable, "-m", "planreports", "build", "-c", str(sample_folder / "config.yaml")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    listed = re.search(r"Wrote (\d+) files to .*?:\n((?:  .+\n)+)", done.stdout)
    # Four packs (board, two committees, PMO), each a workbook, a deck and a cover report (no
    # PDFs in the tests' sample folder), and run.json.
    assert listed and int(listed.group(1)) == len(listed.group(2).splitlines()) == 13
    assert "Traceback" not in done.stderr
    # a tracker row whose priority is in no plan is an error finding: --strict exits 1
    (sample_folder / "inputs" / "Stray.csv").write_text(
        "Priority,RAG,Project,Progress update,Lead\n"
        "9. Reduce waiting lists,Red,Elective recovery,Behind plan,COO\n",
        encoding="utf-8",
    )
    done = subprocess.run([*cmd, "--strict"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error finding (--strict)" in done.stderr
    done = subprocess.run([*cmd, "--pack", "nope"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no pack named 'nope'" in done.stderr


def test_check_writes_nothing_and_prints_json(sample_folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "planreports", "check", "-c", str(sample_folder / "config.yaml"),
         "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)
    assert findings == planreports.check(sample_folder / "config.yaml").manifest()["findings"]
    assert list((sample_folder / "outputs").iterdir()) == []


def test_failed_build_keeps_previous_outputs(sample_folder: Path, monkeypatch) -> None:  # noqa: ANN001
    run = planreports.build(sample_folder / "config.yaml")
    board = run.out_dir / "board.pptx"
    good = board.read_bytes()

    def explode(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("renderer crashed half way")

    import planreports.render.deck as deck

    monkeypatch.setattr(deck, "render_deck", explode)
    with pytest.raises(planreports.RenderError, match="could not write board.pptx: RuntimeError"):
        planreports.build(sample_folder / "config.yaml")
    assert board.read_bytes() == good
    assert not [p for p in run.out_dir.iterdir() if p.name.endswith(".tmp")]


def _pdf_words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x0, y0, x1, y1, text) for every word LibreOffice drew."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        elif m := re.search(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                            r'yMax="([\d.-]+)">(.*)</word>', line):
            words.append((page, *map(float, m.groups()[:4]), m[5]))
    return words


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_sample_deck_text_stays_inside_its_slide_and_its_tables(built: dict) -> None:
    """LibreOffice grows a table row whose text does not fit; a grown table pushes words
    below the table's planned bottom. So every word over a table must sit inside it."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation(str(built["out_dir"] / "board.pptx"))
    width, height = Emu(prs.slide_width).pt, Emu(prs.slide_height).pt
    words = _pdf_words(built["pdfs"]["board.pptx"])
    assert max(w[0] for w in words) == len(prs.slides)
    checked = 0
    for number, slide in enumerate(prs.slides, start=1):
        on_page = [w for w in words if w[0] == number]
        for _, x0, y0, x1, y1, text in on_page:
            assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height, (number, text)
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            left, top = Emu(shape.left).pt, Emu(shape.top).pt
            right = left + sum(Emu(c.width).pt for c in shape.table.columns)
            bottom = top + sum(Emu(r.height).pt for r in shape.table.rows)
            inside = [w for w in on_page if left <= (w[1] + w[3]) / 2 <= right
                      and (w[2] + w[4]) / 2 >= top]
            below = [w for w in inside if w[4] > bottom + 1.0 and (w[2] + w[4]) / 2 < height - 40]
            assert not below, (number, shape.name, [w[5] for w in below][:10])
            checked += 1
    assert checked >= 10  # the sample's progress tables, exceptions, data quality, key
