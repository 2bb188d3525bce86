"""Typed errors: raised only when a run cannot go on; the CLI turns them into one line."""

from __future__ import annotations


class PlanreportsError(Exception):
    """Base of every error planreports raises on purpose; its text is the user's message."""

    exit_code = 1


class ConfigError(PlanreportsError):
    """config.yaml is missing, malformed or breaks the contract."""

    exit_code = 2


class UsageError(PlanreportsError):
    """A command-line option or argument is wrong."""

    exit_code = 2


class InputError(PlanreportsError):
    """The inputs folder itself cannot be used (a bad tracker is a finding, not this).

    Bad usage or config (a folder that is not there), so exit code 2 as the README says.
    """

    exit_code = 2


class RenderError(PlanreportsError):
    """An output could not be written."""


class DeliveryError(PlanreportsError):
    """Email could not be delivered."""


class TabledError(PlanreportsError):
    """The period was tabled: its packs are the board's record and are not rebuilt."""
