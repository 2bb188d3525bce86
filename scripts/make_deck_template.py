"""Write the shipped NHS-style deck template: python-pptx's default, restyled via its XML."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "planreports" / "init" / "templates" / "deck.pptx"
COPY = ROOT / "templates" / "deck.pptx"

NHS_BLUE = "005EB8"
NHS_DARK_BLUE = "003087"
NHS_DARK_GREY = "425563"
NHS_PALE_GREY = "E8EDEE"
NHS_BLACK = "231F20"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
BAR = Inches(1.0)  # the blue title bar every content slide shares
MARGIN = Inches(0.5)
FOOTER_TOP = Inches(7.05)
FOOTER_HEIGHT = Inches(0.35)
KEEP = ("Title Slide", "Title and Content", "Section Header", "Title Only")
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def _set_xfrm(sp: etree._Element, x: int, y: int, cx: int, cy: int) -> None:
    """Give a placeholder its own position, replacing one it inherited or had."""
    sp_pr = sp.find(qn("p:spPr"))
    old = sp_pr.find(qn("a:xfrm"))
    if old is not None:
        sp_pr.remove(old)
    xfrm = etree.SubElement(sp_pr, qn("a:xfrm"))
    sp_pr.insert(0, xfrm)
    etree.SubElement(xfrm, qn("a:off"), x=str(int(x)), y=str(int(y)))
    etree.SubElement(xfrm, qn("a:ext"), cx=str(int(cx)), cy=str(int(cy)))


def _placeholder(tree: etree._Element, kind: str) -> etree._Element | None:
    for sp in tree.iter(qn("p:sp")):
        ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
        if ph is not None and ph.get("type", "obj") == kind:
            return sp
    return None


def _rect(sp_id: int, name: str, x: int, y: int, cx: int, cy: int, colour: str) -> etree._Element:
    """A filled, borderless rectangle (decoration only, so screen readers may skip it)."""
    xml = (
        f'<p:sp xmlns:p="{P}" xmlns:a="{A}"><p:nvSpPr><p:cNvPr id="{sp_id}" name="{name}"'
        f' descr=""/><p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm>'
        f'<a:off x="{int(x)}" y="{int(y)}"/><a:ext cx="{int(cx)}" cy="{int(cy)}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill><a:ln><a:noFill/></a:ln>'
        "</p:spPr></p:sp>"
    )
    return etree.fromstring(xml)


def _text_style(style: etree._Element, size: int, colour: str | None, bold: bool) -> None:
    """Restyle every level of a master text style (titleStyle, bodyStyle or a lstStyle)."""
    for level in style:
        if not level.tag.endswith("pPr"):
            continue
        rpr = level.find(qn("a:defRPr"))
        if rpr is None:
            rpr = etree.SubElement(level, qn("a:defRPr"))
        depth = int(level.tag[-4]) if level.tag[-4].isdigit() else 1
        rpr.set("sz", str(max(size - 200 * (depth - 1), 1400)))
        if bold:
            rpr.set("b", "1")
        if colour is not None:
            for fill in rpr.findall(qn("a:solidFill")):
                rpr.remove(fill)
            fill = etree.Element(qn("a:solidFill"))
            etree.SubElement(fill, qn("a:srgbClr"), val=colour)
            rpr.insert(0, fill)


def restyle_theme(prs: Presentation) -> None:
    """NHS identity colours and Arial in the theme, so charts and tables inherit them."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    theme = etree.fromstring(part.blob)
    theme.set("name", "NHS")
    scheme = theme.find(f".//{qn('a:clrScheme')}")
    scheme.set("name", "NHS")
    colours = {
        "dk2": NHS_DARK_BLUE, "lt2": NHS_PALE_GREY, "accent1": NHS_BLUE, "accent2": "41B6E6",
        "accent3": "007F3B", "accent4": "FFB81C", "accent5": "D5281B", "accent6": "330072",
        "hlink": NHS_BLUE, "folHlink": "330072",
    }
    for name, value in colours.items():
        slot = scheme.find(qn(f"a:{name}"))
        slot.clear()
        etree.SubElement(slot, qn("a:srgbClr"), val=value)
    dk1 = scheme.find(qn("a:dk1"))
    dk1.clear()
    etree.SubElement(dk1, qn("a:srgbClr"), val=NHS_BLACK)
    fonts = theme.find(f".//{qn('a:fontScheme')}")
    fonts.set("name", "NHS Arial")
    for latin in fonts.iter(qn("a:latin")):
        latin.set("typeface", "Arial")
    part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)


def restyle_master(prs: Presentation) -> None:
    """Blue title bar, white bold title, Arial body, footer row along the bottom."""
    master = prs.slide_master.element
    tree = master.find(f"{qn('p:cSld')}/{qn('p:spTree')}")
    inner = WIDTH - 2 * MARGIN
    _set_xfrm(_placeholder(tree, "title"), MARGIN, Inches(0.1), inner, BAR - Inches(0.2))
    _set_xfrm(_placeholder(tree, "body"), MARGIN, Inches(1.3), inner, Inches(5.6))
    # Footer text starts at the left margin, under the content; date and number on the right.
    _set_xfrm(_placeholder(tree, "ftr"), MARGIN, FOOTER_TOP, Inches(9.6), FOOTER_HEIGHT)
    _set_xfrm(_placeholder(tree, "dt"), Inches(10.2), FOOTER_TOP, Inches(1.5), FOOTER_HEIGHT)
    _set_xfrm(_placeholder(tree, "sldNum"), Inches(11.833), FOOTER_TOP, Inches(1.0), FOOTER_HEIGHT)
    for kind in ("dt", "ftr", "sldNum"):
        style = _placeholder(tree, kind).find(f"{qn('p:txBody')}/{qn('a:lstStyle')}")
        _text_style(style, 1000, NHS_DARK_GREY, bold=False)
    # Decoration goes first in the tree so placeholders draw on top of it.
    bar = _rect(100, "Title bar", 0, 0, WIDTH, BAR, NHS_BLUE)
    rule = _rect(101, "Footer rule", MARGIN, FOOTER_TOP - Inches(0.05), inner, Emu(9525),
                 NHS_BLUE)
    first_shape = tree.find(qn("p:sp"))
    first_shape.addprevious(bar)
    first_shape.addprevious(rule)
    title_body = _placeholder(tree, "title").find(qn("p:txBody"))
    title_body.find(qn("a:bodyPr")).set("anchor", "ctr")
    styles = master.find(qn("p:txStyles"))
    title_style = styles.find(qn("p:titleStyle"))
    title_style.find(qn("a:lvl1pPr")).set("algn", "l")
    _text_style(title_style, 2800, "FFFFFF", bold=True)
    _text_style(styles.find(qn("p:bodyStyle")), 2000, None, bold=False)


def _own_background(layout: etree._Element, colour: str) -> None:
    c_sld = layout.find(qn("p:cSld"))
    bg = etree.fromstring(
        f'<p:bg xmlns:p="{P}" xmlns:a="{A}"><p:bgPr><a:solidFill><a:srgbClr val="{colour}"/>'
        "</a:solidFill><a:effectLst/></p:bgPr></p:bg>"
    )
    c_sld.insert(0, bg)


def restyle_layouts(prs: Presentation) -> None:
    """Keep the four layouts a pack needs, with their standard names, in the new geometry."""
    for layout in list(prs.slide_layouts):
        if layout.name not in KEEP:
            prs.slide_layouts.remove(layout)
    inner = WIDTH - 2 * MARGIN
    for layout in prs.slide_layouts:
        element = layout.element
        tree = element.find(f"{qn('p:cSld')}/{qn('p:spTree')}")
        if layout.name == "Title Slide":
            # A blue panel in place of the title bar: the cover of a board paper.
            element.set("showMasterSp", "0")
            tree.find(qn("p:grpSpPr")).addnext(
                _rect(100, "Cover panel", 0, 0, WIDTH, Inches(4.6), NHS_BLUE)
            )
            title = _placeholder(tree, "ctrTitle")
            _set_xfrm(title, Inches(0.75), Inches(1.2), WIDTH - Inches(1.5), Inches(3.0))
            title.find(f"{qn('p:txBody')}/{qn('a:bodyPr')}").set("anchor", "b")
            style = title.find(f"{qn('p:txBody')}/{qn('a:lstStyle')}")
            level = etree.SubElement(style, qn("a:lvl1pPr"), algn="l")
            _text_style(style, 4000, "FFFFFF", bold=True)
            level.set("algn", "l")
            subtitle = _placeholder(tree, "subTitle")
            _set_xfrm(subtitle, Inches(0.75), Inches(4.9), WIDTH - Inches(1.5), Inches(1.9))
            sub_style = subtitle.find(f"{qn('p:txBody')}/{qn('a:lstStyle')}")
            for lvl in sub_style:
                lvl.set("algn", "l")
            _text_style(sub_style, 2000, NHS_DARK_GREY, bold=False)
        elif layout.name == "Section Header":
            element.set("showMasterSp", "0")
            _own_background(element, NHS_BLUE)
            title = _placeholder(tree, "title")
            _set_xfrm(title, MARGIN, Inches(2.2), inner, Inches(1.6))
            style = title.find(f"{qn('p:txBody')}/{qn('a:lstStyle')}")
            _text_style(style, 3600, "FFFFFF", bold=True)
            for rpr in style.iter(qn("a:defRPr")):
                rpr.attrib.pop("cap", None)
            body = _placeholder(tree, "body")
            _set_xfrm(body, MARGIN, Inches(3.9), inner, Inches(1.4))
            body.find(f"{qn('p:txBody')}/{qn('a:bodyPr')}").set("anchor", "t")
            _text_style(body.find(f"{qn('p:txBody')}/{qn('a:lstStyle')}"), 2000, "FFFFFF", False)


def make_template(target: Path = TARGET) -> Path:
    """Build the template into `target` and return it."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    restyle_theme(prs)
    restyle_master(prs)
    restyle_layouts(prs)
    props = prs.core_properties
    props.title = "planreports board pack template"
    props.author = props.last_modified_by = "planreports"
    # A fixed date keeps the regenerated template identical from one run to the next.
    props.created = props.modified = dt.datetime(2024, 1, 1)
    props.revision = 1
    target.parent.mkdir(parents=True, exist_ok=True)
    prs.save(target)
    return target


def main(argv: list[str]) -> int:
    target = make_template(Path(argv[1]) if len(argv) > 1 else TARGET)
    if target == TARGET:
        COPY.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, COPY)
    print(f"wrote {target}" + (f" and {COPY}" if target == TARGET else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

