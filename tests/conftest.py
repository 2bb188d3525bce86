"""Shared fixtures: the repository's sample working folder, copied so tests never touch it."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sample_config(pdf: bool = False) -> str:
    """The sample config.yaml's text; its board-portal PDFs off unless asked for, since
    LibreOffice's few seconds per build would add minutes to the suite (the `built` session
    fixture and the PDF tests make them)."""
    text = (ROOT / "config.yaml").read_text("utf-8")
    assert "\n  pdf: true" in text, "the sample config.yaml no longer sets outputs.pdf"
    return text if pdf else text.replace("\n  pdf: true", "\n  pdf: false", 1)


def copy_config(target: Path, pdf: bool = False) -> Path:
    """The sample config.yaml written to `target` (see sample_config)."""
    target.write_text(sample_config(pdf), "utf-8")
    return target


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    """A copy of the repository's working folder (config, inputs, templates), fresh outputs;
    no PDFs (see sample_config)."""
    folder = tmp_path / "work"
    folder.mkdir()
    copy_config(folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "outputs").mkdir()
    return folder


def soffice_convert(path: Path, outdir: Path, fmt: str = "pdf", timeout: int = 240) -> Path:
    """Convert with LibreOffice, as a real client opening our file; a private profile per call
    directory so concurrent runs do not fight over one profile lock."""
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    result = outdir / (path.stem + "." + fmt)
    if not result.exists():
        raise AssertionError(f"LibreOffice did not convert {path.name}")
    return result


def pdf_word_boxes(pdf: Path) -> list[dict]:
    """Every word of `pdf` as pdftotext -bbox places it: page number and size, box, text."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    words, page = [], {}
    for line in bbox.splitlines():
        if m := re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line):
            page = {"n": page.get("n", 0) + 1, "w": float(m[1]), "h": float(m[2])}
        elif m := re.search(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                            r'yMax="([\d.-]+)">(.*)</word>', line):
            words.append({**page, "box": tuple(map(float, m.groups()[:4])),
                          "text": html.unescape(m[5])})
    return words


def soffice_convert_many(paths: list[Path], outdir: Path, timeout: int = 300) -> list[Path]:
    """Convert several files to PDF in one LibreOffice start (its start-up is most of the time).
    Names must differ by stem: each becomes outdir/<stem>.pdf."""
    profile = outdir / ".lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(outdir), *map(str, paths)],
        check=True, capture_output=True, timeout=timeout,
    )
    results = [outdir / (path.stem + ".pdf") for path in paths]
    missing = [p.name for p in results if not p.exists()]
    if missing:
        raise AssertionError(f"LibreOffice did not convert {', '.join(missing)}")
    return results


def input_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# The sample pack's outputs that tests read as LibreOffice prints them; the workbook and the
# cover report are copied to their own stems, since the deck of the same pack would otherwise
# print to the same PDF name.
CONVERTED = ("board.pptx", "board.xlsx", "quality-committee.pptx", "finance-committee.pptx",
             "board.docx")
OWN_STEM = {"xlsx": "workbook", "docx": "cover"}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample folder built once per session, its outputs converted by LibreOffice once."""
    import planreports

    folder = tmp_path_factory.mktemp("sample")
    copy_config(folder / "config.yaml", pdf=True)
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    shutil.copytree(ROOT / "templates", folder / "templates")
    before = input_hashes(folder / "inputs")
    run = planreports.build(folder / "config.yaml")
    out_dir = folder / "outputs" / "fy18-q2"
    pdfs: dict[str, Path] = {}
    if shutil.which("soffice"):
        pdf_dir = folder / "pdf"
        pdf_dir.mkdir()
        sources = []
        for name in CONVERTED:
            stem, suffix = name.rsplit(".", 1)
            source = pdf_dir / (f"{stem}-{OWN_STEM[suffix]}.{suffix}" if suffix in OWN_STEM
                                else name)
            shutil.copy(out_dir / name, source)
            sources.append(source)
        for name, pdf in zip(CONVERTED, soffice_convert_many(sources, pdf_dir), strict=True):
            pdfs[name] = pdf
    return {"folder": folder, "run": run, "out_dir": out_dir, "before": before, "pdfs": pdfs}
