"""Email the built packs to their recipients, and chase leads for missing returns, once each.

`send_packs` mails each `email.send` entry of config.yaml: one message per entry, to its `to`
and `cc` together, with the pack's workbook and/or deck from `outputs/<period>/run.json`
attached. `chase_returns` mails each lead whose workstreams have a `missing-return` or
`stale-update` finding, with their return template from `outputs/<period>/returns/` when the
`templates` command wrote one. Both render subject and body from jinja2 templates (the working
folder's `templates/` first, then the shipped defaults): `email_subject.txt.j2`,
`email_body.txt.j2`, `email_body.html.j2`, `chase_subject.txt.j2`, `chase_body.txt.j2`.

Lead addresses live in an optional `leads.yaml` beside config.yaml, lead title -> address, the
titles exactly as config.yaml's `lead:` values (case and spacing are forgiven)::

    Director of Nursing: jane.smith@nhs.net
    Head of Patient Experience: sam.jones@nhs.net

A lead without an address is reported ("no-address"), never guessed.

Never twice: every recipient of every message is recorded in the send log (see
`planreports.deliver_log`) before and after the SMTP transaction, so running again sends only
what did not go. A message cut off after its body was handed over, before the relay said
"250", may have been delivered: it is reported "delivery-unknown" and resent only when asked
(`retry_unknown=True`). Temporary failures (4xx replies, dropped connections, refused
connections) are retried a few times with a short backoff; a refused login never is, and stops
the run, because NHSmail locks an account after a handful of failed logins.

A pack whose run.json entry says `emailable: false` (a patient identifier was found in it) is
never sent, not even written as a dry-run .eml.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import json
import os
import re
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml

from planreports.config import Config, Smtp, slugify
from planreports.deliver_log import Kind, MessageKey, SendLog
from planreports.errors import ConfigError, DeliveryError
from planreports.render.text import environment

State = Literal[
    "sent",
    "failed",
    "skipped-already-sent",
    "delivery-unknown",
    "dry-run",
    "blocked",
    "no-address",
]

MIME_TYPES: Mapping[str, tuple[str, str]] = {
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
}
ATTEMPTS = 3  # per message; enough to ride out a relay restart, few enough not to look abusive
CHASE_CODES = ("missing-return", "stale-update")
LEADS_FILE = "leads.yaml"
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one recipient of one message."""

    kind: Kind
    name: str  # pack name, or lead title for a chase
    recipient: str  # bare address; "" for a lead without one
    state: State
    reason: str = ""
    message_id: str | None = None
    eml: Path | None = None
    subject: str = ""

    @property
    def pack(self) -> str:
        """The pack (or lead) name, under the name the CLI's table reads."""
        return self.name

    @property
    def eml_path(self) -> Path | None:
        return self.eml


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Every recipient of every message of one `send` or `chase` run, in config order."""

    kind: Kind
    period: str
    dry_run: bool
    deliveries: tuple[Delivery, ...]

    @property
    def blocked(self) -> bool:
        """A pack was withheld because it holds patient identifiers: the CLI exits 1."""
        return any(d.state == "blocked" for d in self.deliveries)

    @property
    def lines(self) -> tuple[Delivery, ...]:
        """The deliveries, one line each, as the CLI prints them."""
        return self.deliveries

    @property
    def failed(self) -> tuple[Delivery, ...]:
        """Recipients that did not get their message (blocked ones aside): the CLI exits 1."""
        return tuple(d for d in self.problems if d.state != "blocked")

    @property
    def problems(self) -> tuple[Delivery, ...]:
        """Recipients that did not get their message and need someone to act."""
        bad = {"failed", "delivery-unknown", "blocked", "no-address"}
        return tuple(d for d in self.deliveries if d.state in bad)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def states(self) -> list[tuple[str, str, str]]:
        """(name, recipient, state) per delivery: the report as a table."""
        return [(d.name, d.recipient, d.state) for d in self.deliveries]


@dataclass(frozen=True, slots=True)
class _Attachment:
    path: Path
    filename: str
    maintype: str
    subtype: str


@dataclass(frozen=True)
class _Message:
    """One email as planned, before the send log and the relay have their say."""

    kind: Kind
    name: str
    eml_stem: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    recipients: tuple[str, ...]  # bare, lower-cased, unique addresses of to + cc
    subject: str = ""
    text: str = ""
    html: str | None = None
    attachments: tuple[_Attachment, ...] = ()
    blocked: str = ""  # why it must never go
    refused: str = ""  # why it cannot go now (nothing was built, too big)
    note: str = ""  # said of every recipient that it goes to
    bad_recipients: tuple[tuple[str, str], ...] = ()  # (entry, why) not addresses at all


# --- public entry points ---------------------------------------------------------------------


def send_packs(
    config: Config, *, dry_run: bool = False, retry_unknown: bool = False
) -> DeliveryReport:
    """Email each `email.send` entry's pack; with dry_run, write .eml files and send nothing."""
    email_config = _email_config(config)
    folder, run = _load_run(config)
    env = _environment(config)
    messages = [
        _pack_message(config, run, folder, env, entry, index)
        for index, entry in enumerate(email_config.send)
    ]
    return _deliver(config, "send", messages, [], folder,
                    dry_run=dry_run, retry_unknown=retry_unknown, again=False)


def chase_returns(
    config: Config,
    *,
    dry_run: bool = False,
    again: bool = False,
    addresses: Mapping[str, str] | None = None,
) -> DeliveryReport:
    """Email each lead whose returns are missing or stale, once per period unless `again`.

    `addresses` maps lead title -> email; without it they come from leads.yaml beside
    config.yaml.
    """
    _email_config(config)
    folder, run = _load_run(config)
    env = _environment(config)
    book = _address_book(config, addresses)
    messages, unaddressed = _chase_messages(config, run, folder, env, book)
    # `again` also resends a chase whose delivery is unknown: the user asked for another one.
    return _deliver(config, "chase", messages, unaddressed, folder,
                    dry_run=dry_run, retry_unknown=again, again=again)


# --- inputs: config, run.json, templates, leads ------------------------------------------------


def _email_config(config: Config) -> Any:
    if config.email is None:
        raise DeliveryError(
            f"{config.path.name} has no email: section, so there is no one to send to"
        )
    return config.email


def _load_run(config: Config) -> tuple[Path, dict[str, Any]]:
    folder = config.outputs_dir / config.period_slug
    path = folder / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(
            f"{path} not found: run `planreports build` for {config.report.period} first"
        ) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(run, dict):
        raise DeliveryError(f"{path}: expected a JSON object")
    return folder, run


def _environment(config: Config) -> jinja2.Environment:
    # text.environment autoescapes names ending ".html"; ours end ".html.j2" and carry tracker
    # and config text into HTML, so they are escaped too.
    return environment(config.resolve(config.templates.folder)).overlay(
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False)
    )


def _render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context).strip()
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{name} line {line}" if line else name
        raise DeliveryError(f"email template {where}: {exc}") from exc


def _one_line(text: str) -> str:
    # A subject is one header line; a template's stray newline must not become a new header.
    return " ".join(text.split())


def _address_book(config: Config, addresses: Mapping[str, str] | None) -> dict[str, str]:
    if addresses is None:
        path = config.base_dir / LEADS_FILE
        if not path.exists():
            return {}
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path.name}: cannot be read: {exc}") from exc
        if loaded is None:
            return {}
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise ConfigError(
                f"{path.name}: expected one `Lead title: address` per line, e.g. "
                "`Director of Nursing: jane.smith@nhs.net`"
            )
        addresses = loaded
    return {_lead_key(k): v.strip() for k, v in addresses.items()}


def _lead_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _address(entry: str) -> str | None:
    """The bare address of 'Name <a@b>' or 'a@b'; None when it is not one address."""
    if "\n" in entry or "\r" in entry or len(getaddresses([entry])) != 1:
        return None
    _, address = parseaddr(entry)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        return None
    return address.lower()


def _split_recipients(entries: Sequence[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Header forms and bare addresses (each once) of entries, plus those that are not addresses."""
    headers, bare, bad = [], [], []
    for entry in entries:
        address = _address(entry)
        if address is None:
            bad.append((entry, f"{entry!r} is not an email address"))
        elif address not in bare:
            headers.append(entry.strip())
            bare.append(address)
    return headers, bare, bad


def _filename(*parts: str, ext: str) -> str:
    # Windows refuses these characters in a file name, and Outlook saves attachments there.
    name = " - ".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", " ".join(name.split())) + f".{ext}"


def _date_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- planning messages -----------------------------------------------------------------------


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
) -> _Message:
    email_config = _email_config(config)
    same_pack = [e for e in email_config.send if e.pack == entry.pack]
    stem = f"send-{entry.pack}" + (f"-{index + 1}" if len(same_pack) > 1 else "")
    to, to_bare, bad_to = _split_recipients(entry.to)
    cc, cc_bare, bad_cc = _split_recipients(entry.cc)
    recipients = tuple(dict.fromkeys(to_bare + cc_bare))
    base = _Message("send", entry.pack, stem, tuple(to), tuple(cc), recipients,
                    bad_recipients=tuple(bad_to + bad_cc))
    packs = {p.get("name"): p for p in run.get("packs") or [] if isinstance(p, dict)}
    pack = packs.get(entry.pack)
    if pack is None:
        return _replace(base, refused=(
            f"pack {entry.pack!r} is not in {folder.name}/run.json: build it first "
            f"(`planreports build --pack {entry.pack}`)"
        ))
    blocked = _blocked_reason(pack, run)
    if blocked:
        return _replace(base, blocked=blocked)
    configured = config.pack(entry.pack)
    title = str(pack.get("title") or (configured.title if configured else entry.pack))
    attachments, refused = _pack_attachments(config, run, folder, entry, title)
    counts = pack.get("counts") or {}
    statuses = _statuses(config, counts)
    total = int(pack.get("items") or sum(int(v or 0) for v in counts.values()))
    no_rag = max(0, total - sum(s["count"] for s in statuses))
    context = {
        "organisation": config.organisation,
        "title": config.report.title,
        "period": config.report.period,
        "as_of": config.report.as_of,
        "as_of_text": _date_text(config.report.as_of),
        "pack_name": entry.pack,
        "pack_title": title,
        "total": total,
        "statuses": statuses,
        "no_rag": no_rag,
        "headline": _headline(total, statuses, no_rag),
        "attachments": [a.filename for a in attachments],
        "sender": email_config.from_,
    }
    return _replace(
        base,
        subject=_one_line(_render(env, "email_subject.txt.j2", context)),
        text=_render(env, "email_body.txt.j2", context) + "\n",
        html=_render(env, "email_body.html.j2", context) + "\n",
        attachments=tuple(attachments),
        refused=refused,
    )


def _pack_attachments(
    config: Config, run: Mapping[str, Any], folder: Path, entry: Any, title: str
) -> tuple[list[_Attachment], str]:
    outputs = [o for o in run.get("outputs") or [] if isinstance(o, dict)]
    attachments: list[_Attachment] = []
    root = folder.resolve()
    for kind in entry.attach:
        output = next((o for o in outputs if o.get("pack") == entry.pack and o.get("kind") == kind),
                      None)
        if output is None:
            return [], f"run.json lists no {kind} for pack {entry.pack!r}: build it first"
        path = (folder / str(output.get("path", ""))).resolve()
        if not path.is_relative_to(root):
            return [], f"run.json names {output.get('path')!r}, outside {folder}: not attached"
        if not path.is_file():
            return [], f"{path} is missing: build {entry.pack!r} again"
        attachments.append(_Attachment(
            path,
            _filename(config.organisation, title, config.report.period, ext=kind),
            *MIME_TYPES[kind],
        ))
    return attachments, _size_refusal(config, attachments)


def _size_refusal(config: Config, attachments: Sequence[_Attachment]) -> str:
    limit = _email_config(config).smtp.max_attachment_mb
    size = sum(a.path.stat().st_size for a in attachments)
    if size <= limit * _MB:
        return ""
    names = ", ".join(f"{a.filename} ({a.path.stat().st_size / _MB:.1f} MB)" for a in attachments)
    return (
        f"attachments total {size / _MB:.1f} MB, over email.smtp.max_attachment_mb "
        f"({limit:g} MB): {names}; not sent"
    )


def _replace(message: _Message, **changes: Any) -> _Message:
    return replace(message, **changes)


def _workstream_lead(config: Config, finding: Mapping[str, Any]) -> tuple[str | None, str, str]:
    """(lead, priority label, workstream title) responsible for a finding's workstream."""
    priority = config.priority(finding.get("priority"))
    title = str(finding.get("workstream") or "")
    if priority is None:
        return None, str(finding.get("priority") or "unknown priority"), title
    key = _lead_key(title)
    workstream = next((w for w in priority.workstreams if _lead_key(w.title) == key), None)
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
    book: Mapping[str, str],
) -> tuple[list[_Message], list[Delivery]]:
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
    email_config = _email_config(config)
    deadline = dt.date.today() + dt.timedelta(days=email_config.chase_deadline_days)
    messages = []
    for lead, workstreams in by_lead.items():
        entry = book.get(_lead_key(lead))
        address = _address(entry) if entry else None
        if address is None:
            why = (f"no address for {lead!r} in {LEADS_FILE}" if entry is None
                   else f"{LEADS_FILE} gives {entry!r} for {lead!r}, which is not an address")
            unaddressed.append(Delivery("chase", lead, "", "no-address", why))
            continue
        template = _return_template(config, folder, lead)
        attachments = []
        if template is not None:
            attachments.append(_Attachment(
                template,
                _filename(config.organisation, f"{config.report.title} return", lead,
                          config.report.period, ext="xlsx"),
                *MIME_TYPES["xlsx"],
            ))
        context = {
            "organisation": config.organisation,
            "title": config.report.title,
            "period": config.report.period,
            "as_of": config.report.as_of,
            "as_of_text": _date_text(config.report.as_of),
            "lead": lead,
            "workstreams": workstreams,
            "deadline": deadline,
            "deadline_text": _date_text(deadline),
            "return_template": attachments[0].filename if attachments else None,
            "sender": email_config.from_,
        }
        messages.append(_Message(
            "chase", lead, f"chase-{slugify(lead)}", (entry.strip(),), (), (address,),
            subject=_one_line(_render(env, "chase_subject.txt.j2", context)),
            text=_render(env, "chase_body.txt.j2", context) + "\n",
            attachments=tuple(attachments),
            refused=_size_refusal(config, attachments),
            note="" if template else (
                "sent without a return template: none for this lead in returns/ "
                "(run `planreports templates` first to attach one)"
            ),
        ))
    return messages, unaddressed


def _build_email(
    message: _Message, message_id: str, sender: str, when: dt.datetime | None = None
) -> EmailMessage:
    mail = EmailMessage(policy=email.policy.default)
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = ", ".join(message.to)
    if message.cc:
        mail["Cc"] = ", ".join(message.cc)
    mail["Date"] = format_datetime(when or dt.datetime.now().astimezone())
    mail["Message-ID"] = message_id
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        mail.add_attachment(
            attachment.path.read_bytes(),
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return mail


# --- SMTP --------------------------------------------------------------------------------------


class _Temporary(Exception):
    """Worth another try: a 4xx reply, a dropped or refused connection."""


class _Permanent(Exception):
    """This message will not go as it is (a 5xx for the whole message)."""


class _Unknown(Exception):
    """The body was handed over and the reply never came: it may have been delivered."""


class _TrackedData:
    """smtplib's DATA, noting the moment the body has gone, to tell "not sent" from "unknown"."""

    body_sent = False

    def data(self, msg: bytes) -> tuple[int, bytes]:
        self.body_sent = False
        self.putcmd("data")  # type: ignore[attr-defined]
        code, reply = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg)  # dot-stuffing, as smtplib does
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")  # type: ignore[attr-defined]
        self.body_sent = True
        return self.getreply()  # type: ignore[attr-defined]


class _Client(_TrackedData, smtplib.SMTP):
    pass


class _SslClient(_TrackedData, smtplib.SMTP_SSL):
    pass


def _credentials(smtp: Smtp) -> tuple[str, str] | None:
    """User and password from the environment variables config names, checked before connecting."""
    names = {"username_env": smtp.username_env, "password_env": smtp.password_env}
    if not any(names.values()):
        return None
    for key, name in names.items():
        if not name:
            other = "password_env" if key == "username_env" else "username_env"
            raise DeliveryError(f"email.smtp.{other} is set but {key} is not: give both or neither")
    values = {}
    for key, name in names.items():
        value = os.environ.get(name or "")
        if not value:
            what = "user name" if key == "username_env" else "password"
            raise DeliveryError(
                f"environment variable {name} is not set: it must hold the SMTP {what} "
                f"(email.smtp.{key} in config.yaml); nothing was sent"
            )
        values[key] = value
    if not (smtp.starttls or smtp.ssl):
        raise DeliveryError(
            f"refusing to send the SMTP password unencrypted to {smtp.host}:{smtp.port}: set "
            "email.smtp.starttls: true (port 587) or ssl: true (port 465)"
        )
    return values["username_env"], values["password_env"]


def _tls_context(config: Config, smtp: Smtp) -> ssl.SSLContext:
    cafile = None
    if smtp.ca_file:
        path = config.resolve(smtp.ca_file)
        if not path.is_file():
            raise DeliveryError(f"email.smtp.ca_file {path} not found")
        cafile = str(path)
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _code_of(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class _Relay:
    """One SMTP connection, opened when first needed and reopened after a drop."""

    def __init__(self, config: Config, credentials: tuple[str, str] | None) -> None:
        self.smtp = _email_config(config).smtp
        self.context = _tls_context(config, self.smtp)
        self.credentials = credentials
        self.client: _Client | _SslClient | None = None
        self.unreachable = ""  # set once a message gave up on connecting: skip the rest

    @property
    def where(self) -> str:
        return f"{self.smtp.host}:{self.smtp.port}"

    def connect(self) -> _Client | _SslClient:
        if self.client is not None:
            return self.client
        smtp = self.smtp
        client: _Client | _SslClient | None = None
        try:
            if smtp.ssl:
                client = _SslClient(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                    context=self.context)
            else:
                client = _Client(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
            client.ehlo()
            if smtp.starttls and not smtp.ssl:
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{self.where} does not offer STARTTLS, and email.smtp.starttls is true: "
                        "not sending in clear"
                    )
                client.starttls(context=self.context)
                client.ehlo()
            if self.credentials:
                self._login(client, *self.credentials)
        except ssl.SSLCertVerificationError as exc:
            _close(client)
            raise DeliveryError(
                f"the certificate of {self.where} is not trusted ({exc.verify_message}); if the "
                "relay uses a private CA, set email.smtp.ca_file to its certificate"
            ) from exc
        except ssl.SSLError as exc:
            _close(client)
            raise DeliveryError(
                f"TLS with {self.where} failed: {exc.reason or exc} (TLS 1.2 or newer is required)"
            ) from exc
        except DeliveryError:
            _close(client)
            raise
        except smtplib.SMTPConnectError as exc:
            _close(client)
            text = (f"{self.where} refused the connection: "
                    f"{exc.smtp_code} {_code_of(exc.smtp_error)}")
            raise (_Temporary if 400 <= exc.smtp_code < 500 else _Permanent)(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _close(client)
            raise _Temporary(f"cannot reach {self.where}: {exc or type(exc).__name__}") from exc
        self.client = client
        return client

    def _login(self, client: smtplib.SMTP, user: str, password: str) -> None:
        if not client.has_extn("auth"):
            raise DeliveryError(f"{self.where} does not offer AUTH, but a login is configured")
        offered = client.esmtp_features["auth"].upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise DeliveryError(
                f"{self.where} offers AUTH {' '.join(offered)}; planreports logs in with PLAIN "
                "or LOGIN"
            )
        # smtplib.login() tries each offered mechanism in turn after a refusal: two failed
        # logins per run. One mechanism, one attempt.
        client.user, client.password = user, password
        try:
            client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        except smtplib.SMTPAuthenticationError as exc:
            smtp = self.smtp
            raise DeliveryError(
                f"SMTP login as {user!r} refused by {self.where} ({exc.smtp_code} "
                f"{_code_of(exc.smtp_error)}); not retried, since NHSmail locks an account after "
                f"repeated failed logins: check {smtp.username_env} and {smtp.password_env}"
            ) from exc

    def sendmail(self, sender: str, recipients: Sequence[str], data: bytes) -> dict[str, str]:
        """Send once; return refused recipient -> "code reply" (4xx ones are worth retrying)."""
        client = self.connect()
        client.body_sent = False
        try:
            refused = client.sendmail(sender, list(recipients), data)
        except smtplib.SMTPRecipientsRefused as exc:
            # A 421 mid-RCPT ends the transaction: the recipients not yet tried are temporary.
            refused = dict(exc.recipients)
            for r in recipients:
                refused.setdefault(r, (421, b"not tried: the server closed the transaction"))
            if any(code == 421 for code, _ in refused.values()):
                self.drop()
        except smtplib.SMTPSenderRefused as exc:
            text = f"sender {sender} refused: {exc.smtp_code} {_code_of(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise _Permanent(text + " (NHSmail requires `from` to be the login's own address)"
                                 ) from exc
            self.drop()
            raise _Temporary(text) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _Permanent(f"{self.where} cannot take this message: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"{exc.smtp_code} {_code_of(exc.smtp_error)}"
            self.drop()
            raise (_Temporary if 400 <= exc.smtp_code < 500 else _Permanent)(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            sent = client.body_sent
            self.drop()
            detail = str(exc) or type(exc).__name__
            if sent:
                raise _Unknown(
                    f"the connection to {self.where} was lost after the message was handed over "
                    f"and before the server confirmed it ({detail}): it may have been delivered"
                ) from exc
            raise _Temporary(f"connection to {self.where} lost: {detail}") from exc
        return {r: f"{code} {_code_of(reply)}" for r, (code, reply) in refused.items()}

    def drop(self) -> None:
        _close(self.client)
        self.client = None

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.client.quit()
        self.drop()


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()


# --- the run -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    message: _Message
    key: MessageKey
    message_id: str
    pending: list[str]
    done: list[Delivery] = field(default_factory=list)


def _deliver(
    config: Config, kind: Kind, messages: Sequence[_Message], early: Sequence[Delivery],
    folder: Path, *, dry_run: bool, retry_unknown: bool, again: bool,
) -> DeliveryReport:
    email_config = _email_config(config)
    sender = email_config.from_
    envelope_from = parseaddr(sender)[1]
    domain = envelope_from.rpartition("@")[2] or "localhost"
    period = config.report.period
    results: list[Delivery] = list(early)
    log = SendLog.open(config.history_url, create=not dry_run)
    relay: _Relay | None = None
    try:
        plans: list[_Plan | list[Delivery]] = []
        for message in messages:
            plans.append(_plan(message, log, period, domain, retry_unknown=retry_unknown,
                               again=again))
        if dry_run:
            for plan in plans:
                results.extend(plan if isinstance(plan, list) else _dry_run(plan, folder, sender))
            return DeliveryReport(kind, period, True, tuple(results))
        assert log is not None
        todo = [p for p in plans if isinstance(p, _Plan) and p.pending]
        if todo:
            relay = _Relay(config, _credentials(email_config.smtp))
        for plan in plans:
            if isinstance(plan, list):
                results.extend(plan)
                continue
            if plan.pending:
                log.queue(plan.key, plan.pending, plan.message_id, plan.message.subject)
                assert relay is not None
                plan.done.extend(_send(plan, relay, log, envelope_from, sender, retry_unknown))
            results.extend(_in_order(plan))
    finally:
        if relay is not None:
            relay.close()
        if log is not None:
            log.close()
    return DeliveryReport(kind, period, False, tuple(results))


def _plan(
    message: _Message, log: SendLog | None, period: str, domain: str, *,
    retry_unknown: bool, again: bool,
) -> _Plan | list[Delivery]:
    """What each recipient needs: sending, nothing (already sent), or a report of why not."""
    def each(state: State, reason: str) -> list[Delivery]:
        return [Delivery(message.kind, message.name, r, state, reason, subject=message.subject)
                for r in message.recipients]

    bad = [Delivery(message.kind, message.name, entry, "failed", why)
           for entry, why in message.bad_recipients]
    if message.blocked:
        return bad + each("blocked", message.blocked)
    if message.refused:
        return bad + each("failed", message.refused)
    key = MessageKey(period, message.kind, message.name)
    rows = {}
    if log is not None:
        key = MessageKey(period, message.kind, message.name,
                         log.latest_round(period, message.kind, message.name))
        rows = log.rows(key)
        mine = [rows[r] for r in message.recipients if r in rows]
        if again and mine and all(row.state == "sent" for row in mine):
            key = MessageKey(period, message.kind, message.name, key.round + 1)
            rows = {}
    mine = [rows[r] for r in message.recipients if r in rows]
    message_id = mine[0].message_id if mine else make_msgid(domain=domain)
    plan = _Plan(message, key, message_id, [])
    plan.done.extend(bad)
    for recipient in message.recipients:
        row = rows.get(recipient)
        state = row.state if row else "queued"
        if state == "sent":
            plan.done.append(Delivery(message.kind, message.name, recipient,
                                      "skipped-already-sent", "", message_id,
                                      subject=message.subject))
        elif state == "sending" and not retry_unknown:
            plan.done.append(Delivery(
                message.kind, message.name, recipient, "delivery-unknown",
                "a previous run was cut off while sending this message: it may have been "
                "delivered; it is resent only when asked (retry_unknown / --retry-unknown)",
                message_id, subject=message.subject,
            ))
        else:
            plan.pending.append(recipient)
    return plan


def _in_order(plan: _Plan) -> list[Delivery]:
    order = {r: i for i, r in enumerate(plan.message.recipients)}
    return sorted(plan.done, key=lambda d: order.get(d.recipient, -1))


def _dry_run(plan: _Plan, folder: Path, sender: str) -> list[Delivery]:
    mail = _build_email(plan.message, plan.message_id, sender)
    target = folder / "email" / f"{plan.message.eml_stem}.eml"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(mail.as_bytes(policy=email.policy.SMTP))
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DeliveryError(f"cannot write {target}: {exc}") from exc
    message = plan.message
    plan.done.extend(
        Delivery(message.kind, message.name, r, "dry-run", message.note, plan.message_id,
                 target, message.subject)
        for r in plan.pending
    )
    return [
        d if d.eml is not None or d.state == "failed" else _with_eml(d, target)
        for d in _in_order(plan)
    ]


def _with_eml(delivery: Delivery, eml: Path) -> Delivery:
    return replace(delivery, eml=eml)


def _backoff(smtp: Smtp, attempt: int) -> float:
    # A relay that is slow to answer gets more patience; a quick local one costs little time.
    return min(5.0, smtp.timeout_seconds / 4) * 2 ** (attempt - 1)


def _send(
    plan: _Plan, relay: _Relay, log: SendLog, envelope_from: str, sender: str,
    retry_unknown: bool,
) -> list[Delivery]:
    """Send one message to its pending recipients, retrying what is temporary; log each step."""
    message, key = plan.message, plan.key
    data = _build_email(message, plan.message_id, sender).as_bytes(policy=email.policy.SMTP)
    out: dict[str, tuple[State, str]] = {}
    remaining = list(plan.pending)
    last = ""
    exhausted = False  # gave up after ATTEMPTS temporary failures, not after a final refusal
    for attempt in range(1, ATTEMPTS + 1):
        if relay.unreachable:
            last = f"not attempted: {relay.unreachable}"
            break
        if attempt > 1:
            time.sleep(_backoff(relay.smtp, attempt - 1))
        try:
            relay.connect()
        except _Temporary as exc:
            last = str(exc)
            exhausted = attempt == ATTEMPTS
            if exhausted:
                relay.unreachable = last
            continue
        except _Permanent as exc:
            last = str(exc)
            break
        claimed = log.claim(key, remaining, include_unknown=retry_unknown)
        for r in remaining:
            if r not in claimed:
                out[r] = ("delivery-unknown", "another planreports run is sending it right now")
        remaining = claimed
        if not remaining:
            break
        try:
            refused = relay.sendmail(envelope_from, remaining, data)
        except _Unknown as exc:
            # The row stays "sending": only a person can decide whether to risk a duplicate.
            out.update({r: ("delivery-unknown", str(exc)) for r in remaining})
            remaining = []
            break
        except _Temporary as exc:
            last = str(exc)
            exhausted = attempt == ATTEMPTS
            for r in remaining:
                log.finish(key, r, "failed", last)
            continue
        except _Permanent as exc:
            last = str(exc)
            for r in remaining:
                log.finish(key, r, "failed", last)
            break
        retry = []
        for r in remaining:
            if r not in refused:
                log.finish(key, r, "sent")
                out[r] = ("sent", message.note)
            elif refused[r].startswith("4"):
                last = f"{r} refused for now: {refused[r]}"
                log.finish(key, r, "failed", last)
                retry.append(r)
            else:
                reason = f"{r} refused by {relay.where}: {refused[r]}"
                log.finish(key, r, "failed", reason)
                out[r] = ("failed", reason)
        remaining = retry
        exhausted = attempt == ATTEMPTS
        if not remaining:
            break
    for r in remaining:
        # Rows claimed before a temporary failure were set back to "failed" above; rows never
        # claimed are still "queued". Either way the next run picks them up.
        if r not in out:
            out[r] = ("failed", last + (f" (after {ATTEMPTS} attempts)" if exhausted else ""))
    return [
        Delivery(message.kind, message.name, r, state, reason, plan.message_id,
                 subject=message.subject)
        for r, (state, reason) in out.items()
    ]
