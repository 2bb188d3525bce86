"""What delivery reads: config.yaml's email section, the period's run.json, leads.yaml."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

import yaml

from planreports.config import Config
from planreports.errors import ConfigError, DeliveryError, UsageError

LEADS_FILE = "leads.yaml"


PREVIEW_SENDER = "pmo@example.invalid"


def email_section(config: Config) -> Any:
    """config.yaml's `email:` section; without one there is no one to send to."""
    if config.email is None:
        raise ConfigError(
            f"{config.path.name} has no email: section, so there is no one to send to: add "
            "one (see the README's config.yaml table); --dry-run previews the messages "
            "without it"
        )
    return config.email


def with_preview_email(config: Config) -> tuple[Config, str]:
    """For a dry run without an `email:` section: the config with a placeholder one (each pack
    to a placeholder address, from a placeholder sender), and the note that says so."""
    if config.email is not None:
        return config, ""
    from planreports.config import Email

    email = Email.model_validate({
        "smtp": {"host": "localhost"},
        "from": PREVIEW_SENDER,
        "send": [{"pack": p.name, "to": [f"{p.name}.recipients@example.invalid"],
                  "attach": ["xlsx", "pptx"]} for p in config.packs],
    })
    preview = config.model_copy(update={"email": email})
    preview._path, preview._warnings = config.path, config.warnings
    note = (f"preview only: {config.path.name} has no email: section, so the sender and "
            "recipients are placeholders")
    return preview, note


def leads_file(config: Config) -> Path:
    """Where lead addresses live: leads.yaml beside config.yaml."""
    return config.base_dir / LEADS_FILE


def load_run(config: Config) -> tuple[Path, dict[str, Any]]:
    """The period's output folder and its run.json, as `planreports build` wrote them."""
    folder = config.outputs_dir / config.period_slug
    path = folder / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path} not found: run `planreports build` for {config.report.period} first"
        ) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(run, dict):
        raise DeliveryError(f"{path}: expected a JSON object")
    return folder, run


def address_book(config: Config, addresses: Mapping[str, str] | None) -> dict[str, str]:
    """Lead key -> address, from `addresses` or else leads.yaml beside config.yaml."""
    if addresses is None:
        path = leads_file(config)
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
    return {lead_key(k): v.strip() for k, v in addresses.items()}


def lead_key(title: str) -> str:
    """A lead or workstream title as compared: case and spacing forgiven."""
    return " ".join(title.split()).casefold()


def parse_address(entry: str) -> str | None:
    """The bare address of 'Name <a@b>' or 'a@b'; None when it is not one address."""
    if "\n" in entry or "\r" in entry or len(getaddresses([entry])) != 1:
        return None
    _, address = parseaddr(entry)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        return None
    return address.lower()


def split_recipients(entries: Sequence[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Header forms and bare addresses (each once) of entries, plus those that are not addresses."""
    headers, bare, bad = [], [], []
    for entry in entries:
        address = parse_address(entry)
        if address is None:
            bad.append((entry, f"{entry!r} is not an email address"))
        elif address not in bare:
            headers.append(entry.strip())
            bare.append(address)
    return headers, bare, bad

