"""Chasing returns: one message per lead whose workstreams have a missing or stale return."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2

from planreports.config import Config, slugify
from planreports.deliver.inputs import (
    LEADS_FILE,
    address_book,
    email_section,
    lead_key,
    leads_file,
    load_run,
    parse_address,
    with_preview_email,
)
from planreports.deliver.message import (
    MIME_TYPES,
    Attachment,
    Message,
    attachment_filename,
    date_text,
    one_line,
    render_template,
    size_refusal,
    template_environment,
)
from planreports.deliver.report import Delivery, DeliveryReport
from planreports.deliver.scan import ScanRefused, identifiers_in
from planreports.deliver.sending import deliver_messages
from planreports.errors import ConfigError
from planreports.identifiers import scanner_for

CHASE_CODES = ("missing-return", "stale-update")


def chase_returns(
    config: Config,
    *,
    dry_run: bool = False,
    again: bool = False,
    addresses: Mapping[str, str] | None = None,
) -> DeliveryReport:
    """Email each lead whose returns are missing or stale, once per period unless `again`.

    `addresses` maps lead title -> email; without it they come from leads.yaml beside
    config.yaml. A dry run needs neither leads.yaml nor an `email:` section: without them the
    previews go to placeholder addresses, and say so. A real chase without leads.yaml is
    refused before anything is sent (there is no one it could reach).
    """
    note = ""
    if dry_run:
        config, note = with_preview_email(config)
    email_section(config)
    folder, run = load_run(config)
    env = template_environment(config)
    book = address_book(config, addresses)
    placeholders = addresses is None and not leads_file(config).exists()
    if placeholders and not dry_run and _chased_leads(config, run):
        raise ConfigError(
            f"no {LEADS_FILE} beside {config.path.name}, so no lead can be chased: make one "
            "with a line per lead, e.g. `Director of Nursing: jane.smith@nhs.net` "
            "(`planreports chase --dry-run` previews the messages without it)"
        )
    if placeholders:
        note = "; ".join(filter(None, (note, (
            f"preview only: no {LEADS_FILE} beside {config.path.name}, so each lead's address "
            "is a placeholder"))))
    messages, unaddressed = _chase_messages(config, run, folder, env, book,
                                            placeholders=placeholders)
    if note:
        messages = [replace(m, note="; ".join(filter(None, (note, m.note)))) for m in messages]
    # `again` also resends a chase whose delivery is unknown: the user asked for another one.
    return deliver_messages(config, "chase", messages, unaddressed, folder,
                            dry_run=dry_run, retry_unknown=again, again=again)


def _chased_leads(config: Config, run: Mapping[str, Any]) -> bool:
    """Whether any finding of the run is one a lead is chased for."""
    return any(isinstance(f, dict) and f.get("code") in CHASE_CODES
               for f in run.get("findings") or [])


def _workstream_lead(config: Config, finding: Mapping[str, Any]) -> tuple[str | None, str, str]:
    """(lead, priority label, workstream title) responsible for a finding's workstream."""
    priority = config.priority(finding.get("priority"))
    title = str(finding.get("workstream") or "")
    if priority is None:
        return None, str(finding.get("priority") or "unknown priority"), title
    key = lead_key(title)
    workstream = next((w for w in priority.workstreams if lead_key(w.title) == key), None)
    lead = (workstream.lead if workstream else None) or priority.lead
    return lead, f"{priority.id} {priority.label}", title


def _return_template(config: Config, folder: Path, lead: str) -> Path | None:
    """The lead's return workbook written by `planreports templates`, matched by whole name.

    Never by part of a name: "Director of Nursing" must not get "Deputy Director of Nursing"'s
    return, which would send one lead's plan lines to another.
    """
    returns = folder / "returns"
    if not returns.is_dir():
        return None
    owner = re.sub(r"[^A-Za-z0-9]+", "-", lead).strip("-")  # as planreports.returns names files
    named = returns / f"Return - {owner} - {config.period_slug}.xlsx"
    if named.is_file():
        return named
    want = {slugify(lead), slugify(f"return {lead} {config.period_slug}")}
    return next((p for p in sorted(returns.glob("*.xlsx")) if slugify(p.stem) in want), None)


def _chase_messages(
    config: Config, run: Mapping[str, Any], folder: Path, env: jinja2.Environment,
    book: Mapping[str, str], *, placeholders: bool = False,
) -> tuple[list[Message], list[Delivery]]:
    by_lead: dict[str, list[dict[str, str]]] = {}
    unaddressed: list[Delivery] = []
    for finding in run.get("findings") or []:
        if not isinstance(finding, dict) or finding.get("code") not in CHASE_CODES:
            continue
        lead, priority, workstream = _workstream_lead(config, finding)
        why = "no return" if finding["code"] == "missing-return" else "update unchanged"
        if lead is None:
            unaddressed.append(Delivery("chase", f"{priority}: {workstream}", "", "no-address",
                                        "no lead configured for this workstream or its priority"))
            continue
        by_lead.setdefault(lead, []).append(
            {"priority": priority, "workstream": workstream, "why": why,
             "code": finding["code"], "message": str(finding.get("message") or "")}
        )
    email_config = email_section(config)
    deadline = dt.date.today() + dt.timedelta(days=email_config.chase_deadline_days)
    messages = []
    for lead, workstreams in by_lead.items():
        entry = book.get(lead_key(lead))
        if entry is None and placeholders:
            entry = f"{slugify(lead)}@example.invalid"
        address = parse_address(entry) if entry else None
        if address is None:
            why = (f"no address for {lead!r} in {LEADS_FILE}" if entry is None
                   else f"{LEADS_FILE} gives {entry!r} for {lead!r}, which is not an address")
            unaddressed.append(Delivery("chase", lead, "", "no-address", why))
            continue
        template = _return_template(config, folder, lead)
        attachments = []
        held = ""
        if template is not None:
            data = template.read_bytes()
            # A return carries last period's updates, from a history that may predate masking.
            try:
                found = identifiers_in(data, template.name, scanner_for(config))
            except ScanRefused as exc:
                found = [f"it could not be checked ({exc})"]
            if found:
                held = (f"the return template {template.name} holds what looks like a patient "
                        f"identifier ({'; '.join(found[:3])}); not sent")
            attachments.append(Attachment(
                template,
                attachment_filename(config.organisation, f"{config.report.title} return",
                                    lead, config.report.period, ext="xlsx"),
                *MIME_TYPES["xlsx"],
                data=data,
            ))
        context = {
            "organisation": config.organisation,
            "title": config.report.title,
            "period": config.report.period,
            "as_of": config.report.as_of,
            "as_of_text": date_text(config.report.as_of),
            "lead": lead,
            "workstreams": workstreams,
            "deadline": deadline,
            "deadline_text": date_text(deadline),
            "return_template": attachments[0].filename if attachments else None,
            "sender": email_config.from_,
        }
        messages.append(Message(
            "chase", lead, f"chase-{slugify(lead)}", (entry.strip(),), (), (address,),
            subject=one_line(render_template(env, "chase_subject.txt.j2", context)),
            text=render_template(env, "chase_body.txt.j2", context) + "\n",
            attachments=tuple(attachments),
            refused=size_refusal(config, attachments),
            blocked=held,
            note="" if template else (
                "sent without a return template: none for this lead in returns/ "
                "(run `planreports templates` first to attach one)"
            ),
        ))
    return messages, unaddressed
