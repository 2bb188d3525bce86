"""The board-portal PDF of each pack: the cover report, then the slides, as one document.

LibreOffice converts the staged .docx and .pptx of every pack in one start (its start-up is
most of the time), with a private profile so that parallel builds do not fight over one;
pypdf then joins each pack's two PDFs, writes the bookmarks (the cover report's headings,
one per slide) and numbers the slide pages so that the numbering runs on from the cover's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

PROGRAMS = ("soffice", "libreoffice")
TIMEOUT_SECONDS = 300.0
MISSING = ("LibreOffice (the `soffice` program) is not installed or not on PATH, so no PDF "
           "was made")
# Helvetica's advance widths (per 1000 of the size) for the characters a page number uses:
# a standard PDF font needs no embedding, and these place the number right-aligned.
HELVETICA = {"P": 667, "a": 556, "g": 556, "e": 556, " ": 278, **dict.fromkeys("0123456789", 556)}
STAMP_SIZE = 8.0
STAMP_GREY = (0.26, 0.33, 0.39)  # NHS dark grey, as the slide footers


@dataclass(frozen=True, slots=True)
class PackPdf:
    """What one pack's PDF is made of: its cover report and deck, as staged."""

    pack: str
    title: str  # the paper's title, for the PDF's metadata and first bookmark
    cover: bytes  # the .docx
    slides: bytes  # the .pptx


def find_soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return next((found for name in PROGRAMS if (found := shutil.which(name))), None)


class NoPdf(Exception):
    """LibreOffice could not make the PDFs; the message says why (the build goes on)."""


def make_pdfs(program: str, packs: Sequence[PackPdf],
              timeout: float = TIMEOUT_SECONDS) -> tuple[dict[str, bytes], list[str]]:
    """(pack name -> its PDF's bytes, why any other pack has none): every cover report and
    deck converted in one LibreOffice run."""
    with tempfile.TemporaryDirectory(prefix="planreports-pdf-") as work:
        folder = Path(work)
        sources = []
        for pack in packs:
            for suffix, data in (("cover.docx", pack.cover), ("slides.pptx", pack.slides)):
                path = folder / f"{pack.pack}-{suffix}"
                path.write_bytes(data)
                sources.append(path)
        try:
            _convert(program, sources, folder, timeout)
        except NoPdf as exc:
            return {}, [f"{exc}: no PDF was made ({', '.join(p.pack + '.pdf' for p in packs)}); "
                        "every other output was written"]
        out, problems = {}, []
        for pack in packs:
            cover = folder / f"{pack.pack}-cover.pdf"
            slides = folder / f"{pack.pack}-slides.pdf"
            missing = [f"{pack.pack}.{kind}" for kind, p in (("docx", cover), ("pptx", slides))
                       if not p.is_file()]
            if missing:  # e.g. LibreOffice without its Writer (libreoffice-writer)
                problems.append(f"LibreOffice could not convert {' or '.join(missing)}, so "
                                f"{pack.pack}.pdf was not made (are LibreOffice Writer and "
                                "Impress installed?); every other output was written")
                continue
            out[pack.pack] = join(cover.read_bytes(), slides.read_bytes(), pack.title,
                                  slide_titles(pack.slides))
    return out, problems


def _convert(program: str, sources: Sequence[Path], folder: Path, timeout: float) -> None:
    profile = folder / "profile"
    command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", str(folder),
               *map(str, sources)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise NoPdf(f"LibreOffice took over {timeout:.0f} s") from None
    except OSError as exc:
        raise NoPdf(f"{program} would not start ({exc.strerror or exc})") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise NoPdf(f"LibreOffice stopped with exit code {done.returncode}"
                    + (f" ({said[-1]})" if said else ""))


def _outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, page index, depth) of a PDF's bookmarks, in order."""
    out: list[tuple[str, int, int]] = []

    def walk(entries: list, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
                continue
            page = reader.get_destination_page_number(entry)
            if page is not None:
                out.append((str(entry.title), page, depth))

    walk(reader.outline, 0)
    return out


def slide_titles(pptx: bytes) -> list[str]:
    """Each slide's title as the deck has it (LibreOffice's own bookmarks cut long ones)."""
    from pptx import Presentation

    titles = []
    for n, slide in enumerate(Presentation(BytesIO(pptx)).slides, start=1):
        shape = slide.shapes.title
        text = " ".join(shape.text_frame.text.split()) if shape is not None else ""
        titles.append(text or f"Slide {n}")
    return titles


def join(cover_pdf: bytes, slides_pdf: bytes, title: str,
         titles: Sequence[str] = ()) -> bytes:
    """The cover report's pages, then the slides', with bookmarks and page numbers."""
    cover = PdfReader(BytesIO(cover_pdf))
    slides = PdfReader(BytesIO(slides_pdf))
    writer = PdfWriter()
    writer.append(cover, import_outline=False)
    first_slide = len(writer.pages)
    writer.append(slides, import_outline=False)
    total = len(writer.pages)
    for n in range(first_slide, total):  # the cover numbers its own pages in its footer
        _stamp(writer, writer.pages[n], f"Page {n + 1}")

    top = writer.add_outline_item(title=f"Cover report: {title}", page_number=0)
    parents = [top]
    for heading, page, depth in _outline(cover):
        parent = parents[min(depth, len(parents) - 1)]
        item = writer.add_outline_item(title=heading, page_number=page, parent=parent)
        del parents[depth + 1:]
        parents.append(item)
    slides_top = writer.add_outline_item(title="Slides", page_number=first_slide)
    for n in range(len(slides.pages)):  # a bookmark per slide, titled as the slide is
        heading = titles[n] if n < len(titles) else f"Slide {n + 1}"
        writer.add_outline_item(title=heading, page_number=first_slide + n,
                                parent=slides_top)
    writer.add_metadata({"/Title": title})
    writer.page_mode = "/UseOutlines"  # the portal's reader opens with the bookmarks shown
    writer._root_object[NameObject("/Lang")] = TextStringObject("en-GB")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _stamp(writer: PdfWriter, page: PageObject, text: str) -> None:
    """`text` in small grey type in the page's bottom-right corner, under the slide number."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    advance = sum(HELVETICA.get(c, 556) for c in text) * STAMP_SIZE / 1000
    x = float(page.mediabox.left) + width * 0.955 - advance
    y = float(page.mediabox.bottom) + 3.0
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    overlay = PageObject.create_blank_page(width=width, height=height)
    overlay[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/PlanreportsPage"): font}),
    })
    r, g, b = STAMP_GREY
    content = DecodedStreamObject()
    content.set_data(
        f"BT /PlanreportsPage {STAMP_SIZE:g} Tf {r} {g} {b} rg {x:.2f} {y:.2f} Td "
        f"({text}) Tj ET".encode("ascii"))
    overlay[NameObject("/Contents")] = writer._add_object(content)
    page.merge_page(overlay)
