"""One email as planned, its subject and body rendered from jinja2 templates, and as MIME."""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2

from planreports.config import Config
from planreports.deliver.inputs import email_section
from planreports.deliver.log import Kind
from planreports.errors import DeliveryError
from planreports.render.text import environment

MIME_TYPES: Mapping[str, tuple[str, str]] = {
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("application", "pdf"),
}
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Attachment:
    """A built file to attach, under the name the recipient sees."""

    path: Path
    filename: str
    maintype: str
    subtype: str
    data: bytes | None = None  # the bytes checked before sending; read from `path` if None


@dataclass(frozen=True)
class Message:
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
    attachments: tuple[Attachment, ...] = ()
    blocked: str = ""  # why it must never go
    refused: str = ""  # why it cannot go now (nothing was built, too big)
    note: str = ""  # said of every recipient that it goes to
    bad_recipients: tuple[tuple[str, str], ...] = ()  # (entry, why) not addresses at all


def template_environment(config: Config) -> jinja2.Environment:
    """The email templates: the working folder's `templates/` first, then the shipped ones."""
    # text.environment autoescapes names ending ".html"; ours end ".html.j2" and carry tracker
    # and config text into HTML, so they are escaped too.
    return environment(config.resolve(config.templates.folder)).overlay(
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False)
    )


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """One template rendered and stripped; a template error names the file and line."""
    try:
        return env.get_template(name).render(**context).strip()
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{name} line {line}" if line else name
        raise DeliveryError(f"email template {where}: {exc}") from exc


def one_line(text: str) -> str:
    # A subject is one header line; a template's stray newline must not become a new header.
    return " ".join(text.split())


def attachment_filename(*parts: str, ext: str) -> str:
    # Windows refuses these characters in a file name, and Outlook saves attachments there.
    name = " - ".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", " ".join(name.split())) + f".{ext}"


def date_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def size_refusal(config: Config, attachments: Sequence[Attachment]) -> str:
    """Why the attachments are too big to send (email.smtp.max_attachment_mb), or ""."""
    limit = email_section(config).smtp.max_attachment_mb
    size = sum(_size(a) for a in attachments)
    if size <= limit * _MB:
        return ""
    names = ", ".join(f"{a.filename} ({_size(a) / _MB:.1f} MB)" for a in attachments)
    return (
        f"attachments total {size / _MB:.1f} MB, over email.smtp.max_attachment_mb "
        f"({limit:g} MB): {names}; not sent"
    )


def _size(attachment: Attachment) -> int:
    if attachment.data is not None:
        return len(attachment.data)
    return attachment.path.stat().st_size


def build_email(
    message: Message, message_id: str, sender: str, when: dt.datetime | None = None
) -> EmailMessage:
    """The message as MIME: plain text, optional HTML alternative, attachments."""
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
            attachment.data if attachment.data is not None else attachment.path.read_bytes(),
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return mail
