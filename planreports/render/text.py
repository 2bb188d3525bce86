"""Headline and narrative text from jinja2 templates: the trust's own words, our numbers."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from planreports.model import PackView
from planreports.render.org_matrix import spans_organisations, whose
from planreports.render.quality import changing_figures, group_findings
from planreports.render.titles import full_title, own_title

DEFAULTS = Path(__file__).resolve().parent.parent / "init" / "templates"


def environment(template_dir: Path | None) -> jinja2.Environment:
    """Templates from the working folder first, then the shipped defaults."""
    return _environment(tuple(str(p) for p in (template_dir, DEFAULTS)
                              if p is not None and p.is_dir()))


@functools.lru_cache(maxsize=8)
def _environment(search: tuple[str, ...]) -> jinja2.Environment:
    # One environment per search path, so a template is compiled once per build, not once
    # per pack and text; jinja2 still reloads a template whose file has changed.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
    )


def summary_context(view: PackView, names_listed: int | None = None) -> dict[str, Any]:
    """The numbers every text template may use, computed once.

    `names_listed`: the most items each key message names (summary mode); how many more
    each list had is in `worse_more`, `red_more`, `overdue_more` and `missing_more`.
    """
    config = view.config
    statuses = list(config.rag)  # type: ignore[attr-defined]
    total = len(view.items)
    counts = {s.key: sum(1 for i in view.items if i.rag == s.key) for s in statuses}
    no_rag = sum(1 for i in view.items if i.rag is None)
    previous = view.history[-1] if view.history else None
    rows = []
    for status in statuses:
        now = counts[status.key]
        before = previous.counts.get(status.key) if previous else None
        rows.append({"key": status.key, "label": status.label, "count": now, "previous": before})
    worst = statuses[0] if statuses else None
    reds = [i for i in view.items if worst is not None and i.rag == worst.key]
    red_groups: dict[str, int] = {}
    for item in reds:  # four Red CIP rows are one Red workstream with four parts
        red_groups[item.workstream] = red_groups.get(item.workstream, 0) + 1
    return {
        **_key_messages(view, names_listed),
        "organisation": config.organisation,  # type: ignore[attr-defined]
        "title": config.report.title,  # type: ignore[attr-defined]
        "period": config.report.period,  # type: ignore[attr-defined]
        "as_of": config.report.as_of,  # type: ignore[attr-defined]
        "pack_title": view.title,
        "total": total,
        "statuses": rows,
        "no_rag": no_rag,
        "previous_period": previous.period if previous else None,
        "reds": reds,
        "red_workstreams": [{"title": t, "count": n} for t, n in red_groups.items()],
        "worst_label": worst.label if worst else "",
        "deteriorated": [i for i in view.items if i.trend == "deteriorated"],
        "improved": [i for i in view.items if i.trend == "improved"],
        "priority_label": {p.id: p.label for p in config.priorities},  # type: ignore[attr-defined]
        "findings": {
            sev: sum(1 for f in view.findings if f.severity == sev)
            for sev in ("error", "warning", "info")
        },
    }


def _day(day) -> str:  # noqa: ANN001
    return f"{day.day} {day:%b %Y}"


def _key_messages(view: PackView, names_listed: int | None = None) -> dict[str, Any]:
    """What the summary slide says beyond counts: movement, Reds, overdue, gaps, data quality.

    Items are named as their trackers name them (see render.titles), in plan order.
    """
    config: Any = view.config
    label = {s.key: s.label for s in config.rag}
    complete = {s.key for s in config.rag if s.complete}
    worst = config.rag[0].key
    as_of = config.report.as_of
    red: dict[str, int] = {}
    for item in view.items:
        if item.rag == worst:
            red[own_title(item)] = red.get(own_title(item), 0) + 1
    tag = whose(view)  # "NBT: " before each named item in a system's roll-up
    worse = [{"title": tag(item) + full_title(item),
              "was": label.get(item.previous_rag or "", "no RAG"),
              "now": label.get(item.rag or "", "no RAG")}
             for item in view.items if item.trend == "deteriorated"]
    overdue = [{"title": tag(item) + full_title(item), "due": item.due, "due_text": _day(item.due),
                "rag": label.get(item.rag or "", "no RAG")}
               for item in view.items
               if item.due is not None and item.due < as_of and item.rag not in complete]
    gaps = [f for f in view.findings if f.code == "missing-return"]
    # In a roll-up the same workstream may be missing from several members: say whose each is.
    several = spans_organisations(view)
    missing = [(f"{f.organisation}: " if several and f.organisation else "")
               + (f.workstream or f.message) for f in gaps]
    silent = [org.name for f in view.findings if f.code == "missing-organisation"
              if (org := config.organisation_named(f.organisation)) is not None]
    groups = group_findings(view.findings)
    reds = [{"title": t, "count": n} for t, n in red.items()]
    cut = slice(None, names_listed)
    return {
        "as_of_text": f"{as_of.day} {as_of:%B %Y}",
        "red_projects": reds[cut],
        "worse": worse[cut],
        "overdue": overdue[cut],
        "missing_returns": missing[cut],
        "red_more": len(reds) - len(reds[cut]),
        "worse_more": len(worse) - len(worse[cut]),
        "overdue_more": len(overdue) - len(overdue[cut]),
        "missing_more": len(missing) - len(missing[cut]),
        "silent_organisations": silent,
        "findings_total": len(view.findings),
        "findings_changing": len(changing_figures(view.findings)),
        "finding_groups": [{"code": g.code, "severity": g.severity, "what": g.what,
                            "count": len(g.findings)} for g in groups],
    }


def render_text(view: PackView, template_name: str, template_dir: Path | None = None,
                names_listed: int | None = None) -> str:
    """Render one named template (e.g. 'headline.txt.j2') with the pack's summary context."""
    env = environment(template_dir)
    context = summary_context(view, names_listed)
    return env.get_template(template_name).render(**context).strip()


def headline(view: PackView, template_dir: Path | None = None) -> str:
    return render_text(view, "headline.txt.j2", template_dir)


def narrative(view: PackView, template_dir: Path | None = None) -> str:
    return render_text(view, "narrative.txt.j2", template_dir)


def summary(view: PackView, template_dir: Path | None = None,
            names_listed: int | None = None) -> str:
    """The summary slide's key messages (summary.txt.j2): a line each, "- " for a bullet."""
    return render_text(view, "summary.txt.j2", template_dir, names_listed)
