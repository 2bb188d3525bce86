"""The pack's cover report as a .docx: the trust's cover sheet, then what the board must know.

Filled from the Word template `templates/cover.docx` (docxtpl: jinja2 in Word, so a trust
restyles and rewords it in Word) with `packs[].paper` from config.yaml and the run: the
headline and key messages of the deck's summary slide (the same templates, not a copy), RAG
by priority, the deck's exceptions, the movement since last period and the missing returns.
Accessible as a board paper must be: real heading styles, header rows that repeat, title and
language (en-GB) set, and every RAG a word as well as a colour.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from docx.oxml.ns import qn
from docxtpl import DocxTemplate, RichText

from planreports.model import PackView
from planreports.packs import pack_of, plan_of
from planreports.render.actions import action
from planreports.render.deck_slides import priority_name
from planreports.render.deck_summary import NAMES_LISTED, in_summary_mode
from planreports.render.deck_text import GREY, on_colour
from planreports.render.exception_rows import (
    previous_label,
    select_exceptions,
    why_it_is_here,
    worst_exceptions,
)
from planreports.render.org_matrix import whose
from planreports.render.text import headline, summary, summary_context
from planreports.render.titles import counts_under, own_title

LANGUAGE = "en-GB"
# WordprocessingML's order of a cell's properties: docxtpl's {% cellbg %} puts the shading
# first, and Word may refuse a cell whose properties are out of order.
TC_PR_ORDER = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
               "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
STATUS_COLUMN_TWIPS = 907  # 1.6 cm: a RAG count column; the priority column takes the rest
BODY_TWIPS = 9638  # 17 cm: A4 between the template's 2 cm margins
COVER_EXCEPTIONS = 20  # a summary paper's exceptions table: the worst this many


class _CompiledOnce:
    """An environment that compiles each source once: docxtpl compiles the template's XML at
    every render, two fifths of a cover report's time, and every pack's is the same XML."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)  # type: ignore[call-arg]
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None
                    ) -> jinja2.Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)  # type: ignore[misc]
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._compiled[source] = super().from_string(source)  # type: ignore[misc]
        return compiled


class _Environment(_CompiledOnce, jinja2.Environment):
    pass


class _Sandbox(_CompiledOnce, jinja2.sandbox.SandboxedEnvironment):
    pass


# The template's own XML (docxtpl escapes the values put into it), and the paper's fields
# from config.yaml, which may only use the run's names.
_TEMPLATE_ENV = _Environment(autoescape=True)
_CONFIG_ENV = _Sandbox(undefined=jinja2.StrictUndefined)


def _day(day) -> str:  # noqa: ANN001
    return f"{day.day} {day:%B %Y}"


def _rag_text(label: str, fill: str, bold: bool = True) -> RichText:
    return RichText(label, color=on_colour(fill), bold=bold)


def _config_text(text: str | None, context: dict[str, Any]) -> str:
    """A paper field from config.yaml, which may use the run's names ({{ period }})."""
    if not text:
        return ""
    return _CONFIG_ENV.from_string(text).render(**context).strip()


def cover_context(view: PackView, template_dir: Path | None = None) -> dict[str, Any]:
    """Every name the cover template uses, from the pack's paper config and the run."""
    config: Any = view.config
    pack = pack_of(view)
    paper = pack.paper
    # A pack past deck.max_rows is a summary paper: the cover names what the slides name.
    names = NAMES_LISTED if in_summary_mode(len(view.items), config.deck_max_rows(pack)) else None
    numbers = summary_context(view, names)
    report = config.report
    base = {"organisation": config.organisation, "title": report.title,
            "period": report.period, "previous_period": numbers["previous_period"],
            "pack_title": view.title, "total": numbers["total"], "as_of_text": _day(report.as_of)}
    meeting = paper.meeting or view.title
    paper_title = _config_text(paper.title, base) or f"{report.title}: {report.period} report"
    recommendation = _config_text(paper.recommendation, {**base, "meeting": meeting}) or (
        f"The {meeting} is asked to note the {report.period} position of the "
        f"{report.title.lower()} and the exceptions set out in this report.")
    equality = _config_text(paper.equality_statement, base)
    return {
        **base,
        "pack_name": view.name,
        "meeting": meeting,
        "date_text": _day(paper.date) if paper.date else "",
        "agenda_item": paper.agenda_item or "",
        "paper_title": paper_title,
        "author": paper.author or "",
        "lead_director": paper.lead_director or "",
        "purpose_text": f"For {paper.purpose}" if paper.purpose else "",
        "assurance_level": paper.assurance_level or "",
        "priorities_text": "\n".join(f"{n}. {p.title}" for n, p, _ in plan_of(view)),
        "baf_text": "\n".join(paper.baf_risks),
        "previously_considered_by": paper.previously_considered_by or "",
        "recommendation": recommendation,
        "headline": headline(view, template_dir),
        "key_messages": [line[2:] if line.startswith("- ") else line
                         for line in summary(view, template_dir, names).splitlines()
                         if line.strip()],
        **_rag_by_priority(view),
        **_exceptions(view, COVER_EXCEPTIONS if names else None),
        **_movement(view, numbers, names),
        **_missing(view, numbers),
        # A paragraph per blank-line break; YAML's own line breaks inside one are spaces.
        "equality_statement": [" ".join(p.split()) for p in re.split(r"\n\s*\n", equality)
                               if p.strip()],
        "supporting": (
            f"The slides of the {view.title} pack follow this report in {view.name}.pdf "
            f"({view.name}.pptx); the workbook {view.name}.xlsx holds every item with its whole "
            "update and the tracker cell it came from, and the data-quality findings."),
    }


def _statuses(view: PackView) -> list[tuple[str | None, str, str]]:
    """(key, label, fill) of every status of the scale, and No RAG where an item has none."""
    config: Any = view.config
    out = [(s.key, s.label, s.colour.lstrip("#")) for s in config.rag]
    if any(i.rag is None for i in view.items):
        out.append((None, "No RAG", GREY))
    return out


def _rag_by_priority(view: PackView) -> dict[str, Any]:
    config: Any = view.config
    statuses = _statuses(view)
    counts = view.counts
    groups = [p.id for _, p, _ in plan_of(view)]
    if any(i.priority is None for i in view.items):
        groups.append(None)
    rows = []
    for pid in groups:
        by_rag = counts.get(pid, {})
        rows.append({"priority": priority_name(config, pid),
                     "counts": [f"{by_rag.get(key, 0):,}" for key, _, _ in statuses],
                     "total": f"{sum(by_rag.values()):,}"})
    return {"statuses": [{"heading": _rag_text(label, fill), "fill": fill, "label": label}
                         for _, label, fill in statuses],
            "rag_rows": rows,
            "total_counts": [f"{sum(1 for i in view.items if i.rag == key):,}"
                             for key, _, _ in statuses],
            "total_text": f"{len(view.items):,}"}  # a region's counts run to thousands


def _exceptions(view: PackView, cap: int | None = None) -> dict[str, Any]:
    """The exceptions table; past `cap`, the worst `cap` of them (as the deck ranks them)."""
    config: Any = view.config
    before = previous_label(view)
    prefix = whose(view)  # "NBT: " before each project in a roll-up, as the deck has it
    rows = []
    selected = select_exceptions(view)
    shown = selected if cap is None else worst_exceptions(config, selected)[:cap]
    for row in shown:
        item, why = row.item, why_it_is_here(config, row, before)
        if item is None:  # an overdue row that became no item of this pack
            f = row.overdue
            rows.append({"priority": priority_name(config, f.priority, True),
                         "project": f.workstream or "", "rag": RichText(""), "fill": "FFFFFF",
                         "why": why, "action": "", "lead": ""})
            continue
        status = config.rag_status(item.rag)
        label = status.label if status else "No RAG"
        fill = status.colour.lstrip("#") if status else GREY
        if not row.gone and (item.previous_rag is not None or item.trend == "new"):
            was = config.rag_status(item.previous_rag)
            label += f"\nwas {was.label}" if was else "\nnew"
        under = counts_under(item)
        project = "\n".join(t for t in (prefix(item) + own_title(item), item.item,
                                        f"Workstream: {under}" if under else "") if t)
        rows.append({"priority": priority_name(config, item.priority, True),
                     "project": project, "rag": _rag_text(label, fill), "fill": fill,
                     "why": why,
                     "action": "Not in any tracker this period" if row.gone else action(item),
                     "lead": item.lead})
    worst = config.rag[0].label
    if len(rows) < len(selected):
        intro = (f"{len(selected):,} exceptions for {config.report.period}: items at {worst}, "
                 f"deteriorated, overdue or no longer reported. The {len(rows)} worst are below, "
                 "taking turns across priorities, each with why it is here and the tracker's "
                 f"action or latest position; the workbook's Exceptions sheet holds all "
                 f"{len(selected):,}.")
    elif rows:
        intro = (f"{len(rows)} exception{'s' if len(rows) != 1 else ''} for "
                 f"{config.report.period}: items at {worst}, deteriorated, overdue or no longer "
                 "reported, each with why it is here and the tracker's action or latest "
                 "position. The workbook's Exceptions sheet holds each with its whole update.")
    else:
        intro = (f"No exceptions for {config.report.period}: nothing is {worst}, "
                 "deteriorated, overdue or no longer reported.")
    return {"exceptions": rows, "exceptions_intro": intro}


def _change(before: int | None, now: int) -> str:
    if before is None:
        return "new"
    if now == before:
        return "no change"
    return f"+{now - before}" if now > before else f"\u2212{before - now}"  # a real minus sign


def _movement(view: PackView, numbers: dict[str, Any], names: int | None = None
              ) -> dict[str, Any]:
    """Counts then and now by status, and the items that moved (the first `names` of each)."""
    previous = numbers["previous_period"]
    if not previous:
        return {"movement": [], "movement_lines": [], "movement_intro": (
            f"No earlier period is on record for this pack, so there is no movement to report "
            f"yet; from next period this section compares each status with "
            f"{view.config.report.period}.")}  # type: ignore[attr-defined]
    before_counts = view.history[-1].counts if view.history else {}
    rows = []
    for key, label, fill in _statuses(view):
        before = before_counts.get(key, 0)
        now = sum(1 for i in view.items if i.rag == key)
        rows.append({"status": _rag_text(label, fill), "fill": fill, "before": before,
                     "now": now, "change": _change(before, now)})
    trends = {t: sum(1 for i in view.items if i.trend == t)
              for t in ("improved", "deteriorated", "same", "new")}
    gone = len(view.no_longer_reported)
    intro = (f"Compared with {previous}: {trends['deteriorated']} deteriorated, "
             f"{trends['improved']} improved, {trends['same']} unchanged, {trends['new']} new "
             f"and {gone} no longer reported.")
    lines = [f"Deteriorated: {w['title']} ({w['was']} to {w['now']})" for w in numbers["worse"]]
    if numbers["worse_more"]:
        lines.append(f"Deteriorated: and {numbers['worse_more']:,} more (the workbook's "
                     "Register gives each item's trend)")
    label = {s.key: s.label for s in view.config.rag}  # type: ignore[attr-defined]
    improved = numbers["improved"]
    named = improved if names is None else improved[:names]
    lines += [f"Improved: {own_title(i)}{': ' + i.item if i.item else ''} "
              f"({label.get(i.previous_rag or '', 'no RAG')} to {label.get(i.rag or '', 'no RAG')})"
              for i in named]
    if len(named) < len(improved):
        lines.append(f"Improved: and {len(improved) - len(named):,} more")
    return {"movement": rows, "movement_lines": lines, "movement_intro": intro}


def _missing(view: PackView, numbers: dict[str, Any]) -> dict[str, Any]:
    missing = list(numbers["missing_returns"])
    every = len(missing) + numbers["missing_more"]
    if numbers["missing_more"]:
        missing.append(f"and {numbers['missing_more']:,} more: the workbook's Data quality "
                       "sheet lists each")
    period = view.config.report.period  # type: ignore[attr-defined]
    if missing:
        intro = (f"{every:,} workstream{'s' if every != 1 else ''} in this pack "
                 f"sent no return for {period}:")
    else:
        intro = f"Every workstream in this pack sent a return for {period}."
    return {"missing_returns": missing, "missing_intro": intro}


def render_cover(view: PackView, template: Path, target: Path,
                 template_dir: Path | None = None) -> None:
    """Write the pack's cover report to `target` from the Word `template`."""
    context = cover_context(view, template_dir)
    document = DocxTemplate(str(template))
    document.render(context, _TEMPLATE_ENV, autoescape=True)
    docx = document.docx
    _tidy_cells(docx)
    _fit_status_columns(docx, len(context["statuses"]))
    properties = docx.core_properties
    properties.title = context["paper_title"]
    properties.subject = f"{context['title']} {context['period']}: {view.title}"
    properties.author = context["author"] or view.config.organisation  # type: ignore[attr-defined]
    properties.language = LANGUAGE
    properties.keywords = f"{view.title}; {context['period']}; board paper"
    _set_language(docx)
    document.save(str(target))


def _tidy_cells(docx) -> None:  # noqa: ANN001 - a python-docx Document
    rank = {name: n for n, name in enumerate(TC_PR_ORDER)}
    for tc_pr in docx.element.body.iter(qn("w:tcPr")):
        children = list(tc_pr)
        ordered = sorted(children, key=lambda c: rank.get(c.tag.rpartition("}")[2], len(rank)))
        if ordered != children:
            for child in children:
                tc_pr.remove(child)
            tc_pr.extend(ordered)


def _fit_status_columns(docx, statuses: int) -> None:  # noqa: ANN001
    """docxtpl shares a table's width evenly among the columns a {%tc %} loop adds; the RAG
    table's priority column takes what the status and total columns leave."""
    for table in docx.tables:
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        if caption is None or caption.get(qn("w:val")) != "RAG status by priority":
            continue
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        total = BODY_TWIPS
        narrow = STATUS_COLUMN_TWIPS * (len(grid) - 1)
        widths = [max(total - narrow, 2000)] + [STATUS_COLUMN_TWIPS] * (len(grid) - 1)
        for col, width in zip(grid, widths, strict=True):
            col.set(qn("w:w"), str(width))
        for row in table._tbl.tr_lst:
            for tc, width in zip(row.tc_lst, widths, strict=False):
                tc.get_or_add_tcPr().get_or_add_tcW().set(qn("w:w"), str(width))
                tc.get_or_add_tcPr().get_or_add_tcW().set(qn("w:type"), "dxa")


def _set_language(docx) -> None:  # noqa: ANN001
    """The template's language may be whatever Word it was last saved in: the paper is en-GB."""
    settings = docx.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE)
    defaults = docx.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}") \
        if defaults is not None else None
    if lang is not None:
        lang.set(qn("w:val"), LANGUAGE)
