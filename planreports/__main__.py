"""`python -m planreports`: the same as the `planreports` command."""

from planreports.cli import app

app(prog_name="planreports")
