"""What a `send` or `chase` run did: one `Delivery` per recipient, in a `DeliveryReport`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from planreports.deliver.log import Kind

State = Literal[
    "sent",
    "failed",
    "skipped-already-sent",
    "delivery-unknown",
    "dry-run",
    "blocked",
    "no-address",
]


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

