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
`planreports.deliver.log`) before and after the SMTP transaction, so running again sends only
what did not go. A message cut off after its body was handed over, before the relay said
"250", may have been delivered: it is reported "delivery-unknown" and resent only when asked
(`retry_unknown=True`). Temporary failures (4xx replies, dropped connections, refused
connections) are retried a few times with a short backoff; a refused login never is, and stops
the run, because NHSmail locks an account after a handful of failed logins.

A pack whose run.json entry says `emailable: false` (a patient identifier was found in it) is
never sent, not even written as a dry-run .eml.

Modules: `inputs` (config, run.json, leads.yaml, addresses), `message` (templates and MIME),
`packs` and `chase` (what goes to whom), `sending` (the send log, dry runs, retries), `smtp`
(the relay connection), `log` (the send log's tables), `report` (what happened).
"""

from __future__ import annotations

from planreports.deliver.chase import chase_returns
from planreports.deliver.packs import send_packs
from planreports.deliver.report import Delivery, DeliveryReport, State

__all__ = ["Delivery", "DeliveryReport", "State", "chase_returns", "send_packs"]
