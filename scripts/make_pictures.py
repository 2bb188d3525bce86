"""Regenerate the README pictures: the sample board pack built, opened by LibreOffice, as PNG.

Usage: ``python scripts/make_pictures.py`` (``make pictures``). Needs soffice and pdftoppm.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import planreports

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# (output, slide title it starts with or page of its PDF, picture name): what a new reader of
# the README should see.
PICTURES = (
    ("board.pptx", "Summary", "slide-summary.png"),
    ("board.pptx", "Progress updates", "slide-progress.png"),
    ("board.pptx", "Exceptions", "slide-exceptions.png"),
    ("board.xlsx", 1, "workbook-dashboard.png"),
    ("board.docx", 1, "cover-report.png"),
)


def page_of(deck: Path, title: str) -> int:
    """The number of the first slide whose title starts with `title`."""
    from pptx import Presentation

    for number, slide in enumerate(Presentation(str(deck)).slides, start=1):
        if slide.shapes.title.text.startswith(title):
            return number
    raise SystemExit(f"{deck.name} has no slide titled {title!r}")


def to_pdf(path: Path, outdir: Path, profile: Path) -> Path:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(outdir), str(path)],
        check=True, capture_output=True, timeout=300,
    )
    return outdir / (path.stem + ".pdf")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        shutil.copy(ROOT / "config.yaml", work / "config.yaml")
        shutil.copytree(ROOT / "inputs", work / "inputs")
        shutil.copytree(ROOT / "templates", work / "templates")
        run = planreports.build(work / "config.yaml")
        assert run.out_dir is not None
        for output, page, name in PICTURES:
            outdir = Path(tmp) / Path(output).suffix.lstrip(".")
            outdir.mkdir(exist_ok=True)
            pdf = outdir / (Path(output).stem + ".pdf")
            if not pdf.exists():
                pdf = to_pdf(run.out_dir / output, outdir, Path(tmp) / "profile")
            if isinstance(page, str):
                page = page_of(run.out_dir / output, page)
            target = DOCS / name
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                 "-singlefile", str(pdf), str(target.with_suffix(""))],
                check=True, timeout=120,
            )
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
