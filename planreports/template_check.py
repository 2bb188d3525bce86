"""Is a deck template usable? The layouts a pack needs, found by name or by placeholder type."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError
from pptx.presentation import Presentation as PresentationType
from pptx.slide import SlideLayout

TITLE_TYPES = frozenset({PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE})
BODY_TYPES = frozenset({PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT})
# Date, footer and slide number are furniture: a layout with them is still "title only".
FURNITURE = frozenset({PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER})
EMU_PER_INCH = 914400
EMU_PER_POINT = 12700

# role -> the standard layout name a trust's template is expected to use for it
STANDARD_NAMES: dict[str, str] = {
    "title": "Title Slide",
    "content": "Title Only",
    "text": "Title and Content",
}


@dataclass(frozen=True, slots=True)
class DeckLayouts:
    """The layouts a deck is built from: cover, tables/charts, and text."""

    title: SlideLayout
    content: SlideLayout
    text: SlideLayout


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on the slide, in points."""

    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True, slots=True)
class SlideRegions:
    """Where a layout puts its title, where content may go, and where the footer sits."""

    title: Box
    body: Box
    footer: Box
    number: Box


@dataclass(frozen=True, slots=True)
class TemplateReport:
    """What `check_template` found: usable or not, and what stands in for what."""

    path: str
    ok: bool
    problems: tuple[str, ...] = ()
    substitutions: tuple[str, ...] = ()
    layouts: tuple[tuple[str, str], ...] = ()  # (standard name, layout used)
    slide_size: tuple[float, float] = (0.0, 0.0)  # inches
    slides: int = 0  # slides already in the template; the pack does not keep them

    def describe(self) -> str:
        """A few lines for the terminal: verdict, then what is used, missing and replaced."""
        verdict = "usable" if self.ok else "NOT usable"
        lines = [f"{self.path}: {verdict} as a deck template"]
        if self.slide_size != (0.0, 0.0):
            width, height = self.slide_size
            lines.append(f"  slide size {width:.2f} x {height:.2f} in")
        lines += [f"  {wanted}: uses layout {used!r}" for wanted, used in self.layouts]
        lines += [f"  problem: {text}" for text in self.problems]
        lines += [f"  instead: {text}" for text in self.substitutions]
        if self.slides:
            lines.append(f"  note: its {self.slides} existing slide(s) are not copied into packs")
        return "\n".join(lines)


def _kinds(layout: SlideLayout) -> list[PP_PLACEHOLDER]:
    return [ph.placeholder_format.type for ph in layout.placeholders]


def _title(layout: SlideLayout):
    """The layout's title placeholder, unless it is missing or set vertically."""
    for ph in layout.placeholders:
        if ph.placeholder_format.type in TITLE_TYPES and ph.element.ph.get("orient") != "vert":
            return ph
    return None


def _has_title(layout: SlideLayout) -> bool:
    return _title(layout) is not None


def _vertical(layout: SlideLayout) -> bool:
    return any(ph.element.ph.get("orient") == "vert" for ph in layout.placeholders)


def _extras(layout: SlideLayout) -> int:
    """Placeholders other than the title and the footer furniture."""
    return sum(1 for k in _kinds(layout) if k not in TITLE_TYPES and k not in FURNITURE)


def _title_low(layout: SlideLayout, height: int) -> bool:
    """A title in the lower part of the slide (a section header) leaves no room for a table."""
    title = _title(layout)
    return title is None or (title.top or 0) > height * 0.25


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _by_name(layouts: list[SlideLayout], role: str) -> SlideLayout | None:
    wanted = _normal(STANDARD_NAMES[role])
    return next((lay for lay in layouts if _normal(lay.name) == wanted), None)


def _suits(layout: SlideLayout, role: str) -> bool:
    if not _has_title(layout):
        return False
    if role == "text":
        return any(k in BODY_TYPES for k in _kinds(layout))
    return True  # placeholders a slide does not use are removed from it


def _fallback(layouts: list[SlideLayout], role: str, height: int) -> SlideLayout | None:
    """The best stand-in by placeholder type: what each role actually needs on the slide."""
    titled = [lay for lay in layouts if _has_title(lay) and not _vertical(lay)]
    if role == "title":
        centred = [lay for lay in titled if PP_PLACEHOLDER.CENTER_TITLE in _kinds(lay)]
        subtitled = [lay for lay in centred if PP_PLACEHOLDER.SUBTITLE in _kinds(lay)]
        return next(iter(subtitled or centred), None)
    candidates = [lay for lay in titled if _suits(lay, role)]
    return min(candidates, key=lambda lay: (_title_low(lay, height), _extras(lay)), default=None)


def resolve_layouts(
    prs: PresentationType, path: str = ""
) -> tuple[DeckLayouts | None, TemplateReport]:
    """Choose each role's layout (standard name first, else by placeholder type) and report."""
    layouts = list(prs.slide_layouts)
    height = prs.slide_height or 6858000
    problems: list[str] = []
    substitutions: list[str] = []
    chosen: dict[str, SlideLayout] = {}
    if not any(_has_title(lay) for lay in layouts):
        problems.append(
            "no layout has a title placeholder: slide titles must be real titles (first in "
            "reading order) for accessible board papers; add a 'Title Only' layout"
        )
    for role in () if problems else ("content", "title", "text"):
        wanted = STANDARD_NAMES[role]
        named = _by_name(layouts, role)
        if named is not None and _suits(named, role):
            chosen[role] = named
            continue
        if named is None:
            why = f"no layout named {wanted!r}"
        elif not _has_title(named):
            why = f"layout {wanted!r} has no title placeholder"
        else:
            why = f"layout {wanted!r} has no body placeholder"
        stand_in = _fallback(layouts, role, height)
        if stand_in is None:  # only title or text can get here: content always has a title
            stand_in = chosen["content"]
            extra = " and a text box" if role == "text" else ""
            substitutions.append(f"{why}: using {stand_in.name!r} (title only){extra}")
        else:
            kind = "centred title" if role == "title" else "title placeholder"
            if role == "text":
                kind = "title and body placeholders"
            substitutions.append(f"{why}: using {stand_in.name!r} (has a {kind})")
        chosen[role] = stand_in
    size = (
        round((prs.slide_width or 0) / EMU_PER_INCH, 3),
        round((prs.slide_height or 0) / EMU_PER_INCH, 3),
    )
    report = TemplateReport(
        path=path,
        ok=not problems,
        problems=tuple(problems),
        substitutions=tuple(substitutions),
        layouts=tuple(
            (STANDARD_NAMES[role], chosen[role].name) for role in STANDARD_NAMES if role in chosen
        ),
        slide_size=size,
        slides=len(prs.slides),
    )
    if problems:
        return None, report
    return DeckLayouts(chosen["title"], chosen["content"], chosen["text"]), report


def _box(shape) -> Box:
    return Box(*(float(v or 0) / EMU_PER_POINT for v in (
        shape.left, shape.top, shape.width, shape.height
    )))


def slide_regions(prs: PresentationType, layout: SlideLayout) -> SlideRegions:
    """The free area under a layout's title and above its footer, read from its placeholders.

    Footer placeholders are not copied onto slides, but a trust's artwork usually sits where
    they are, so content stops above them and our footer text goes inside them.
    """
    width = (prs.slide_width or 12192000) / EMU_PER_POINT
    height = (prs.slide_height or 6858000) / EMU_PER_POINT
    title = _title(layout)
    title_box = _box(title) if title is not None else Box(36, 18, width - 72, 54)
    furniture = {
        ph.placeholder_format.type: _box(ph) for ph in layout.placeholders
        if ph.placeholder_format.type in FURNITURE
    }
    low = [box for box in furniture.values() if box.top > height / 2]
    footer_top = min((box.top for box in low), default=height - 40)
    margin = min(max(title_box.left, 22.0), width * 0.08)
    top = title_box.bottom + 18  # clear of any title bar the artwork draws under the title
    body = Box(margin, top, width - 2 * margin, footer_top - 14 - top)  # air above footer art
    band = Box(margin, min(footer_top, height - 28), width - 2 * margin, 24)
    footer = furniture.get(PP_PLACEHOLDER.FOOTER)
    number = furniture.get(PP_PLACEHOLDER.SLIDE_NUMBER)
    return SlideRegions(
        title=title_box,
        body=body,
        footer=footer if footer is not None and footer in low else Box(
            band.left, band.top, band.width * 0.75, band.height
        ),
        number=number if number is not None and number in low else Box(
            band.left + band.width - 72, band.top, 72, band.height
        ),
    )


def check_template(path: Path) -> TemplateReport:
    """Say whether the deck template at `path` has the layouts and placeholders a pack needs."""
    path = Path(path)
    if not path.is_file():
        return TemplateReport(str(path), False, (f"{path}: no such file",))
    try:
        prs = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        hint = " (save a .potx template as .pptx)" if path.suffix.lower() == ".potx" else ""
        return TemplateReport(
            str(path), False, (f"cannot be opened as a PowerPoint .pptx file{hint}: {exc}",)
        )
    return resolve_layouts(prs, str(path))[1]
