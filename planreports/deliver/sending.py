"""Sending planned messages once each: check the send log, then write .eml files or send."""

from __future__ import annotations

import email.policy
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from email.utils import make_msgid, parseaddr
from pathlib import Path

from planreports.config import Config, Smtp
from planreports.deliver.inputs import email_section
from planreports.deliver.log import Kind, MessageKey, SendLog
from planreports.deliver.message import Message, build_email
from planreports.deliver.report import Delivery, DeliveryReport, State
from planreports.deliver.smtp import (
    OutcomeUnknown,
    PermanentFailure,
    Relay,
    TemporaryFailure,
    smtp_credentials,
)
from planreports.errors import DeliveryError

ATTEMPTS = 3  # per message; enough to ride out a relay restart, few enough not to look abusive


@dataclass
class _Plan:
    """One message's recipients still to send (`pending`) and those already settled (`done`)."""

    message: Message
    key: MessageKey
    message_id: str
    pending: list[str]
    done: list[Delivery] = field(default_factory=list)


def deliver_messages(
    config: Config, kind: Kind, messages: Sequence[Message], early: Sequence[Delivery],
    folder: Path, *, dry_run: bool, retry_unknown: bool, again: bool,
) -> DeliveryReport:
    """Deliver `messages` (with `early` reports of recipients no message can reach) as one run."""
    email_config = email_section(config)
    sender = email_config.from_
    envelope_from = parseaddr(sender)[1]
    domain = envelope_from.rpartition("@")[2] or "localhost"
    period = config.report.period
    results: list[Delivery] = list(early)
    log = SendLog.open(config.history_url, create=not dry_run)
    relay: Relay | None = None
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
            relay = Relay(config, smtp_credentials(email_config.smtp))
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
    message: Message, log: SendLog | None, period: str, domain: str, *,
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
    mail = build_email(plan.message, plan.message_id, sender)
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
    plan: _Plan, relay: Relay, log: SendLog, envelope_from: str, sender: str,
    retry_unknown: bool,
) -> list[Delivery]:
    """Send one message to its pending recipients, retrying what is temporary; log each step."""
    message, key = plan.message, plan.key
    data = build_email(message, plan.message_id, sender).as_bytes(policy=email.policy.SMTP)
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
        except TemporaryFailure as exc:
            last = str(exc)
            exhausted = attempt == ATTEMPTS
            if exhausted:
                relay.unreachable = last
            continue
        except PermanentFailure as exc:
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
        except OutcomeUnknown as exc:
            # The row stays "sending": only a person can decide whether to risk a duplicate.
            out.update({r: ("delivery-unknown", str(exc)) for r in remaining})
            remaining = []
            break
        except TemporaryFailure as exc:
            last = str(exc)
            exhausted = attempt == ATTEMPTS
            for r in remaining:
                log.finish(key, r, "failed", last)
            continue
        except PermanentFailure as exc:
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
