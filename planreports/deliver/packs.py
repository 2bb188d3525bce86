"""Packs by email: one message per `email.send` entry, with the built workbook and/or deck."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2

from planreports.config import Config
from planreports.deliver.inputs import (
    email_section,
    load_run,
    split_recipients,
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
from planreports.deliver.report import DeliveryReport
from planreports.deliver.scan import ScanRefused, identifiers_in
from planreports.deliver.sending import deliver_messages
from planreports.identifiers import scanner_for
from planreports.outputs import build_lock


def send_packs(
    config: Config, *, dry_run: bool = False, retry_unknown: bool = False
) -> DeliveryReport:
    """Email each `email.send` entry's pack; with dry_run, write .eml files and send nothing.

    A dry run needs no `email:` section: without one, each pack is previewed to a placeholder.
    """
    note = ""
    if dry_run:
        config, note = with_preview_email(config)
    email_config = email_section(config)
    env = template_environment(config)
    folder = config.outputs_dir / config.period_slug
    # Under the build lock, so a build cannot swap the set while run.json and the
    # attachments are read; each attachment's bytes are read once, checked, and sent as read.
    with build_lock(folder, wait=60.0):
        folder, run = load_run(config)
        messages = [
            _pack_message(config, run, folder, env, entry, index)
            for index, entry in enumerate(email_config.send)
        ]
    if note:
        messages = [replace(m, note=note) for m in messages]
    return deliver_messages(config, "send", messages, [], folder,
                            dry_run=dry_run, retry_unknown=retry_unknown, again=False)


def _statuses(config: Config, counts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": s.key, "label": s.label, "colour": s.colour, "count": int(counts.get(s.key) or 0)}
        for s in config.rag
    ]


def _headline(total: int, statuses: Sequence[Mapping[str, Any]], no_rag: int) -> str:
    parts = [f"{s['count']} {s['label']}" for s in statuses if s["count"]]
    if no_rag:
        parts.append(f"{no_rag} without a RAG status")
    head = f"{total} item{'s' if total != 1 else ''}"
    return f"{head}: {', '.join(parts)}" if parts else head


def _blocked_reason(pack: Mapping[str, Any], run: Mapping[str, Any]) -> str:
    cells = [
        "!".join(str(f.get(k)) for k in ("file", "sheet", "cell") if f.get(k))
        for f in run.get("findings") or []
        if f.get("code") == "patient-identifier"
    ]
    emailable = pack.get("emailable")
    # A run.json without the flag predates it: trust no pack while any identifier was found.
    if emailable is True or (emailable is None and not cells):
        return ""
    reason = str(pack.get("blocked_reason") or "").strip()
    if not reason:
        reason = "patient-identifier" + (f" in {', '.join(cells)}" if cells else "")
    advice = (
        "; board papers must hold no patient identifiers: remove them from the tracker and "
        "build again" if "patient-identifier" in reason else ""
    )
    return f"pack {pack.get('name')!r} is not emailed: {reason}{advice}"


def _pack_message(
    config: Config, run: Mapping[str, Any], folder: Path, env: jinja2.Environment,
    entry: Any, index: int,
) -> Message:
    email_config = email_section(config)
    same_pack = [e for e in email_config.send if e.pack == entry.pack]
    stem = f"send-{entry.pack}" + (f"-{index + 1}" if len(same_pack) > 1 else "")
    to, to_bare, bad_to = split_recipients(entry.to)
    cc, cc_bare, bad_cc = split_recipients(entry.cc)
    recipients = tuple(dict.fromkeys(to_bare + cc_bare))
    base = Message("send", entry.pack, stem, tuple(to), tuple(cc), recipients,
                   bad_recipients=tuple(bad_to + bad_cc))
    packs = {p.get("name"): p for p in run.get("packs") or [] if isinstance(p, dict)}
    pack = packs.get(entry.pack)
    if pack is None:
        return replace(base, refused=(
            f"pack {entry.pack!r} is not in {folder.name}/run.json: build it first "
            f"(`planreports build --pack {entry.pack}`)"
        ))
    blocked = _blocked_reason(pack, run)
    if blocked:
        return replace(base, blocked=blocked)
    configured = config.pack(entry.pack)
    title = str(pack.get("title") or (configured.title if configured else entry.pack))
    attachments, refused, held = _pack_attachments(config, run, folder, entry, title)
    if held:
        return replace(base, blocked=held)
    counts = pack.get("counts") or {}
    statuses = _statuses(config, counts)
    total = int(pack.get("items") or sum(int(v or 0) for v in counts.values()))
    no_rag = max(0, total - sum(s["count"] for s in statuses))
    context = {
        "organisation": config.organisation,
        "title": config.report.title,
        "period": config.report.period,
        "as_of": config.report.as_of,
        "as_of_text": date_text(config.report.as_of),
        "pack_name": entry.pack,
        "pack_title": title,
        "total": total,
        "statuses": statuses,
        "no_rag": no_rag,
        "headline": _headline(total, statuses, no_rag),
        "attachments": [a.filename for a in attachments],
        "sender": email_config.from_,
    }
    return replace(
        base,
        subject=one_line(render_template(env, "email_subject.txt.j2", context)),
        text=render_template(env, "email_body.txt.j2", context) + "\n",
        html=render_template(env, "email_body.html.j2", context) + "\n",
        attachments=tuple(attachments),
        refused=refused,
    )


def _pack_attachments(
    config: Config, run: Mapping[str, Any], folder: Path, entry: Any, title: str
) -> tuple[list[Attachment], str, str]:
    """(attachments, why they cannot be sent, why the pack is held back for patient data).

    Nothing run.json says is taken on trust: each file must have the hash run.json gives it
    and be no newer than run.json, and its text is scanned for identifiers whatever run.json
    says about the pack."""
    outputs = [o for o in run.get("outputs") or [] if isinstance(o, dict)]
    attachments: list[Attachment] = []
    root = folder.resolve()
    manifest_time = (folder / "run.json").stat().st_mtime
    scanner = scanner_for(config)
    for kind in entry.attach:
        output = next((o for o in outputs if o.get("pack") == entry.pack and o.get("kind") == kind),
                      None)
        if output is None:
            why = (" (outputs.pdf is off, or LibreOffice was not installed when it was built)"
                   if kind == "pdf" else "")
            return [], (f"run.json lists no {kind} for pack {entry.pack!r}{why}: build it "
                        "first"), ""
        path = (folder / str(output.get("path", ""))).resolve()
        if not path.is_relative_to(root):
            return [], f"run.json names {output.get('path')!r}, outside {folder}: not attached", ""
        if not path.is_file():
            return [], f"{path} is missing: build {entry.pack!r} again", ""
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != output.get("sha256"):
            return [], (f"{path.name} is not the file run.json describes (it was changed or "
                        f"replaced after the build): not sent; build {entry.pack!r} again"), ""
        if path.stat().st_mtime > manifest_time + 1:
            return [], (f"{path.name} is newer than run.json: not sent; build "
                        f"{entry.pack!r} again"), ""
        try:
            found = identifiers_in(data, path.name, scanner)
        except ScanRefused as exc:
            return [], f"{path.name} could not be checked for patient identifiers: {exc}", ""
        if found:
            return [], "", (
                f"pack {entry.pack!r} is not emailed: {path.name} holds what looks like a patient "
                f"identifier ({'; '.join(found[:3])}); board papers must hold none"
            )
        attachments.append(Attachment(
            path,
            attachment_filename(config.organisation, title, config.report.period, ext=kind),
            *MIME_TYPES[kind],
            data=data,
        ))
    return attachments, size_refusal(config, attachments), ""
